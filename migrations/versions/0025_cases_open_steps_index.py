"""cases: a partial index of the open cases with every step's deadline and completion (issue 20:
a county's late cases by step are counted from the index, not from its open rows)

Revision ID: core_0025
Revises: core_0024
Create Date: 2026-12-01 21:15:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0025'
down_revision = 'core_0024'
branch_labels = None
depends_on = None

OPEN = "state IN ('received', 'assigned', 'in_progress', 'escalated')"
COLUMNS = ['state', 'grid_id', 'assign_due', 'assign_due_at', 'assigned_at', 'feedback_due',
           'feedback_due_at', 'feedback_at', 'resolve_due', 'resolve_due_at', 'resolved_at']


def upgrade():
    op.create_index('ix_cases_open_steps', 'cases', COLUMNS, unique=False,
                    sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))


def downgrade():
    op.drop_index('ix_cases_open_steps', table_name='cases')
