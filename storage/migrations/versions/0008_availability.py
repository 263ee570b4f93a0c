"""volunteer availability questions

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 14:48:34.003326
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('volunteer_profiles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('availability_next_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('availability_asked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_volunteer_profiles_availability_asked_at'), ['availability_asked_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_volunteer_profiles_availability_next_at'), ['availability_next_at'], unique=False)
    # Volunteers already signed up are first asked at the next tick.
    op.execute("UPDATE volunteer_profiles SET availability_next_at = CURRENT_TIMESTAMP")


def downgrade() -> None:
    with op.batch_alter_table('volunteer_profiles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_volunteer_profiles_availability_next_at'))
        batch_op.drop_index(batch_op.f('ix_volunteer_profiles_availability_asked_at'))
        batch_op.drop_column('availability_asked_at')
        batch_op.drop_column('availability_next_at')

