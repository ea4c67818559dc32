"""deadlines per step: supervision notices per step and episode, hour-based deadlines

Revision ID: core_0013
Revises: core_0012
Create Date: 2026-12-01 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0013'
down_revision = 'core_0012'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
