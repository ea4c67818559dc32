"""households keep the day their next visit is due (issue 20: dashboards count from an index)

Revision ID: core_0022
Revises: core_0021
Create Date: 2026-12-01 17:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0022'
down_revision = 'core_0021'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.add_column(sa.Column('visit_due_on', sa.Date(), nullable=True))
        batch_op.create_index('ix_households_grid_visit_due', ['grid_id', 'visit_due_on'],
                              unique=False)
    # Filled by the portal's own rule (each town's visit days), which from now on keeps it: the
    # rule is the portal's, not this migration's to copy. It reads only columns that exist here.
    from sqlalchemy.orm import Session

    from portal.people.visit_due import refresh

    session = Session(bind=op.get_bind())
    refresh(session=session)
    session.flush()


def downgrade():
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_index('ix_households_grid_visit_due')
        batch_op.drop_column('visit_due_on')
