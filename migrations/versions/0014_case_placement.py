"""case placement: the town's intake queue for cases without a base grid

Revision ID: core_0014
Revises: core_0013
Create Date: 2026-12-01 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0014'
down_revision = 'core_0013'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
