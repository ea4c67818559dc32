"""finished months of case figures per grid (issue 20: a county's trend reads rows, not cases)

Revision ID: core_0021
Revises: core_0020
Create Date: 2026-12-01 17:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0021'
down_revision = 'core_0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'case_months',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('grid_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('received', sa.Integer(), nullable=False),
        sa.Column('resolved', sa.Integer(), nullable=False),
        sa.Column('on_time', sa.Integer(), nullable=False),
        sa.Column('rated', sa.Integer(), nullable=False),
        sa.Column('stars', sa.Integer(), nullable=False),
        sa.Column('satisfied', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_case_months_grid_id_grids')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_months')),
        sa.UniqueConstraint('grid_id', 'month', name=op.f('uq_case_months_grid_id')),
    )
    with op.batch_alter_table('case_months', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_months_month'), ['month'], unique=False)
    op.create_table(
        'rolled_months',
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('rolled_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('month', name=op.f('pk_rolled_months')),
    )
    # Nothing is rolled here: until the worker (or `portal cases months roll`) rolls the
    # finished months, the dashboards count them from the cases, as before.


def downgrade():
    op.drop_table('rolled_months')
    with op.batch_alter_table('case_months', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_months_month'))
    op.drop_table('case_months')
