"""Each household keeps the day its next visit is due (households.visit_due_on, kept by
portal.people.visit_due), so that dashboards and maps count overdue households from an index.
Every write that changes the rule's inputs keeps it equal to the due list's own computation."""
from datetime import timedelta

import flask_migrate
import pytest
from sqlalchemy import select, text

from portal.extensions import db
from portal.people import services
from portal.people.models import Household, Resident, Visit
from portal.people.visit_due import due_counts, stale_visit_dues
from portal.people.visits import due_list, record_visit, set_visit_days, visit_days
from portal.settings import set_setting
from portal.timeutil import local_today


def _due(household):
    db.session.expire_all()
    return db.session.get(Household, household.id).visit_due_on


def _expected(tree, household):
    town = tree.town_a if household.grid.code.startswith(tree.town_a.code) else tree.town_b
    return {d.household_id: d.due_on for d in due_list(town, only_due=False)}.get(household.id)


def test_a_new_household_is_due_after_its_interval(app, tree):
    household = services.add_household(tree.grid_a2, "新村路1号")
    db.session.commit()
    assert _due(household) == local_today() + timedelta(days=182)  # ordinary, never visited
    assert stale_visit_dues() == []


def _worker(tree):
    return tree.users["grid_worker"]


EDITS = {
    "a visit is recorded": lambda t: record_visit(t.household_a, _worker(t), local_today(), "正常"),
    "a visit is removed": lambda t: db.session.delete(
        db.session.scalars(select(Visit).filter_by(household_id=t.household_a.id)).first()),
    "a visit moves to another day": lambda t: setattr(
        db.session.scalars(select(Visit).filter_by(household_id=t.household_a.id)).first(),
        "visited_on", local_today() - timedelta(days=60)),
    "the colour changes": lambda t: setattr(t.household_a2, "colour", "red"),
    "a member gets a care category": lambda t: services.update_resident(
        _member(t.household_a2), care=["elderly_alone"]),
    "the member in care leaves": lambda t: services.mark_left(_in_care(t.household_a2),
                                                              "moved_away"),
    "the household moves to another town": lambda t: services.move_household(
        t.household_a2, t.grid_b1),
    "the household moves out": lambda t: services.move_out_household(t.household_a2),
    "the town changes its visit days": lambda t: set_visit_days(
        t.town_a, {**visit_days(t.town_a), "ordinary": 90, "care": 10}),
    "the visit days are written by another path than the rules page": lambda t: set_setting(
        t.town_a, "people.visit_days", {**visit_days(t.town_a), "ordinary": 60}),
    "a member with care joins": lambda t: services.add_resident(
        t.household_a2, "新成员", "other", care=["disabled"]),
}


def _member(household):
    return db.session.scalars(select(Resident).filter_by(household_id=household.id,
                                                         left_at=None)).first()


def _in_care(household):
    return next(r for r in db.session.scalars(select(Resident).where(Resident.left_at.is_(None)))
                if r.care and r.household_id == household.id)


#: What an edit needs first, so that it changes a day: an ordinary household (182 days) with a
#: member in care (30 days); another town with other visit days.
SETUP = {
    "the member in care leaves": lambda t: services.update_resident(
        _member(t.household_a2), care=["elderly_alone"]),
    "the household moves to another town": lambda t: set_visit_days(
        t.town_b, {**visit_days(t.town_b), "ordinary": 60}),
}


@pytest.mark.parametrize("edit", EDITS)
def test_every_write_keeps_the_due_day(app, tree, edit):
    today = local_today()
    record_visit(tree.household_a, _worker(tree), today - timedelta(days=20), "上次走访")
    if edit in SETUP:
        SETUP[edit](tree)
    db.session.commit()
    assert stale_visit_dues() == []
    before = {h.id: h.visit_due_on for h in db.session.scalars(select(Household))}
    EDITS[edit](tree)
    db.session.commit()
    assert stale_visit_dues() == []
    after = {h.id: h.visit_due_on for h in db.session.scalars(select(Household))}
    assert after != before, "the edit was meant to change a due day"


def test_moved_out_households_are_due_never(app, tree):
    services.move_out_household(tree.household_a2)
    db.session.commit()
    assert _due(tree.household_a2) is None


