"""The wecom_robot plugin's part of the test machinery (imported only by tests): a robot of
grid A1's group and one of village A1's in town A of portal.testing's tree, the module on."""
from types import SimpleNamespace

import pytest

from portal.extensions import db
from portal.modules.services import set_module

#: a key as WeCom issues them (made up)
KEY_GRID = "6f1b7e2a-0c3d-4e5f-8a9b-1c2d3e4f5a6b"
KEY_VILLAGE = "0a0b0c0d-1111-2222-3333-444455556666"


def make_robots(tree):
    from . import services

    set_module(tree.town_a, "wecom_robot", True)
    admin = tree.users["town_admin"]
    grid_robot = services.create(tree.grid_a1, name="第一网格工作群甲", key=KEY_GRID,
                                 events=["case_supervised", "emergency"], actor=admin)
    village_robot = services.create(tree.village_a1, name="城西社区工作群甲", key=KEY_VILLAGE,
                                    events=["emergency"], actor=admin)
    db.session.commit()
    return SimpleNamespace(tree=tree, grid_robot=grid_robot, village_robot=village_robot)


@pytest.fixture
def robots(app, tree):
    return make_robots(tree)


def make_route_world(robots):
    set_module(robots.tree.town_b, "wecom_robot", True)
    db.session.commit()
    return robots


def listed(w) -> list:
    return [(w.grid_robot, "name"), (w.village_robot, "name")]


def testing_routes():
    from portal.plugin_testing import PluginRoutes

    from .tests.test_routes import ROUTES, build

    return PluginRoutes("wecom_robot", ROUTES, world=lambda tree: make_route_world(
        make_robots(tree)), build=build, listed=listed)


def testing_records(tree):
    from portal.plugin_testing import PluginRecords

    world = make_route_world(make_robots(tree))
    return PluginRecords("wecom_robot", {"robot_id": world.grid_robot.id},
                         markers=("第一网格工作群甲", "城西社区工作群甲"), records=world)
