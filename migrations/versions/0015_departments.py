"""departments: records with staff, cases assigned to them, help requests (协办)

Revision ID: core_0015
Revises: core_0014
Create Date: 2026-12-01 12:00:00.000000

The free-text ``cases.department`` becomes a record: every distinct name of a town's cases turns
into one department of that town, and the cases point at it (``cases.department_id``). The text
column is then dropped: a second, stale copy of the name would only be there to disagree with
the record (renamed, deactivated), and nothing is lost since every value became a record;
``downgrade`` writes the names back.
"""
from alembic import op
import sqlalchemy as sa

from portal.timeutil import utcnow


# revision identifiers, used by Alembic.
revision = 'core_0015'
down_revision = 'core_0014'
branch_labels = None
depends_on = None

#: A town's code is the county's 6 digits and its own 3 (portal.grids.models.TOWN_CODE_WIDTH,
#: written out: a migration keeps the rule of its day).
TOWN_CODE_WIDTH = 9


def _convert_free_text(connection) -> int:
    """One department per distinct (town, name) of the cases' free text; the cases linked to
    it. Returns the number of departments made."""
    rows = connection.execute(sa.text(
        "SELECT c.id, c.department, g.code FROM cases c JOIN grids g ON g.id = c.grid_id "
        "WHERE c.department IS NOT NULL ORDER BY c.id")).all()
    towns = dict(connection.execute(sa.text(
        "SELECT code, id FROM grids WHERE level IN ('town', 'county')")).all())
    made: dict[tuple[int, str], int] = {}
    now = utcnow()
    for case_id, text, code in rows:
        name = (text or "").strip()[:32]
        owner = towns.get(code[:TOWN_CODE_WIDTH]) or towns.get(code[:6])
        if not name or owner is None:
            continue
        key = (owner, name)
        if key not in made:
            connection.execute(sa.text(
                "INSERT INTO departments (owner_id, name, active, created_at) "
                "VALUES (:owner, :name, :active, :at)"),
                {"owner": owner, "name": name, "active": True, "at": now})
            made[key] = connection.execute(sa.text(
                "SELECT id FROM departments WHERE owner_id = :owner AND name = :name"),
                {"owner": owner, "name": name}).scalar_one()
        connection.execute(sa.text("UPDATE cases SET department_id = :d WHERE id = :id"),
                           {"d": made[key], "id": case_id})
    return len(made)


def upgrade():
    op.create_table('departments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['grids.id'], name=op.f('fk_departments_owner_id_grids')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_departments')),
    sa.UniqueConstraint('owner_id', 'name', name='uq_departments_owner_id_name')
    )
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_departments_owner_id'), ['owner_id'], unique=False)

    op.create_table('case_assists',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_case_assists_answered_by_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_assists_case_id_cases')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_case_assists_department_id_departments')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_case_assists_requested_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_assists'))
    )
    with op.batch_alter_table('case_assists', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_assists_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_assists_department_id'), ['department_id'], unique=False)

    op.create_table('department_returns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_department_returns_case_id_cases')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_department_returns_department_id_departments')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_department_returns_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_department_returns'))
    )
    with op.batch_alter_table('department_returns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_department_returns_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_department_returns_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_department_returns_department_id'), ['department_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('department_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_users_department_id'), ['department_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_users_department_id_departments'), 'departments', ['department_id'], ['id'])

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('department_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_cases_department_id'), ['department_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_cases_department_id_departments'), 'departments', ['department_id'], ['id'])

    _convert_free_text(op.get_bind())

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('department')


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('department', sa.String(length=32), nullable=True))
    op.execute(sa.text(
        "UPDATE cases SET department = (SELECT d.name FROM departments d "
        "WHERE d.id = cases.department_id) WHERE department_id IS NOT NULL"))
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_cases_department_id_departments'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_cases_department_id'))
        batch_op.drop_column('department_id')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_users_department_id_departments'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_users_department_id'))
        batch_op.drop_column('department_id')

    with op.batch_alter_table('department_returns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_department_returns_department_id'))
        batch_op.drop_index(batch_op.f('ix_department_returns_case_id'))
        batch_op.drop_index(batch_op.f('ix_department_returns_at'))
    op.drop_table('department_returns')

    with op.batch_alter_table('case_assists', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_assists_department_id'))
        batch_op.drop_index(batch_op.f('ix_case_assists_case_id'))
    op.drop_table('case_assists')

    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_departments_owner_id'))
    op.drop_table('departments')
