"""`portal demo --scale county`: the county-scale generator, run at a tiny factor."""
import re
from collections import Counter
from datetime import timedelta

import pytest

from portal.auth.models import User
from portal.cases.deadlines import light, local_date
from portal.cases.models import Case, CaseEvent
from portal.cases.workflow import DONE_STATES, OPEN_STATES, STATES
from portal.demo import COUNTY_CODE, COUNTY_NAME, DEMO_PASSWORD
from portal.demo_scale import Generator, ScaleError, load_scaled
from portal.extensions import db
from portal.grids import services as grids
from portal.grids.models import Grid, GridStaff
from portal.people.identity import make_id_number, pinyin_keys
from portal.cases import monthly
from portal.people import grid_counts, visit_due
from portal.people.models import Household, Resident, Visit, stale_last_visits
from portal.people.search import search_residents
from portal.timeutil import utcnow
from portal.validators import id_number_problem
from portal.plugin_testing import needs_plugin  # the plugins' fixtures come with them

FACTOR = 0.002  # two base grids, 400 households, 1,200 residents, 960 cases


def _count(model, *where):
    return db.session.scalar(db.select(db.func.count()).select_from(model).where(*where))


@pytest.fixture
def scaled(app):
    """The generator alone on a county of its own (the normal demo is tested elsewhere)."""
    grids.create_county(COUNTY_CODE, COUNTY_NAME)
    db.session.commit()
    generator = Generator(FACTOR, echo=lambda *args: None)
    generator.run()
    return generator


def test_counts_are_as_planned(scaled):
    plan = scaled.plan
    assert _count(Grid, Grid.level == "grid") == plan.grids
    assert _count(Grid, Grid.level == "town") == plan.towns
    assert _count(Household) == plan.households
    assert _count(Resident) == plan.residents
    assert abs(_count(Case) - plan.cases_per_year * plan.years) <= 1
    assert _count(Visit) > plan.households * 0.8
    # the visits are written in bulk, without the ORM's events: the households' last visit too
    assert stale_last_visits() == [] and visit_due.stale_visit_dues() == []
    assert grid_counts.stale_grid_counts() == []  # counted once after the bulk people
    assert monthly.rolled() and monthly.verify() == []  # rolled again after the bulk cases
    assert _count(Household, Household.last_visited_on.is_not(None)) > plan.households * 0.8
    # a leader on every base grid's board, a worker (with a login) on all but a few
    workers = _count(GridStaff, GridStaff.post == "worker", GridStaff.user_id.is_not(None))
    assert _count(GridStaff, GridStaff.post == "leader") >= plan.grids
    assert plan.grids - plan.grids // 47 <= workers <= plan.grids
    roles = Counter(db.session.scalars(db.select(User.role)))
    assert roles["town_admin"] == plan.towns and roles["grid_worker"] == workers
    # codes are materialised paths: every node's code is its parent's plus three digits
    parents = dict(db.session.execute(db.select(Grid.id, Grid.code)).all())
    for node in db.session.scalars(db.select(Grid).where(Grid.parent_id.is_not(None))):
        assert re.fullmatch(re.escape(parents[node.parent_id]) + r"\d{3}", node.code), node.code


def test_residents_have_valid_unique_ids_and_search_keys(scaled):
    rows = db.session.execute(db.select(
        Resident.id_number, Resident.name, Resident.name_pinyin, Resident.name_initials,
        Resident.id_reversed, Resident.phone, Resident.phone_reversed, Resident.sex,
        Resident.birth_date)).all()
    ids = [r.id_number for r in rows]
    assert len(set(ids)) == len(ids) == scaled.plan.residents
    assert all(id_number_problem(i) is None for i in ids)
    for row in rows[::37]:
        assert (row.name_pinyin, row.name_initials) == pinyin_keys(row.name)
        assert row.id_reversed == row.id_number[::-1]
        assert row.phone_reversed == (row.phone[::-1] if row.phone else None)
        seq = int(row.id_number[14:17])
        assert row.id_number == make_id_number("430624", row.birth_date, seq, row.sex == "F")
    sizes = Counter(db.session.scalars(db.select(Resident.household_id)))
    assert 2.5 <= len(rows) / len(sizes) <= 3.5 and max(sizes.values()) <= 6


