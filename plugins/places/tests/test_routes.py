"""Every route of the places module, for every role (on in both towns): only the plugin's
permissions open a page, another town's place, licence, hazard or photo is a 404, and with the
module off every page is."""

import pytest

from plugins.places.testing import make_route_world, url_values
from portal.extensions import db
from portal.modules.services import set_module
from portal.testing import (PUBLIC, VISITORS, Rule, check_matrix_is_complete,
                            check_module_off_is_404, check_routes, url_builder)

ROUTES = {
    ("places.static", "GET"): Rule(PUBLIC, scoped=False),
    ("places.index", "GET"): Rule("places.view", scoped=False),
    ("places.map_page", "GET"): Rule("places.view", scoped=False),
    ("places.due", "GET"): Rule("places.view", scoped=False),
    ("places.new", "GET"): Rule("places.manage", scoped=False),
    ("places.new", "POST"): Rule("places.manage", ok=422, scoped=False),
    ("places.show", "GET"): Rule("places.view"),
    ("places.edit", "GET"): Rule("places.manage"),
    ("places.edit", "POST"): Rule("places.manage", ok=422),
    ("places.close", "POST"): Rule("places.manage", ok=422),
    ("places.reveal", "POST"): Rule("places.manage"),
    ("places.licence_add", "POST"): Rule("places.manage", ok=422),
    ("places.licence_end", "POST"): Rule("places.manage", ok=422),
    ("places.inspect", "GET"): Rule("places.inspect"),
    ("places.inspect", "POST"): Rule("places.inspect", ok=422),
    ("places.reinspect", "GET"): Rule("places.inspect"),
    ("places.reinspect", "POST"): Rule("places.inspect", ok=422),
    ("places.hazard_case", "POST"): Rule("places.inspect", ok=303),
    ("places.hazard_photo", "GET"): Rule("places.view"),
    ("places.settings", "GET"): Rule("places.settings", scoped=False),
    ("places.settings", "POST"): Rule("places.settings", ok=422, scoped=False),
}


@pytest.fixture
def world(places):
    return make_route_world(places)


def build(app, world):
    return url_builder(app, url_values(world))


def test_every_places_route_is_in_the_matrix(app):
    check_matrix_is_complete(app, ROUTES, "places")


@pytest.mark.parametrize("visitor", VISITORS, ids=[v or "anonymous" for v in VISITORS])
def test_every_places_route_answers_as_the_matrix_says(app, client, world, visitor):
    check_routes(app, client, ROUTES, visitor, build(app, world))


def test_with_the_module_off_every_page_is_a_404(app, client, world):
    set_module(world.tree.town_a, "places", False)
    db.session.commit()
    check_module_off_is_404(app, client, "places", ("town_admin", "grid_worker", "info_officer"),
                            build(app, world))
