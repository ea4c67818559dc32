"""Every route of the rentals module, for every role (on in both towns): only the plugin's
permissions open a page, another town's letting, tenant or resident is a 404, and with the module
off every page is."""

import pytest

from plugins.rentals.testing import make_route_world, url_values
from portal.extensions import db
from portal.modules.services import set_module
from portal.testing import (VISITORS, Rule, check_matrix_is_complete, check_module_off_is_404,
                            check_routes, url_builder)

ROUTES = {
    ("rentals.index", "GET"): Rule("rentals.view", scoped=False),
    ("rentals.new", "GET"): Rule("rentals.manage", scoped=False),
    ("rentals.new", "POST"): Rule("rentals.manage", ok=422, scoped=False),
    ("rentals.show", "GET"): Rule("rentals.view"),
    ("rentals.add_tenant", "POST"): Rule("rentals.manage", ok=422),
    ("rentals.end_tenant", "POST"): Rule("rentals.manage", ok=422),
    ("rentals.reveal_tenant", "POST"): Rule("people.sensitive"),
    ("rentals.end", "POST"): Rule("rentals.manage", ok=422),
    ("rentals.upload_letter", "POST"): Rule("rentals.manage", ok=422),
    ("rentals.letter", "GET"): Rule("rentals.view"),
    ("rentals.floating", "GET"): Rule("rentals.view", scoped=False),
    ("rentals.away_pick", "GET"): Rule("rentals.manage", scoped=False),
    ("rentals.away_new", "GET"): Rule("rentals.manage"),
    ("rentals.away_new", "POST"): Rule("rentals.manage", ok=422),
    ("rentals.away_end", "POST"): Rule("rentals.manage", ok=422),
}


@pytest.fixture
def world(rentals):
    return make_route_world(rentals)


def build(app, world):
    return url_builder(app, url_values(world))


def test_every_rentals_route_is_in_the_matrix(app):
    check_matrix_is_complete(app, ROUTES, "rentals")


@pytest.mark.parametrize("visitor", VISITORS, ids=[v or "anonymous" for v in VISITORS])
def test_every_rentals_route_answers_as_the_matrix_says(app, client, world, visitor):
    check_routes(app, client, ROUTES, visitor, build(app, world))


def test_with_the_module_off_every_page_is_a_404(app, client, world):
    set_module(world.tree.town_a, "rentals", False)
    db.session.commit()
    check_module_off_is_404(app, client, "rentals", ("town_admin", "grid_worker", "info_officer"),
                            build(app, world))
