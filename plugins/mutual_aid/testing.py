"""The mutual_aid plugin's part of the test machinery (imported only by tests): its records in
the two-town tree of portal.testing, as plain functions (``make_…``) and as the pytest fixtures
every test may use (registered by portal.plugin_testing through ``testing_fixtures``).

The mutual-aid module on for town A, and a group in grid A1 with its two households.
"""
from types import SimpleNamespace

import pytest

from portal.extensions import db
from portal.modules.services import set_module
from portal.timeutil import local_today


def make_aid(tree):
    from plugins.mutual_aid import services

    set_module(tree.town_a, "mutual_aid", True)
    group = services.create_group(tree.grid_a1, "城西一组")
    services.add_household(group, tree.household_a)
    services.add_household(group, tree.household_a2)
    services.elect_leader(group, tree.resident_a)
    db.session.commit()
    return SimpleNamespace(tree=tree, group=group)


@pytest.fixture
def aid(app, tree):
    return make_aid(tree)


def make_route_world(aid):
    """The records the route matrix (tests/test_routes.py) fills its URLs from; the module on
    in both towns."""
    from plugins.mutual_aid import services
    set_module(aid.tree.town_b, "mutual_aid", True)
    aid.tree.users["resident"].id_number = aid.tree.resident_a.id_number
    aid.help = services.record_help(aid.group, kind="mediation", happened_on=local_today(),
                                    description="排水沟纠纷")
    db.session.commit()
    return aid

# ---------------------------------------------------------------- for the core's tests (hooks)


def listed(w) -> list:
    """What the plugin's county lists show of its route world, by which attribute."""
    return [(w.group, "name"), (w.help, "description")]


def testing_routes():
    """The route matrix of tests/test_routes.py, for the core's module-gating tests."""
    from portal.plugin_testing import PluginRoutes

    from .tests.test_routes import ROUTES, build

    return PluginRoutes("mutual_aid", ROUTES, world=lambda tree: make_route_world(make_aid(tree)), build=build,
                        listed=listed)


def testing_records(tree):
    """A record of every kind in town A, for the core's isolation tests."""
    from portal.plugin_testing import PluginRecords

    world = make_route_world(make_aid(tree))
    values = {"group_id": world.group.id, "help_id": world.help.id,
              "member_id": world.group.members[1].id}
    return PluginRecords("mutual_aid", values, markers=("城西一组",), records=world)
