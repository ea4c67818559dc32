"""offline phone: idempotency keys for visits and case reports (issue 19)

Revision ID: core_0019
Revises: core_0018
Create Date: 2026-12-01 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0019'
down_revision = 'core_0018'
branch_labels = None
depends_on = None


def upgrade():
    # Made on the phone for each visit or case report kept offline: a replayed upload finds the
    # record its first attempt made instead of making a second (NULL for everything else).
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('idempotency_key', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_visits_idempotency_key'),
                                          ['idempotency_key'])
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('idempotency_key', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_cases_idempotency_key'),
                                          ['idempotency_key'])


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_cases_idempotency_key'), type_='unique')
        batch_op.drop_column('idempotency_key')
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_visits_idempotency_key'), type_='unique')
        batch_op.drop_column('idempotency_key')
