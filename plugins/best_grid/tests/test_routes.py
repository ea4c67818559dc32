"""Every route of the best-grid module, for every role (on in both towns)."""
import pytest

from plugins.best_grid.testing import make_route_world
from portal.extensions import db
from portal.modules.services import set_module
from portal.testing import (PUBLIC, VISITORS, Rule, check_matrix_is_complete,
                            check_module_off_is_404, check_routes, url_builder)

ROUTES = {
    ("best_grid.static", "GET"): Rule(PUBLIC, scoped=False),
    ("best_grid.public", "GET"): Rule(PUBLIC, scoped=False),
    ("best_grid.index", "GET"): Rule("best_grid.view", scoped=False),
    ("best_grid.classes", "GET"): Rule("best_grid.manage", scoped=False),
    ("best_grid.classes", "POST"): Rule("best_grid.manage", ok=422, scoped=False),
    # nothing sent: every grid keeps its class
    ("best_grid.placements", "POST"): Rule("best_grid.manage", ok=302, scoped=False),
    ("best_grid.contest_new", "GET"): Rule("best_grid.manage", scoped=False),
    ("best_grid.contest_new", "POST"): Rule("best_grid.manage", ok=422, scoped=False),
    ("best_grid.contest", "GET"): Rule("best_grid.view"),
    ("best_grid.judge", "GET"): Rule("best_grid.judge"),
    ("best_grid.judge", "POST"): Rule("best_grid.judge", ok=302),  # nothing entered: saved as is
    ("best_grid.adjust", "POST"): Rule("best_grid.manage", ok=422),  # an empty adjustment
    ("best_grid.award", "POST"): Rule("best_grid.manage", ok=422),  # nobody chosen
    ("best_grid.publish", "POST"): Rule("best_grid.manage", ok=303),
}


@pytest.fixture
def world(contest):
    return make_route_world(contest)


def build(app, world):
    return url_builder(app, {"contest_id": world.contest.id,
                             "town_code": world.tree.town_a.code, "filename": "results.js"})


def test_every_best_grid_route_is_in_the_matrix(app):
    check_matrix_is_complete(app, ROUTES, "best_grid")


@pytest.mark.parametrize("visitor", VISITORS, ids=[v or "anonymous" for v in VISITORS])
def test_every_best_grid_route_answers_as_the_matrix_says(app, client, world, visitor):
    check_routes(app, client, ROUTES, visitor, build(app, world))


def test_with_the_module_off_every_page_is_a_404(app, client, world):
    set_module(world.tree.town_a, "best_grid", False)
    db.session.commit()
    check_module_off_is_404(app, client, "best_grid", ("town_admin", "grid_worker"),
                            build(app, world))
