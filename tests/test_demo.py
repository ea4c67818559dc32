"""`portal demo`: a realistic county, a login for every role, and idempotent."""
from portal.auth.models import User
from portal.demo import DEMO_PASSWORD, load_demo
from portal.extensions import db
from portal.grids.models import Grid, GridStaff
from portal.people.models import Household, Resident
from portal.permissions import role_registry
from portal.plugins import host


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
        assert client.get("/").status_code == 200
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
