"""Each household keeps the day of its latest visit (households.last_visited_on), written in the
same transaction as the visit, so that dashboards and due lists read one column instead of every
visit of the county (issue 20). Every way a visit is written keeps it: the visit form's service,
a visit added through the ORM anywhere (events), the scaled demo's bulk insert
(tests/test_demo_scale.py) and the migration that added it (filled from the visits)."""
from datetime import timedelta

import flask_migrate
import pytest
from sqlalchemy import text

from portal.extensions import db
from portal.people.models import Household, Visit, stale_last_visits
from portal.people.visits import due_list, record_visit
from portal.timeutil import local_today


def _last(household):
    db.session.expire_all()
    return db.session.get(Household, household.id).last_visited_on


def test_a_visit_moves_the_last_visit_forward_never_back(app, tree):
    household, worker = tree.household_a, tree.users["grid_worker"]
    today = local_today()
    assert _last(household) is None
    record_visit(household, worker, today - timedelta(days=10), "家中一切正常")
    db.session.commit()
    assert _last(household) == today - timedelta(days=10)
    record_visit(household, worker, today - timedelta(days=2), "老人身体不适")
    db.session.commit()
    assert _last(household) == today - timedelta(days=2)
    # a visit written up later for an earlier day does not make the household look overdue
    record_visit(household, worker, today - timedelta(days=30), "补记")
    db.session.commit()
    assert _last(household) == today - timedelta(days=2)
    assert stale_last_visits() == []


def test_a_visit_added_anywhere_through_the_orm_keeps_it(app, tree):
    today = local_today()
    db.session.add(Visit(household_id=tree.household_b.id, grid_id=tree.grid_b1.id,
                         visited_on=today - timedelta(days=5), found="ok"))
    db.session.commit()
    assert _last(tree.household_b) == today - timedelta(days=5)


def test_a_visit_moved_or_removed_gives_back_the_latest_left(app, tree):
    household, worker = tree.household_a, tree.users["grid_worker"]
    today = local_today()
    older = record_visit(household, worker, today - timedelta(days=20), "第一次")
    newer = record_visit(household, worker, today - timedelta(days=3), "第二次")
    db.session.commit()
    newer.visited_on = today - timedelta(days=40)
    db.session.commit()
    assert _last(household) == today - timedelta(days=20)
    db.session.delete(db.session.get(Visit, older.id))
    db.session.commit()
    assert _last(household) == today - timedelta(days=40)
    assert stale_last_visits() == []


def test_the_due_list_reads_the_kept_day(app, tree):
    household, worker = tree.household_a, tree.users["grid_worker"]
    record_visit(household, worker, local_today() - timedelta(days=1), "家中一切正常")
    db.session.commit()
    due = {d.household_id: d for d in due_list(tree.town_a, only_due=False)}
    assert due[household.id].last_visit == local_today() - timedelta(days=1)


def test_the_demo_keeps_every_households_last_visit(demo):
    assert stale_last_visits() == []
    assert db.session.scalar(db.select(db.func.count()).select_from(Household)
                             .where(Household.last_visited_on.is_not(None))) > 0


def test_the_migration_fills_it_from_the_visits(make_app, app_config):
    app = make_app(app_config)
    with app.app_context():
        flask_migrate.upgrade(revision="core_0019")
        db.session.execute(text(
            "INSERT INTO grids (id, code, name, level, created_at) "
            "VALUES (1, '430624', '湘阴县', 'county', '2026-01-01 00:00:00')"))
        db.session.execute(text(
            "INSERT INTO households (id, grid_id, address, created_at) "
            "VALUES (1, 1, '城西路1号', '2026-01-01 00:00:00'), "
            "(2, 1, '城西路2号', '2026-01-01 00:00:00')"))
        db.session.execute(text(
            "INSERT INTO visits (household_id, grid_id, visited_on, found, created_at) VALUES "
            "(1, 1, '2026-10-01', 'a', '2026-10-01 00:00:00'), "
            "(1, 1, '2026-11-02', 'b', '2026-11-02 00:00:00')"))
        db.session.commit()
        flask_migrate.upgrade(revision="core_0020")
        rows = dict(db.session.execute(text(
            "SELECT id, last_visited_on FROM households ORDER BY id")).all())
        assert str(rows[1]) == "2026-11-02" and rows[2] is None
        db.session.remove()
        db.engine.dispose()


def test_editing_a_visits_text_does_not_look_the_latest_up_again(app, tree):
    from sqlalchemy import event

    visit = record_visit(tree.household_a, tree.users["grid_worker"],
                         local_today() - timedelta(days=4), "家中一切正常")
    db.session.commit()
    statements = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        visit.found = "家中一切正常，已提醒按时服药"
        db.session.commit()
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert any(s.startswith("UPDATE visits") for s in statements)
    assert not any(s.startswith("UPDATE households") for s in statements), statements
    assert _last(tree.household_a) == local_today() - timedelta(days=4)


@pytest.fixture
def plugins_extra():
    """The demo as `portal demo` loads it, without the tests' example plugin: every demo test
    then shares one demo snapshot (a second one, with the example's table, cost a build a run)."""
    return []
