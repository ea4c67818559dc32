"""Every route of the group robots, for every role: the module on in both towns, so that town
B's admin proves that town A's robots are a 404 for them."""
import pytest

from plugins.wecom_robot.testing import make_route_world
from portal.extensions import db
from portal.modules.services import set_module
from portal.testing import (VISITORS, Rule, check_matrix_is_complete, check_module_off_is_404,
                            check_routes, url_builder)

ROUTES = {
    ("wecom_robot.index", "GET"): Rule("wecom_robot.manage", scoped=False),
    ("wecom_robot.index", "POST"): Rule("wecom_robot.manage", ok=422, scoped=False),  # empty
    ("wecom_robot.edit", "GET"): Rule("wecom_robot.manage"),
    ("wecom_robot.edit", "POST"): Rule("wecom_robot.manage", ok=422),  # no events ticked
    ("wecom_robot.delete", "POST"): Rule("wecom_robot.manage", ok=303),
}


@pytest.fixture
def world(robots):
    return make_route_world(robots)


def build(app, world):
    return url_builder(app, {"robot_id": world.grid_robot.id})


def test_every_route_is_in_the_matrix(app):
    check_matrix_is_complete(app, ROUTES, "wecom_robot")


@pytest.mark.parametrize("visitor", VISITORS, ids=[v or "anonymous" for v in VISITORS])
def test_every_route_answers_as_the_matrix_says(app, client, world, visitor):
    check_routes(app, client, ROUTES, visitor, build(app, world))


def test_with_the_module_off_every_page_is_a_404(app, client, world):
    set_module(world.tree.town_a, "wecom_robot", False)
    db.session.commit()
    check_module_off_is_404(app, client, "wecom_robot", ("town_admin", "village_admin"),
                            build(app, world))
