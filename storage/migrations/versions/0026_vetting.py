"""vetting: a check's expiry seen, a staff question waiting for its answer, the charter shown

Revision ID: 0026_vetting
Revises: 0022_seen_updates
Create Date: 2026-12-04 19:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0026_vetting'
down_revision: str | None = '0025_sessionlog'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('volunteer_vetting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('check_expired_alerted_at', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('question_from', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('charter_asked_at', sa.DateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('volunteer_vetting', schema=None) as batch_op:
        batch_op.drop_column('charter_asked_at')
        batch_op.drop_column('question_from')
        batch_op.drop_column('check_expired_alerted_at')
