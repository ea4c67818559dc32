"""coordination and approval cases: consultations (会商), a lead, approval steps

Revision ID: core_0016
Revises: core_0015
Create Date: 2026-12-01 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0016'
down_revision = 'core_0015'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
