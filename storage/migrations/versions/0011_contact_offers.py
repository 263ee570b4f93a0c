"""contact offers between the members of a pair

Revision ID: 0011_contact_offers
Revises: 0010
Create Date: 2026-12-03 14:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011_contact_offers'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('contact_offers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pair_id', sa.Integer(), nullable=False),
    sa.Column('offered_by', sa.BigInteger(), nullable=False),
    sa.Column('offered_to', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['offered_by'], ['users.id'],
                            name=op.f('fk_contact_offers_offered_by_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['offered_to'], ['users.id'],
                            name=op.f('fk_contact_offers_offered_to_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pair_id'], ['pairs.id'],
                            name=op.f('fk_contact_offers_pair_id_pairs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_offers'))
    )
    with op.batch_alter_table('contact_offers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_offers_pair_id'), ['pair_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('contact_offers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_offers_pair_id'))
    op.drop_table('contact_offers')
