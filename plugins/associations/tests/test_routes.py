"""Every route of the associations module, for every role (on in both towns). The
`assoc_officer` login runs the safety association; the `resident` login is one of its members."""

import pytest

from plugins.associations.testing import make_route_world
from portal.extensions import db
from portal.modules.services import set_module
from portal.testing import (VISITORS, Rule, check_matrix_is_complete, check_module_off_is_404,
                            check_routes, url_builder)
from portal.timeutil import local_today

MEMBER = ("resident",)

ROUTES = {
    ("associations.index", "GET"): Rule("associations.view", scoped=False),
    ("associations.index", "POST"): Rule("associations.manage", ok=422, scoped=False),
    ("associations.show", "GET"): Rule("associations.view"),
    ("associations.show", "POST"): Rule("associations.run", ok=422),
    ("associations.officers", "POST"): Rule("associations.manage", ok=422),
    ("associations.items", "GET"): Rule("associations.view"),
    ("associations.items", "POST"): Rule("associations.run", ok=422),
    ("associations.item_toggle", "POST"): Rule("associations.run", ok=422),  # no item named
    ("associations.score", "POST"): Rule("associations.run", ok=422),
    ("associations.member", "GET"): Rule("associations.member"),  # the resident's own record
    ("associations.member", "POST"): Rule("associations.run", ok=422, also=MEMBER),
    ("associations.decide", "POST"): Rule("associations.run", ok=303),
    ("associations.roster", "GET"): Rule("associations.view"),
    # points off in the matrix's towns: nothing to pay, said as a refusal
    ("associations.roster_points", "POST"): Rule("associations.manage", ok=422),
    ("associations.export_xlsx", "GET"): Rule("associations.view"),
    ("associations.reports", "GET"): Rule("associations.view"),
    ("associations.reports", "POST"): Rule("associations.run", ok=422),
    ("associations.dues", "GET"): Rule("associations.view"),
    ("associations.dues", "POST"): Rule("associations.run", ok=422),
    ("associations.receipt", "GET"): Rule("associations.view"),
}


@pytest.fixture
def world(assoc):
    return make_route_world(assoc)


def build(app, world):
    return url_builder(app, {"association_id": world.safety.id, "member_id": world.zhang.id,
                             "appeal_id": world.appeal.id, "year": local_today().year,
                             "kind": "members", "dues_id": world.dues.id})


def test_every_associations_route_is_in_the_matrix(app):
    check_matrix_is_complete(app, ROUTES, "associations")


@pytest.mark.parametrize("visitor", VISITORS, ids=[v or "anonymous" for v in VISITORS])
def test_every_associations_route_answers_as_the_matrix_says(app, client, world, visitor):
    check_routes(app, client, ROUTES, visitor, build(app, world))


def test_with_the_module_off_every_page_is_a_404(app, client, world):
    set_module(world.tree.town_a, "associations", False)
    db.session.commit()
    check_module_off_is_404(app, client, "associations", ("town_admin", "assoc_officer", "resident"),
                            build(app, world))
