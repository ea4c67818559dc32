"""`portal demo`: a realistic county, a login for every role, and idempotent."""
import pytest

from portal.auth.models import User
from portal.demo import DEMO_PASSWORD, load_demo
from portal.extensions import db
from portal.grids.models import Grid, GridStaff
from portal.people.models import Household, Resident
from portal.permissions import role_registry
from portal.plugins import host


@pytest.fixture
def plugins_extra():
    """The demo as `portal demo` loads it: the real plugins only, without the tests' example
    plugin (which would answer the points module's hooks in its stead)."""
    return []


def _counts():
    return {model.__name__: db.session.scalar(db.select(db.func.count()).select_from(model))
            for model in (Grid, GridStaff, User, Household, Resident)}


def test_demo_has_the_promised_shape(app, demo):
    logins = demo
    levels = dict(db.session.execute(
        db.select(Grid.level, db.func.count()).group_by(Grid.level)).all())
    assert levels["county"] == 1 and levels["town"] == 2
    assert levels["village"] >= 6 and levels["grid"] >= 20 and levels["special"] >= 3
    example = {role for role, owner in host(app).role_owner.items() if owner == "example"}
    assert {role for _, role, _ in logins} == set(role_registry(app)) - example
    # every base and special grid has its staff on the notice board
    unstaffed = db.session.scalar(db.select(db.func.count()).select_from(Grid).where(
        Grid.level.in_(("grid", "special")), ~Grid.staff.any()))
    assert unstaffed == 0
    assert _counts()["Resident"] > 500


def test_demo_is_idempotent(demo):
    before = _counts()
    load_demo()
    assert _counts() == before


def test_if_empty_leaves_an_existing_database_alone(app, tree):
    assert load_demo(if_empty=True) is None
    assert db.session.scalar(db.select(User).filter_by(username="county")) is None


