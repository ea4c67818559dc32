"""cases: the grid joins the state and resolved indexes (issue 20: a town's figures
cost the town's cases, not the county's); indexes for the rare kinds' and the open notices' lists

Revision ID: core_0023
Revises: core_0022
Create Date: 2026-12-01 17:45:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'core_0023'
down_revision = 'core_0022'
branch_labels = None
depends_on = None

#: old single-column index -> (new index, its columns): each new one starts with the old column,
#: so it serves every query the old one did.
REPLACED = {
    'ix_cases_state': ('ix_cases_state_grid', ['state', 'level', 'grid_id']),
    'ix_cases_resolved_at': ('ix_cases_resolved_grid', ['resolved_at', 'grid_id']),
}


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        for old, (new, columns) in REPLACED.items():
            batch_op.create_index(new, columns, unique=False)
            batch_op.drop_index(old)
        # a scope's open cases of a rare kind (approval, emergency) for its home page
        batch_op.create_index('ix_cases_kind_state', ['kind', 'state'], unique=False)
    # a home page's open supervision notices (resolved_at NULL), a few among many
    with op.batch_alter_table('supervision_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervision_notices_resolved_at'), ['resolved_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('supervision_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervision_notices_resolved_at'))
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_kind_state')
        for old, (new, columns) in REPLACED.items():
            batch_op.create_index(old, columns[:1], unique=False)
            batch_op.drop_index(new)
