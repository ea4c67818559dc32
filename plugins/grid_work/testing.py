"""The grid_work plugin's part of the test machinery (imported only by tests): its records in the
two-town tree of portal.testing, as plain functions (``make_…``) and as the pytest fixtures every
test may use (registered by portal.plugin_testing through ``testing_fixtures``).

The module on for town A; each part (patrols, duty, assessment) adds its records to one world
through its own ``testing`` module (``make(world)``, ``url_values(world)``, ``MARKERS``,
``listed(world)``), in that order (the assessment measures what the others made).
"""
from types import SimpleNamespace

import pytest

from portal.extensions import db
from portal.modules.services import set_module

from .assessment import testing as assessment_testing
from .duty import testing as duty_testing
from .patrols import testing as patrols_testing

PARTS = (patrols_testing, duty_testing, assessment_testing)


def make_grid_work(tree):
    set_module(tree.town_a, "grid_work", True)
    world = SimpleNamespace(tree=tree, worker=tree.users["grid_worker"])
    for part in PARTS:
        part.make(world)
    db.session.commit()
    return world


@pytest.fixture
def grid_work(app, tree):
    return make_grid_work(tree)


def make_route_world(world):
    """The records the route matrix (tests/test_routes.py) fills its URLs from; the module on in
    both towns."""
    set_module(world.tree.town_b, "grid_work", True)
    db.session.commit()
    return world


def url_values(world) -> dict:
    values: dict = {}
    for part in PARTS:
        values.update(part.url_values(world))
    return values


# ---------------------------------------------------------------- for the core's tests (hooks)


def listed(world) -> list:
    return [row for part in PARTS for row in part.listed(world)]


def testing_routes():
    """The route matrix of tests/test_routes.py, for the core's module-gating tests."""
    from portal.plugin_testing import PluginRoutes

    from .tests.test_routes import ROUTES, build

    return PluginRoutes("grid_work", ROUTES,
                        world=lambda tree: make_route_world(make_grid_work(tree)), build=build,
                        listed=listed)


def testing_records(tree):
    """A record of every kind in town A, for the core's isolation tests."""
    from portal.plugin_testing import PluginRecords

    world = make_route_world(make_grid_work(tree))
    not_scoped: dict = {}
    for part in PARTS:
        not_scoped.update(getattr(part, "NOT_SCOPED", {}))
    return PluginRecords("grid_work", url_values(world),
                         markers=tuple(m for part in PARTS for m in part.MARKERS),
                         not_scoped=not_scoped, records=world)
