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
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assign_due_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('feedback_due_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('resolve_due_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('episode', sa.Integer(), server_default='1',
                                      nullable=False))
    # the notices raised so far were all for the solve deadline of a case's first episode
    with op.batch_alter_table('supervision_notices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('step', sa.String(length=8), server_default='resolve',
                                      nullable=False))
        batch_op.add_column(sa.Column('episode', sa.Integer(), server_default='1',
                                      nullable=False))
        batch_op.drop_constraint('uq_supervision_notices_case_id', type_='unique')
        batch_op.create_index(batch_op.f('ix_supervision_notices_case_id'), ['case_id'],
                              unique=False)
        batch_op.create_unique_constraint('uq_supervision_notices_case_id_episode_step',
                                          ['case_id', 'episode', 'step'])


def downgrade():
    # back to one notice per case: keep each case's first
    op.execute("DELETE FROM supervision_notices WHERE id NOT IN "
               "(SELECT MIN(id) FROM supervision_notices GROUP BY case_id)")
    with op.batch_alter_table('supervision_notices', schema=None) as batch_op:
        batch_op.drop_constraint('uq_supervision_notices_case_id_episode_step', type_='unique')
        batch_op.drop_index(batch_op.f('ix_supervision_notices_case_id'))
        batch_op.create_unique_constraint('uq_supervision_notices_case_id', ['case_id'])
        batch_op.drop_column('episode')
        batch_op.drop_column('step')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('episode')
        batch_op.drop_column('resolve_due_at')
        batch_op.drop_column('feedback_due_at')
        batch_op.drop_column('assign_due_at')
