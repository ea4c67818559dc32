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
    # 包案领导: a town or county leader answerable for a hard case
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lead_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_cases_lead_id_users'), 'users', ['lead_id'],
                                    ['id'])

    # 会商: scheduled on a case, minutes and decisions recorded afterwards
    op.create_table('case_consultations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('scheduled_at', sa.DateTime(), nullable=False),
    sa.Column('place', sa.String(length=100), nullable=False),
    sa.Column('departments', sa.String(length=200), nullable=True),
    sa.Column('participants', sa.Text(), nullable=False),
    sa.Column('plan', sa.Text(), nullable=False),
    sa.Column('scheduled_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('minutes', sa.Text(), nullable=True),
    sa.Column('decisions', sa.Text(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_consultations_case_id_cases')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_case_consultations_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['scheduled_by_id'], ['users.id'], name=op.f('fk_case_consultations_scheduled_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_consultations'))
    )
    with op.batch_alter_table('case_consultations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_consultations_case_id'), ['case_id'], unique=False)

    # the departments invited to a consultation
    op.create_table('case_consultation_departments',
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['case_consultations.id'], name=op.f('fk_case_consultation_departments_consultation_id_case_consultations')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_case_consultation_departments_department_id_departments')),
    sa.PrimaryKeyConstraint('consultation_id', 'department_id', name=op.f('pk_case_consultation_departments'))
    )
    with op.batch_alter_table('case_consultation_departments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_consultation_departments_department_id'), ['department_id'], unique=False)

    # the steps of an approval case: 受理, 审核, 批准, each passed or returned (退回)
    op.create_table('case_approval_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('step', sa.String(length=12), nullable=False),
    sa.Column('decision', sa.String(length=12), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_approval_steps_case_id_cases')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_case_approval_steps_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_approval_steps'))
    )
    with op.batch_alter_table('case_approval_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_approval_steps_case_id'), ['case_id'], unique=False)


def downgrade():
    with op.batch_alter_table('case_approval_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_approval_steps_case_id'))

    op.drop_table('case_approval_steps')
    with op.batch_alter_table('case_consultation_departments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_consultation_departments_department_id'))

    op.drop_table('case_consultation_departments')
    with op.batch_alter_table('case_consultations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_consultations_case_id'))

    op.drop_table('case_consultations')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_cases_lead_id_users'), type_='foreignkey')
        batch_op.drop_column('lead_id')
