"""relay records and the volunteer's choice of student

Revision ID: 0012
Revises: 0011_contact_offers
Create Date: 2026-12-03 14:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011_contact_offers'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('relay_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pair_id', sa.Integer(), nullable=False),
    sa.Column('sender_id', sa.BigInteger(), nullable=False),
    sa.Column('recipient_id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('source_message_id', sa.BigInteger(), nullable=False),
    sa.Column('copy_message_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['pair_id'], ['pairs.id'],
                            name=op.f('fk_relay_messages_pair_id_pairs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recipient_id'], ['users.id'],
                            name=op.f('fk_relay_messages_recipient_id_users'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sender_id'], ['users.id'],
                            name=op.f('fk_relay_messages_sender_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_relay_messages'))
    )
    with op.batch_alter_table('relay_messages', schema=None) as batch_op:
        batch_op.create_index('ix_relay_messages_pair_sent', ['pair_id', 'sent_at'], unique=False)
        batch_op.create_index('ix_relay_messages_source', ['sender_id', 'source_message_id'],
                              unique=False)
        batch_op.create_index('ix_relay_messages_copy', ['recipient_id', 'copy_message_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_relay_messages_sent_at'), ['sent_at'], unique=False)

    op.create_table('relay_choices',
    sa.Column('volunteer_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('pair_id', sa.Integer(), nullable=False),
    sa.Column('chosen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['pair_id'], ['pairs.id'],
                            name=op.f('fk_relay_choices_pair_id_pairs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['volunteer_id'], ['users.id'],
                            name=op.f('fk_relay_choices_volunteer_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('volunteer_id', name=op.f('pk_relay_choices'))
    )
    with op.batch_alter_table('relay_choices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_relay_choices_pair_id'), ['pair_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('relay_choices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_relay_choices_pair_id'))
    op.drop_table('relay_choices')
    with op.batch_alter_table('relay_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_relay_messages_sent_at'))
        batch_op.drop_index('ix_relay_messages_copy')
        batch_op.drop_index('ix_relay_messages_source')
        batch_op.drop_index('ix_relay_messages_pair_sent')
    op.drop_table('relay_messages')