def test_every_demo_login_works(demo, client):
    for username in ("county", "wenxing", "gridworker", "kiosk", "resident"):
        response = client.post("/login", data={"login": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, username
        assert client.get("/", follow_redirects=True).status_code == 200
        client.logout()


def test_demo_register_has_valid_ids_colours_and_overdue_visits(demo):
    from portal.people.visits import due_list
    from portal.validators import id_number_problem

    ids = db.session.scalars(db.select(Resident.id_number)).all()
    assert ids and all(i and id_number_problem(i) is None for i in ids)
    colours = set(db.session.scalars(db.select(Household.colour).distinct()))
    assert {"red", "yellow", "green", None} <= colours
    county = db.session.scalar(db.select(Grid).filter_by(level="county"))
    assert any(row.status == "overdue" for row in due_list(county))


def test_demo_cases_in_every_state_and_light(demo):
    from portal.cases.deadlines import light
    from portal.cases.models import Case
    from portal.cases.workflow import STATES

    cases = db.session.scalars(db.select(Case)).all()
    assert {c.state for c in cases} == set(STATES)
    assert {light(c) for c in cases if c.state in ("received", "assigned", "in_progress")} \
        >= {"red", "green"}
    months = {c.created_at.strftime("%Y-%m") for c in cases}
    assert len(months) >= 3


# ---------------------------------------------------------------- the demo tells the truth

#: Columns meant to lie in the future, by "table.column", with the reason. Everything else that
#: holds a date or a time must not be later than now: a demo record dated tomorrow is a lie.
FUTURE = {
    "cases.assign_due": "a deadline: the day by which the case must be assigned",
    "cases.feedback_due": "a deadline: the day of the first reply",
    "cases.resolve_due": "a deadline: the day by which it must be solved",
    "key_persons.control_until": "the end of a control period",
    "households.visit_due_on": "a deadline: the day the next visit is due",
    "volunteers_activities.starts_at": "coming activities people sign up for",
    "volunteers_activities.ends_at": "coming activities people sign up for",
    "best_grid_contests.ends_on": "this quarter's contest runs to the end of the quarter",
    "disputes_disputes.due_on": "a deadline: the day a dispute's current step must be done",
    "disputes_steps.due_on": "a deadline: the one the dispute had when the step was taken",
    "disputes_followups.due_on": "the follow-up visits still to come after an agreement",
    "points_entries.held_until": "this week's awards on public notice until the notice ends",
    "rentals_tenants.registration_expires_on": "a registration of temporary residence runs "
                                               "to its expiry (one within the 30-day reminder)",
    "places_places.next_due_on": "a deadline: the day a place's next safety inspection is due",
    "places_licences.expires_on": "a licence runs to its expiry (one within the 30-day reminder)",
    "places_hazards.deadline": "a deadline: the day a hazard must be rectified by",
    "grid_work_leaves.starts_on": "a leave request waiting for the village starts next week",
    "grid_work_leaves.ends_on": "a leave running today, and one requested for next week",
}


def _time_columns():
    """(model, column) for every mapped DATE or DATETIME column of the core's and the plugins'
    models (the whole registry, not a list kept by hand)."""
    from sqlalchemy import Date, DateTime

    for mapper in db.Model.registry.mappers:
        table = mapper.local_table
        for column in table.columns:
            if isinstance(column.type, (Date, DateTime)):
                yield table, column


def test_no_demo_record_lies_in_the_future(demo):
    from datetime import datetime

    from sqlalchemy import DateTime

    from portal.timeutil import local_today, utcnow

    now, today = utcnow(), local_today()
    columns = list(_time_columns())
    names = {f"{table.name}.{column.name}" for table, column in columns}
    assert {"cases.closed_at", "visits.visited_on", "case_events.at"} <= names
    assert set(FUTURE) <= names, "an exception names no column: " + ", ".join(set(FUTURE) - names)
    lies = []
    for table, column in columns:
        name = f"{table.name}.{column.name}"
        if name in FUTURE:
            continue
        limit = now if isinstance(column.type, DateTime) else today
        later = db.session.execute(db.select(db.func.count(), db.func.max(column))
                                   .where(column > limit)).one()
        if later[0]:
            latest = later[1]
            shown = latest.isoformat() if isinstance(latest, datetime) else str(latest)
            lies.append(f"{name}: {later[0]} after now (latest {shown})")
    assert not lies, "demo records in the future:\n" + "\n".join(lies)


def test_demo_cases_tell_a_consistent_story(demo):
    from portal.cases.deadlines import GREEN, light
    from portal.cases.models import Case
    from portal.timeutil import local_date

    cases = db.session.scalars(db.select(Case)).all()
    wrong = []
    for case in cases:
        steps = [("created", case.created_at), ("assigned", case.assigned_at),
                 ("resolved", case.resolved_at), ("closed", case.closed_at)]
        known = [(label, at) for label, at in steps if at is not None]
        if any(a[1] > b[1] for a, b in zip(known, known[1:])):
            wrong.append(f"{case.number}: {known}")
        if case.feedback_at is not None and case.feedback_at < case.created_at:
            wrong.append(f"{case.number}: feedback before it was reported")
        if case.closed_at is not None and case.resolved_at is None:
            wrong.append(f"{case.number}: closed but never resolved")
        if case.state in ("resolved", "closed", "evaluated") and case.resolved_at is None:
            wrong.append(f"{case.number}: {case.state} without a resolution time")
        if case.state in ("closed", "evaluated") and case.closed_at is None:
            wrong.append(f"{case.number}: {case.state} without a closing time")
        if case.state == "evaluated" and case.satisfaction is None:
            wrong.append(f"{case.number}: evaluated without a rating")
        events = [e.at for e in case.events]
        if events != sorted(events) or (events and events[0] != case.created_at):
            wrong.append(f"{case.number}: its timeline is out of order")
        if case.evaluation and "及时" in case.evaluation and "不" not in case.evaluation:
            on_time = local_date(case.resolved_at) <= case.resolve_due
            if not on_time or light(case) != GREEN:
                wrong.append(f"{case.number}: rated “{case.evaluation}” but solved late "
                             f"(light {light(case)})")
    assert not wrong, "\n".join(wrong[:20])
    assert any("及时" in (c.evaluation or "") for c in cases)


def test_every_demo_login_is_the_resident_it_is_linked_to(demo):
    users = db.session.scalars(db.select(User).where(User.id_number.is_not(None))).all()
    assert any(u.username == "resident" for u in users)
    for user in users:
        resident = db.session.scalar(db.select(Resident).filter_by(id_number=user.id_number))
        assert resident is not None, user.username
        assert user.display_name == resident.name, (user.username, user.display_name,
                                                     resident.name)


def test_demo_statements_read_in_time_order(demo):
    """A points statement is read newest entry first (by id, like a bank book with its running
    balance): the demo's entries must have been written in the order they are dated. Checked
    through the table (the core does not import a plugin), where the points module is loaded."""
    entries = db.metadata.tables.get("points_entries")
    if entries is None:
        return
    rows = db.session.execute(db.select(entries.c.account_id, entries.c.id, entries.c.created_at)
                              .order_by(entries.c.account_id, entries.c.id)).all()
    assert rows
    out_of_order = [(b.account_id, b.id) for a, b in zip(rows, rows[1:])
                    if a.account_id == b.account_id and b.created_at < a.created_at]
    assert not out_of_order, f"{len(out_of_order)} entries dated before the entry above them"


def test_demo_shows_a_yellow_light_on_working_days(demo):
    from portal.cases import deadlines
    from portal.cases.calendar import WorkCalendar
    from portal.cases.models import Case

    today = deadlines.today()
    lights = {deadlines.light(c) for c in db.session.scalars(db.select(Case))}
    if WorkCalendar.around(today).is_working_day(today):
        assert lights >= {"green", "yellow", "red"}
