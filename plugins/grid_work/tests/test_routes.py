"""Every route of the grid_work module, for every role (on in both towns): only the plugin's
permissions open a page, another town's record is a 404, and with the module off every page is.
Each part keeps its rows in routes_<part>.py."""

import pytest

from plugins.grid_work.testing import make_route_world, url_values
from portal.extensions import db
from portal.modules.services import set_module
from portal.testing import (VISITORS, check_matrix_is_complete, check_module_off_is_404,
                            check_routes, url_builder)

from .routes_assessment import ROUTES as ASSESSMENT
from .routes_duty import ROUTES as DUTY
from .routes_patrols import ROUTES as PATROLS

ROUTES = {**PATROLS, **DUTY, **ASSESSMENT}


@pytest.fixture
def world(grid_work):
    return make_route_world(grid_work)


def build(app, world):
    return url_builder(app, url_values(world))


def test_every_grid_work_route_is_in_the_matrix(app):
    check_matrix_is_complete(app, ROUTES, "grid_work")


@pytest.mark.parametrize("visitor", VISITORS, ids=[v or "anonymous" for v in VISITORS])
def test_every_grid_work_route_answers_as_the_matrix_says(app, client, world, visitor):
    check_routes(app, client, ROUTES, visitor, build(app, world))


def test_with_the_module_off_every_page_is_a_404(app, client, world):
    set_module(world.tree.town_a, "grid_work", False)
    db.session.commit()
    check_module_off_is_404(app, client, "grid_work", ("town_admin", "grid_worker"),
                            build(app, world))
