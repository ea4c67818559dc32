"""one head per household: a partial unique index on residents (household_id) over the current
heads; a household that already has several keeps its earliest registered head, the others
become "other" (每户一位户主), each change written to the audit log

Revision ID: core_0012
Revises: core_0011
Create Date: 2026-12-01 10:00:00.000000

"""
import json
import logging

from alembic import op
import sqlalchemy as sa

from portal.timeutil import utcnow


# revision identifiers, used by Alembic.
revision = 'core_0012'
down_revision = 'core_0011'
branch_labels = None
depends_on = None

CURRENT_HEAD = "relation = 'head' AND left_at IS NULL"


def _fix_second_heads(connection) -> int:
    """Deterministic: in each household the current head with the smallest id stays head."""
    rows = connection.execute(sa.text(
        "SELECT r.id, r.household_id, g.code FROM residents r JOIN grids g ON g.id = r.grid_id "
        "WHERE r.relation = 'head' AND r.left_at IS NULL ORDER BY r.household_id, r.id")).all()
    seen, extra = set(), []
    for resident_id, household_id, code in rows:
        if household_id in seen:
            extra.append((resident_id, code))
        seen.add(household_id)
    now = utcnow()
    detail = json.dumps({"changes": {"relation": ["head", "other"]},
                         "reason": "一户只能有一位户主：保留最早登记的户主 (migration core_0012)"},
                        ensure_ascii=False)
    for resident_id, code in extra:
        connection.execute(sa.text("UPDATE residents SET relation = 'other' WHERE id = :id"),
                           {"id": resident_id})
        connection.execute(sa.text(
            "INSERT INTO audit_log (at, action, object_type, object_id, scope_code, detail) "
            "VALUES (:at, 'resident.update', 'Resident', :id, :code, :detail)"),
            {"at": now, "id": str(resident_id), "code": code, "detail": detail})
    return len(extra)


def upgrade():
    fixed = _fix_second_heads(op.get_bind())
    if fixed:
        logging.getLogger("alembic.runtime.migration").warning(
            "core_0012: %d second head(s) of a household set to 'other' (see the audit log)", fixed)
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.create_index('uq_residents_one_head', ['household_id'], unique=True,
                              sqlite_where=sa.text(CURRENT_HEAD),
                              postgresql_where=sa.text(CURRENT_HEAD))


def downgrade():
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.drop_index('uq_residents_one_head')