def test_every_case_has_consistent_state_dates_and_timeline(scaled):
    now = utcnow() + timedelta(seconds=1)
    cases = db.session.scalars(db.select(Case).order_by(Case.id)).all()
    last_event = {case_id: (action, to_state) for case_id, action, to_state in db.session.execute(
        db.select(CaseEvent.case_id, CaseEvent.action, CaseEvent.to_state)
        .order_by(CaseEvent.case_id, CaseEvent.id))}
    first_event = {}
    for case_id, action in db.session.execute(db.select(CaseEvent.case_id, CaseEvent.action)
                                              .order_by(CaseEvent.id.desc())):
        first_event[case_id] = action
    for case in cases:
        assert case.state in STATES
        day = local_date(case.created_at)
        assert case.number == f"{day:%Y%m%d}-{case.id:06d}"
        assert day < case.assign_due <= case.feedback_due <= case.resolve_due
        assert (case.resolved_at is not None) == (case.state in DONE_STATES), case.number
        assert (case.closed_at is not None) == (case.state in ("closed", "evaluated"))
        assert (case.satisfaction is not None) == (case.state == "evaluated")
        assert (case.duplicate_of_id is not None) == (case.state == "duplicate")
        if case.duplicate_of_id:
            assert case.duplicate_of_id < case.id
        moments = [m for m in (case.created_at, case.assigned_at, case.feedback_at,
                               case.resolved_at, case.closed_at) if m is not None]
        assert moments == sorted(moments) and moments[-1] <= now, case.number
        if case.state in ("assigned", "in_progress", *DONE_STATES):
            assert case.assignee_id or case.department
        assert first_event[case.id] == "report"
        assert last_event[case.id][1] == case.state
    states = Counter(c.state for c in cases)
    assert states["evaluated"] > len(cases) / 2  # most closed with the reporter satisfied
    assert set(states) >= {"received", "in_progress", "resolved", "closed", "evaluated"}
    open_lights = Counter(light(c) for c in cases if c.state in OPEN_STATES)
    assert open_lights["red"] > 0
    years = {c.created_at.year for c in cases}
    assert len(years) >= 3


@needs_plugin("points")
def test_points_ledgers_verify(scaled, runner):
    from plugins.points.models import PointsAccount, PointsEntry, PointsRedemption

    assert _count(PointsAccount) > 0 and _count(PointsEntry) > _count(PointsAccount)
    assert _count(PointsRedemption) > 0
    # the plugin's own login: a kiosk operator in each town with the supermarket
    kiosks = _count(User, User.role == "kiosk_operator")
    assert kiosks == sum(1 for town in scaled.towns if town["modules"]) >= 1
    result = runner.invoke(args=["points", "verify"])
    assert result.exit_code == 0, result.output


def test_town_admin_opens_case_list_and_resident_search(scaled, client):
    town = scaled.towns[0]
    client.login(f"town{town['seq']:03d}", DEMO_PASSWORD)
    newest = db.session.scalar(db.select(Case.number).order_by(Case.id.desc()))
    page = client.get("/cases/")
    assert page.status_code == 200 and newest in page.text
    assert client.get("/cases/?state=open").status_code == 200
    resident = db.session.scalar(db.select(Resident).order_by(Resident.id.desc()))
    for query in (resident.name, resident.id_number[-8:]):
        page = client.get("/people/", query_string={"q": query})
        assert page.status_code == 200 and resident.name in page.text, query
    page = client.get("/people/", query_string={"q": resident.name_initials})
    assert page.status_code == 200
    first = search_residents(db.session.get(Grid, town["id"]), resident.name_initials, limit=30)[0]
    assert first.name in page.text


def test_refuses_a_database_with_data_unless_forced(app, tree, runner):
    assert load_scaled(FACTOR, if_empty=True, echo=lambda *a: None) is None
    with pytest.raises(ScaleError):
        load_scaled(FACTOR, echo=lambda *a: None)
    result = runner.invoke(args=["demo", "--scale", "county", "--scale-factor", str(FACTOR)])
    assert result.exit_code != 0 and "--force" in result.output
    result = runner.invoke(args=["demo", "--scale", "county", "--if-empty"])
    assert result.exit_code == 0 and "already has data" in result.output
    assert _count(Resident) < 100


def test_command_loads_the_demo_and_the_scaled_towns(app, runner, monkeypatch):
    import portal.demo

    def county_only():  # the normal demo is tested in test_demo.py and takes a while
        grids.create_county(COUNTY_CODE, COUNTY_NAME)
        db.session.flush()

    monkeypatch.setattr(portal.demo, "load_demo", county_only)
    result = runner.invoke(args=["demo", "--scale", "county", "--scale-factor", "0.001"])
    assert result.exit_code == 0, result.output
    assert "residents" in result.output and "done in" in result.output
    assert db.session.scalar(db.select(User).filter_by(username="town001"))
    result = runner.invoke(args=["demo", "--scale", "county", "--force", "--scale-factor", "0.001"])
    assert result.exit_code != 0 and "already" in result.output
