"""session log and outcome questions: what each one is about and where its answer stands

Revision ID: 0025_sessionlog
Revises: 0022_seen_updates
Create Date: 2026-12-04 19:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0025_sessionlog'
down_revision: str | None = '0022_seen_updates'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('session_logs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('occasion', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('step', sa.String(length=16), server_default='done',
                                      nullable=False))
        # A meeting moved after its question is asked about again: one row per occasion.
        batch_op.drop_constraint('uq_session_logs_meeting_user', type_='unique')
        batch_op.create_unique_constraint('uq_session_logs_pair_occasion_user',
                                          ['pair_id', 'occasion', 'user_id'])
    with op.batch_alter_table('outcomes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('step', sa.String(length=16), server_default='done',
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('outcomes', schema=None) as batch_op:
        batch_op.drop_column('step')
    with op.batch_alter_table('session_logs', schema=None) as batch_op:
        batch_op.drop_constraint('uq_session_logs_pair_occasion_user', type_='unique')
        batch_op.create_unique_constraint('uq_session_logs_meeting_user',
                                          ['meeting_id', 'user_id'])
        batch_op.drop_column('step')
        batch_op.drop_column('occasion')