def test_counts_per_grid_match_the_due_list(app, tree):
    today = local_today()
    record_visit(tree.household_a, _worker(tree), today - timedelta(days=200), "很久以前")
    for household in db.session.scalars(select(Household)):
        household.created_at -= timedelta(days=400)
    db.session.commit()
    counts = due_counts(tree.county, today)
    for town in (tree.town_a, tree.town_b):
        listed = due_list(town)
        late = sum(1 for d in listed if d.due_on < today)
        near = sum(1 for d in listed if today <= d.due_on <= today + timedelta(days=3))
        grids = {d.grid_id for d in listed}
        assert late == sum(counts.get(g, (0, 0))[0] for g in grids)
        assert near == sum(counts.get(g, (0, 0))[1] for g in grids)
    assert sum(late for late, _near in counts.values()) > 0


def test_the_migration_fills_the_day_by_each_towns_rule(make_app, app_config):
    app = make_app(app_config)
    with app.app_context():
        flask_migrate.upgrade(revision="core_0021")
        run = lambda sql: db.session.execute(text(sql))  # noqa: E731
        run("INSERT INTO grids (id, code, name, level, created_at) VALUES "
            "(1, '430624', '湘阴县', 'county', '2026-01-01 00:00:00'), "
            "(2, '430624001', '文星镇', 'town', '2026-01-01 00:00:00'), "
            "(3, '430624002', '樟树镇', 'town', '2026-01-01 00:00:00')")
        run("UPDATE grids SET parent_id = 1 WHERE id > 1")
        run("INSERT INTO town_settings (town_id, key, value) "
            "VALUES (2, 'people.visit_days', '{\"ordinary\": 90}')")
        run("INSERT INTO households (id, grid_id, address, colour, created_at, last_visited_on, "
            "moved_out_at) VALUES "
            "(1, 2, '一号', NULL, '2026-01-01 08:00:00', '2026-11-02', NULL), "
            "(2, 3, '二号', NULL, '2026-01-01 08:00:00', NULL, NULL), "
            "(3, 3, '三号', 'red', '2026-01-01 08:00:00', '2026-11-20', NULL), "
            "(4, 3, '四号', NULL, '2026-01-01 08:00:00', NULL, '2026-06-01 00:00:00')")
        db.session.commit()
        flask_migrate.upgrade(revision="core_0022")
        rows = {i: str(d) if d else None for i, d in db.session.execute(
            text("SELECT id, visit_due_on FROM households ORDER BY id"))}
        # town 2's ordinary interval is 90 days; town 3 keeps the defaults (182, red 7)
        assert rows == {1: "2027-01-31", 2: "2026-07-02", 3: "2026-11-27", 4: None}
        db.session.remove()
        db.engine.dispose()


def test_an_import_keeps_the_due_days(app, tree):
    from tests.test_people_import import ident, xlsx

    from portal.people.transfer import import_file

    code = tree.grid_a2.code
    report = import_file(xlsx([
        [code, "101", "城西路101号", "红", "王大山", "户主", ident(1), "", "户籍常住", "", "独居老人"],
        [code, "102", "城西路102号", "", "孙悟", "户主", ident(3), "", "户籍常住", "", ""],
    ]), tree.town_a)
    db.session.commit()
    assert report.written and not report.errors
    assert stale_visit_dues() == []
    red = db.session.scalar(select(Household).filter_by(grid_id=tree.grid_a2.id, number="101"))
    assert red.visit_due_on == local_today() + timedelta(days=7)  # red, registered today


def test_the_demo_keeps_every_due_day(demo):
    assert stale_visit_dues() == []
    assert db.session.scalar(select(db.func.count()).select_from(Household)
                             .where(Household.visit_due_on.is_not(None))) > 0


def test_a_rolled_back_write_leaves_no_mark_for_the_next_commit(app, tree):
    from portal.people.visit_due import _MARKED

    tree.household_a2.colour = "red"
    db.session.flush()
    assert db.session.info.get(_MARKED)
    db.session.rollback()
    assert not db.session.info.get(_MARKED)
    assert stale_visit_dues() == []


@pytest.fixture
def plugins_extra():
    """The demo as `portal demo` loads it, without the tests' example plugin: every demo test
    then shares one demo snapshot (a second one, with the example's table, cost a build a run)."""
    return []
