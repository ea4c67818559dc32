"""households keep the day of their latest visit (issue 20: dashboards read one column)

Revision ID: core_0020
Revises: core_0019
Create Date: 2026-12-01 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0020'
down_revision = 'core_0019'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_visited_on', sa.Date(), nullable=True))
    # filled from the visits once; from now on each visit written keeps it (portal/people/models.py)
    op.execute("UPDATE households SET last_visited_on = "
               "(SELECT max(visits.visited_on) FROM visits WHERE visits.household_id = households.id)")


def downgrade():
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_column('last_visited_on')
