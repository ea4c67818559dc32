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
    # 答复群众: the one text of a case's timeline its reporter reads (notes stay internal)
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_reply', sa.Text(), nullable=True))

    # 我也遇到: people who joined an open case instead of filing it again
    op.create_table('case_me_toos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('reporter_name', sa.String(length=32), nullable=True),
    sa.Column('reporter_phone', sa.String(length=20), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_me_toos_case_id_cases')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_case_me_toos_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_me_toos'))
    )
    with op.batch_alter_table('case_me_toos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_me_toos_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_me_toos_user_id'), ['user_id'], unique=False)

    # 回访: the information officer's calls to reporters who did not rate a closed case
    op.create_table('case_callbacks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=12), nullable=False),
    sa.Column('satisfaction', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_callbacks_case_id_cases')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_case_callbacks_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_callbacks'))
    )
    with op.batch_alter_table('case_callbacks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_callbacks_case_id'), ['case_id'], unique=False)


def downgrade():
    with op.batch_alter_table('case_callbacks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_callbacks_case_id'))
    op.drop_table('case_callbacks')
    with op.batch_alter_table('case_me_toos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_me_toos_user_id'))
        batch_op.drop_index(batch_op.f('ix_case_me_toos_case_id'))
    op.drop_table('case_me_toos')
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_column('public_reply')
