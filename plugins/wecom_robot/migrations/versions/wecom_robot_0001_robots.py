"""wecom_robot: group robots of grids and villages

Revision ID: wecom_robot_0001
Revises:
Create Date: 2026-12-02 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "wecom_robot_0001"
down_revision = None
branch_labels = ("wecom_robot",)
depends_on = "core_0001"


def upgrade():
    op.create_table('wecom_robot_robots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('events', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_wecom_robot_robots_grid_id_grids')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wecom_robot_robots'))
    )
    with op.batch_alter_table('wecom_robot_robots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wecom_robot_robots_grid_id'), ['grid_id'], unique=False)


def downgrade():
    with op.batch_alter_table('wecom_robot_robots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wecom_robot_robots_grid_id'))

    op.drop_table('wecom_robot_robots')
