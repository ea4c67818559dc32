"""grids: the households a resident representative looks after (联户), and the label a staff
member's town post had when saved (issue 23)

Revision ID: core_0027
Revises: core_0026
Create Date: 2026-12-02 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0027'
down_revision = 'core_0026'
branch_labels = None
depends_on = None

ACTIVE = "ended_at IS NULL"


def upgrade():
    op.create_table('representative_households',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], ),
    sa.ForeignKeyConstraint(['staff_id'], ['grid_staff.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('representative_households', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_representative_households_household_id'),
                              ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_representative_households_staff_id'),
                              ['staff_id'], unique=False)
        # a household has one active representative
        batch_op.create_index('ux_representative_households_active', ['household_id'],
                              unique=True, sqlite_where=sa.text(ACTIVE),
                              postgresql_where=sa.text(ACTIVE))

    with op.batch_alter_table('grid_staff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('post_label', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('grid_staff', schema=None) as batch_op:
        batch_op.drop_column('post_label')

    with op.batch_alter_table('representative_households', schema=None) as batch_op:
        batch_op.drop_index('ux_representative_households_active')
        batch_op.drop_index(batch_op.f('ix_representative_households_staff_id'))
        batch_op.drop_index(batch_op.f('ix_representative_households_household_id'))

    op.drop_table('representative_households')
