"""Every route of the volunteer service, for every role (the module on in both towns, so town
B's admin proves that town A's records are a 404 for them). The `resident` login is a
registered volunteer who leads a team: the plugin's permission hook lets them lead."""

import pytest

from plugins.volunteers.testing import make_route_world
from portal.extensions import db
from portal.modules.services import set_module
from portal.testing import (PUBLIC, VISITORS, Rule, check_matrix_is_complete,
                            check_module_off_is_404, check_routes, url_builder)

LEADER = ("resident",)

ROUTES = {
    ("volunteers.static", "GET"): Rule(PUBLIC, scoped=False),
    ("volunteers.index", "GET"): Rule("volunteers.view", scoped=False),
    ("volunteers.settings", "GET"): Rule("volunteers.settings", scoped=False),
    ("volunteers.settings", "POST"): Rule("volunteers.settings", ok=422, scoped=False),
    ("volunteers.people", "GET"): Rule("volunteers.view", scoped=False),
    ("volunteers.register", "GET"): Rule("volunteers.manage", scoped=False),
    ("volunteers.register", "POST"): Rule("volunteers.manage", ok=422, scoped=False),
    ("volunteers.person", "GET"): Rule("volunteers.activities"),  # the resident's own record
    ("volunteers.certificate", "GET"): Rule("volunteers.activities"),
    ("volunteers.teams", "GET"): Rule("volunteers.view", scoped=False),
    ("volunteers.team_create", "POST"): Rule("volunteers.manage", ok=422, scoped=False),
    ("volunteers.team", "GET"): Rule("volunteers.activities"),
    ("volunteers.team", "POST"): Rule("volunteers.manage", ok=422),
    ("volunteers.member_leader", "POST"): Rule("volunteers.manage", ok=303),
    ("volunteers.member_leave", "POST"): Rule("volunteers.manage", ok=303),
    ("volunteers.activities", "GET"): Rule("volunteers.activities", scoped=False),
    ("volunteers.activity_new", "GET"): Rule("volunteers.lead", scoped=False, also=LEADER),
    ("volunteers.activity_new", "POST"): Rule("volunteers.lead", ok=422, scoped=False,
                                              also=LEADER),
    ("volunteers.activity", "GET"): Rule("volunteers.activities"),
    # only volunteers sign up and scan; town B's admin is refused before any record
    ("volunteers.signup", "POST"): Rule("volunteers.self", ok=303, scoped=False),
    ("volunteers.scan", "GET"): Rule("volunteers.self", scoped=False),
    ("volunteers.scan", "POST"): Rule("volunteers.self", ok=302, scoped=False),
    # after the scan, which needs the sign-up
    ("volunteers.signup_cancel", "POST"): Rule("volunteers.self", ok=303, scoped=False),
    ("volunteers.activity_cancel", "POST"): Rule("volunteers.lead", ok=303, also=LEADER),
    ("volunteers.signup_act", "POST"): Rule("volunteers.lead", ok=303, also=LEADER),
    ("volunteers.me", "GET"): Rule("volunteers.self", scoped=False),
    ("volunteers.me", "POST"): Rule("volunteers.self", ok=422, scoped=False),
    ("volunteers.claims", "GET"): Rule("volunteers.lead", scoped=False, also=LEADER),
    ("volunteers.claim_decide", "POST"): Rule("volunteers.lead", ok=303, also=LEADER),
    ("volunteers.pairings", "GET"): Rule("volunteers.pairing", scoped=False),
    ("volunteers.pairing_new", "GET"): Rule("volunteers.pairing", scoped=False),
    ("volunteers.pairing_new", "POST"): Rule("volunteers.pairing", ok=422, scoped=False),
    ("volunteers.pairing", "GET"): Rule("volunteers.pairing"),
    ("volunteers.pairing", "POST"): Rule("volunteers.pairing", ok=422),
    ("volunteers.pairing_end", "POST"): Rule("volunteers.pairing", ok=303),
    ("volunteers.proxies", "GET"): Rule("volunteers.proxy", scoped=False),
    ("volunteers.proxy_new", "GET"): Rule("volunteers.proxy", scoped=False),
    ("volunteers.proxy_new", "POST"): Rule("volunteers.proxy", ok=422, scoped=False),
    ("volunteers.proxy", "GET"): Rule("volunteers.proxy"),
    ("volunteers.proxy", "POST"): Rule("volunteers.proxy", ok=422),  # no move named
}


@pytest.fixture
def world(vol):
    return make_route_world(vol)


def build(app, world):
    values = {"volunteer_id": world.leader.id, "team_id": world.team.id,
              "member_id": world.team.members[0].id, "activity_id": world.activity.id,
              "token": world.activity.checkin_token, "signup_id": world.other_signup.id,
              "action": "checkin", "claim_id": world.claim.id, "pairing_id": world.pairing.id,
              "proxy_id": world.proxy.id, "filename": "volunteers.css"}
    return url_builder(app, values, {"volunteers.signup": {"activity_id": world.second.id}})


def test_every_volunteers_route_is_in_the_matrix(app):
    check_matrix_is_complete(app, ROUTES, "volunteers")


@pytest.mark.parametrize("visitor", VISITORS, ids=[v or "anonymous" for v in VISITORS])
def test_every_volunteers_route_answers_as_the_matrix_says(app, client, world, visitor):
    check_routes(app, client, ROUTES, visitor, build(app, world))


def test_with_the_module_off_every_page_is_a_404(app, client, world):
    set_module(world.tree.town_a, "volunteers", False)
    db.session.commit()
    check_module_off_is_404(app, client, "volunteers", ("town_admin", "resident", "grid_worker"),
                            build(app, world))
