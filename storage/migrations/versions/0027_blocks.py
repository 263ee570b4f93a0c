"""blocks: people staff have blocked (/block, /unblock)

Revision ID: 0027_blocks
Revises: 0026_vetting
Create Date: 2026-12-04 21:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0027_blocks'
down_revision: str | None = '0026_vetting'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'staff_blocks',
        sa.Column('user_id', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('blocked_by', sa.BigInteger(), nullable=False),
        sa.Column('blocked_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('user_id'),
    )


def downgrade() -> None:
    op.drop_table('staff_blocks')
