"""follow-up clocks and exchanges

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 14:41:47.596482
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('exchanges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pair_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=True),
    sa.Column('answer', sa.String(length=16), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['pair_id'], ['pairs.id'], name=op.f('fk_exchanges_pair_id_pairs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_exchanges_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchanges'))
    )
    with op.batch_alter_table('exchanges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exchanges_pair_id'), ['pair_id'], unique=False)

    op.create_table('pair_followups',
    sa.Column('pair_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('rhythm', sa.String(length=16), nullable=False),
    sa.Column('last_exchange_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_exchange_done', sa.Boolean(), nullable=False),
    sa.Column('silent_periods', sa.Integer(), nullable=False),
    sa.Column('next_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('scheduled_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('next_kind', sa.String(length=24), nullable=False),
    sa.Column('frozen', sa.Boolean(), nullable=False),
    sa.Column('ended', sa.Boolean(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['pair_id'], ['pairs.id'], name=op.f('fk_pair_followups_pair_id_pairs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('pair_id', name=op.f('pk_pair_followups'))
    )
    with op.batch_alter_table('pair_followups', schema=None) as batch_op:
        batch_op.create_index('ix_pair_followups_due', ['next_due_at'], unique=False)
    # Active pairs that began before follow-ups existed are asked at the next tick whether
    # their first exchange took place; the rhythm follows from their answer.
    op.execute(
        "INSERT INTO pair_followups (pair_id, started_at, rhythm, last_exchange_at, "
        "first_exchange_done, silent_periods, next_due_at, scheduled_at, next_kind, frozen, "
        "ended, sequence) SELECT id, started_at, 'biweekly', NULL, false, 0, "
        "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'first_exchange', false, false, 0 "
        "FROM pairs WHERE status = 'active'")


def downgrade() -> None:
    with op.batch_alter_table('pair_followups', schema=None) as batch_op:
        batch_op.drop_index('ix_pair_followups_due')

    op.drop_table('pair_followups')
    with op.batch_alter_table('exchanges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exchanges_pair_id'))

    op.drop_table('exchanges')
