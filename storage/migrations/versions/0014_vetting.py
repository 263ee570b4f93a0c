"""volunteer vetting (approval, charter, check) and the students' year of birth

Revision ID: 0014_vetting
Revises: 0013_meetings
Create Date: 2026-12-03 18:29:16.524138
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014_vetting'
down_revision: str | None = '0013_meetings'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('volunteer_vetting',
    sa.Column('user_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.BigInteger(), nullable=True),
    sa.Column('refusal_reason', sa.Text(), nullable=True),
    sa.Column('charter_version', sa.String(length=16), nullable=True),
    sa.Column('charter_accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('check_on', sa.Date(), nullable=True),
    sa.Column('check_recorded_by', sa.BigInteger(), nullable=True),
    sa.Column('check_reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_volunteer_vetting_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_volunteer_vetting'))
    )
    with op.batch_alter_table('volunteer_vetting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_volunteer_vetting_check_on'), ['check_on'], unique=False)
        batch_op.create_index('ix_volunteer_vetting_status', ['status'], unique=False)

    with op.batch_alter_table('student_profiles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('birth_year', sa.SmallInteger(), nullable=True))
    # Volunteers who signed up before approval existed keep being proposed.
    op.execute("INSERT INTO volunteer_vetting (user_id, status, submitted_at, decided_at) "
               "SELECT user_id, 'approved', completed_at, completed_at FROM volunteer_profiles")


def downgrade() -> None:
    with op.batch_alter_table('student_profiles', schema=None) as batch_op:
        batch_op.drop_column('birth_year')

    with op.batch_alter_table('volunteer_vetting', schema=None) as batch_op:
        batch_op.drop_index('ix_volunteer_vetting_status')
        batch_op.drop_index(batch_op.f('ix_volunteer_vetting_check_on'))

    op.drop_table('volunteer_vetting')
