"""The volunteers plugin's part of the test machinery (imported only by tests): its records in
the two-town tree of portal.testing, as plain functions (``make_…``) and as the pytest fixtures
every test may use (registered by portal.plugin_testing through ``testing_fixtures``).

Fixtures of the volunteer service's tests: the module on for town A, a team in village A1
led by the `resident` login (a registered resident who volunteers), another volunteer without a
login, and an activity tomorrow evening with two places.
"""
from datetime import timedelta
from types import SimpleNamespace

import pytest

from portal.extensions import db
from portal.modules.services import set_module
from portal.timeutil import local_today, utcnow


def make_vol(tree):
    from plugins.volunteers import services
    from plugins.volunteers.models import VolunteersTeam

    set_module(tree.town_a, "volunteers", True)
    tree.users["resident"].id_number = tree.resident_a.id_number
    leader = services.register(grid=tree.grid_a1, resident=tree.resident_a)
    leader.user_id = tree.users["resident"].id
    other = services.register(grid=tree.grid_a1, resident=tree.household_a2.members[0])
    team = VolunteersTeam(grid_id=tree.village_a1.id, name="党员志愿服务队", kind="party")
    db.session.add(team)
    db.session.flush()
    services.add_member(team, leader, leader=True)
    services.add_member(team, other)
    start = (utcnow() + timedelta(days=1)).replace(hour=11, minute=0, second=0, microsecond=0)
    activity = services.create_activity(team, title="清扫村道", place="村口", starts_at=start,
                                        ends_at=start + timedelta(hours=3), capacity=2, points=4)
    db.session.commit()
    return SimpleNamespace(tree=tree, leader=leader, other=other, team=team, activity=activity)


@pytest.fixture
def vol(app, tree):
    return make_vol(tree)


def make_route_world(vol):
    """The records the route matrix (tests/test_routes.py) fills its URLs from; the module on
    in both towns."""
    from plugins.volunteers import services
    from plugins.volunteers.models import VolunteersPairing

    tree = vol.tree
    set_module(tree.town_b, "volunteers", True)
    services.sign_up(vol.activity, vol.leader)
    vol.other_signup = services.sign_up(vol.activity, vol.other)
    start = vol.activity.starts_at + timedelta(days=2)
    vol.second = services.create_activity(vol.team, title="义务巡逻", place="村委", capacity=5,
                                          starts_at=start, ends_at=start + timedelta(hours=2))
    vol.claim = services.submit_claim(vol.other, vol.team, local_today(), 60, "帮邻居收稻谷")
    vol.pairing = VolunteersPairing(volunteer_id=vol.other.id, household_id=tree.household_a.id,
                                    need="poor", visit_days=30)
    db.session.add(vol.pairing)
    vol.proxy = services.request_proxy(tree.resident_a, "certificate", "办证明")
    db.session.commit()
    return vol

# ---------------------------------------------------------------- for the core's tests (hooks)


def listed(w) -> list:
    """What the plugin's county lists show of its route world, by which attribute."""
    return [*[(r, "name") for r in (w.team, w.leader, w.other)], (w.activity, "title"),
            (w.second, "title"), (w.claim, "description"), (w.proxy, "description")]


def testing_routes():
    """The route matrix of tests/test_routes.py, for the core's module-gating tests."""
    from portal.plugin_testing import PluginRoutes

    from .tests.test_routes import ROUTES, build

    return PluginRoutes("volunteers", ROUTES, world=lambda tree: make_route_world(make_vol(tree)), build=build,
                        listed=listed)


def testing_records(tree):
    """A record of every kind in town A, for the core's isolation tests."""
    from portal.plugin_testing import PluginRecords

    world = make_route_world(make_vol(tree))
    world.team.name = "城西志愿服务队甲"  # a name no town-B page could show but by leaking it
    values = {"volunteer_id": world.leader.id, "team_id": world.team.id,
              "member_id": world.team.members[0].id, "activity_id": world.second.id,
              "token": world.activity.checkin_token, "signup_id": world.other_signup.id,
              "action": "checkin", "claim_id": world.claim.id, "pairing_id": world.pairing.id,
              "proxy_id": world.proxy.id, "filename": "volunteers.css"}
    # the scan URL carries the activity's own token
    return PluginRecords("volunteers", values, markers=("城西志愿服务队甲",), records=world,
                         url_overrides={"volunteers.scan": {"activity_id": world.activity.id}})
