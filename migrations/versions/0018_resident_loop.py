"""the resident's own loop: receipts, tracking, call-backs, me-too (issue 19)

Revision ID: core_0018
Revises: core_0017
Create Date: 2026-12-01 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0018'
down_revision = 'core_0017'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
