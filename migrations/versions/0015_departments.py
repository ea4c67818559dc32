"""departments: records with staff, cases assigned to them, help requests (协办)

Revision ID: core_0015
Revises: core_0014
Create Date: 2026-12-01 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0015'
down_revision = 'core_0014'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
