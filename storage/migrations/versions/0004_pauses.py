"""volunteer pauses

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 14:29:39.734671
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('volunteer_profiles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resume_pending', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index(batch_op.f('ix_volunteer_profiles_paused_until'), ['paused_until'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('volunteer_profiles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_volunteer_profiles_paused_until'))
        batch_op.drop_column('resume_pending')

