"""case response templates

Revision ID: core_0005
Revises: core_0004
Create Date: 2026-11-24 10:48:21.596798

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0005'
down_revision = 'core_0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_response_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('town_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=40), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['town_id'], ['grids.id'], name=op.f('fk_case_response_templates_town_id_grids')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_response_templates'))
    )
    with op.batch_alter_table('case_response_templates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_response_templates_town_id'), ['town_id'], unique=False)



def downgrade():
    with op.batch_alter_table('case_response_templates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_response_templates_town_id'))

    op.drop_table('case_response_templates')
