"""county scale indexes: counting a scope's current households and residents from an index alone

Revision ID: core_0008
Revises: core_0007
Create Date: 2026-11-25 20:37:29.174007

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0008'
down_revision = 'core_0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.create_index('ix_households_grid_active', ['grid_id', 'moved_out_at'], unique=False)

    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.create_index('ix_residents_grid_active', ['grid_id', 'left_at'], unique=False)


def downgrade():
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.drop_index('ix_residents_grid_active')

    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_index('ix_households_grid_active')
