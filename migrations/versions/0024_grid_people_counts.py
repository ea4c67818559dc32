"""grids keep their households and residents counts (issue 20: a county adds per-grid counts)

Revision ID: core_0024
Revises: core_0023
Create Date: 2026-12-01 21:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0024'
down_revision = 'core_0023'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('grids', schema=None) as batch_op:
        batch_op.add_column(sa.Column('households_count', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('residents_count', sa.Integer(), nullable=False,
                                      server_default='0'))
    # from now on portal.people.grid_counts keeps them; written out here, as this revision sees
    # the tables
    op.execute("UPDATE grids SET "
               "households_count = (SELECT count(*) FROM households h "
               "WHERE h.grid_id = grids.id AND h.moved_out_at IS NULL), "
               "residents_count = (SELECT count(*) FROM residents r "
               "WHERE r.grid_id = grids.id AND r.left_at IS NULL)")


def downgrade():
    with op.batch_alter_table('grids', schema=None) as batch_op:
        batch_op.drop_column('residents_count')
        batch_op.drop_column('households_count')
