"""Every route of the disputes module, for every role (on in both towns): only the plugin's
permissions open a page, another town's dispute is a 404, and with the module off every page is."""

import pytest

from plugins.disputes.testing import make_route_world
from portal.extensions import db
from portal.modules.services import set_module
from portal.testing import (VISITORS, Rule, check_matrix_is_complete, check_module_off_is_404,
                            check_routes, url_builder)

ROUTES = {
    ("disputes.index", "GET"): Rule("disputes.view", scoped=False),
    ("disputes.new", "GET"): Rule("disputes.report", scoped=False),
    ("disputes.new", "POST"): Rule("disputes.report", ok=422, scoped=False),
    ("disputes.show", "GET"): Rule("disputes.view"),
    ("disputes.agreement_print", "GET"): Rule("disputes.view"),
    ("disputes.step", "POST"): Rule("disputes.mediate", ok=422),
    ("disputes.agree", "POST"): Rule("disputes.mediate", ok=422),
    ("disputes.followup", "POST"): Rule("disputes.mediate", ok=422),
    ("disputes.to_case", "POST"): Rule("disputes.mediate", ok=303),
    ("disputes.board", "GET"): Rule("disputes.view", scoped=False),
    ("disputes.report", "POST"): Rule("disputes.report", ok=422, scoped=False),
    ("disputes.statistics", "GET"): Rule("disputes.view", scoped=False),
    ("disputes.ledger", "GET"): Rule("disputes.view", scoped=False),
    ("disputes.rules", "GET"): Rule("disputes.settings", scoped=False),
    ("disputes.rules", "POST"): Rule("disputes.settings", ok=422, scoped=False),
}


@pytest.fixture
def world(disputes):
    return make_route_world(disputes)


def build(app, world):
    return url_builder(app, {"dispute_id": world.dispute.id, "agreement_id": world.agreement.id,
                             "followup_id": world.followup.id, "action": "note"})


def test_every_disputes_route_is_in_the_matrix(app):
    check_matrix_is_complete(app, ROUTES, "disputes")


@pytest.mark.parametrize("visitor", VISITORS, ids=[v or "anonymous" for v in VISITORS])
def test_every_disputes_route_answers_as_the_matrix_says(app, client, world, visitor):
    check_routes(app, client, ROUTES, visitor, build(app, world))


def test_with_the_module_off_every_page_is_a_404(app, client, world):
    set_module(world.tree.town_a, "disputes", False)
    db.session.commit()
    check_module_off_is_404(app, client, "disputes", ("town_admin", "grid_worker", "mediator"),
                            build(app, world))
