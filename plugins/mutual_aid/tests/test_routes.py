"""Every route of the mutual-aid module, for every role (on in both towns). The `resident`
login is the group's elected leader: the plugin's permission hook lets them see and record their
group's help."""

import pytest

from plugins.mutual_aid.testing import make_route_world
from portal.extensions import db
from portal.modules.services import set_module
from portal.testing import (VISITORS, Rule, check_matrix_is_complete, check_module_off_is_404,
                            check_routes, url_builder)

LEADER = ("resident",)

ROUTES = {
    ("mutual_aid.index", "GET"): Rule("mutual_aid.view", scoped=False, also=LEADER),
    ("mutual_aid.group_create", "POST"): Rule("mutual_aid.manage", ok=303, scoped=False),
    ("mutual_aid.group", "GET"): Rule("mutual_aid.view", also=LEADER),
    ("mutual_aid.group", "POST"): Rule("mutual_aid.manage", ok=422),
    ("mutual_aid.member_leave", "POST"): Rule("mutual_aid.manage", ok=303),
    ("mutual_aid.leader", "POST"): Rule("mutual_aid.manage", ok=422),
    ("mutual_aid.help_new", "GET"): Rule("mutual_aid.record", also=LEADER),
    ("mutual_aid.help_new", "POST"): Rule("mutual_aid.record", ok=422, also=LEADER),
    ("mutual_aid.help_page", "GET"): Rule("mutual_aid.view", also=LEADER),
    ("mutual_aid.help_page", "POST"): Rule("mutual_aid.record", ok=302, also=LEADER),
    ("mutual_aid.rules", "GET"): Rule("mutual_aid.settings", scoped=False),
    ("mutual_aid.rules", "POST"): Rule("mutual_aid.settings", ok=422, scoped=False),
}


@pytest.fixture
def world(aid):
    return make_route_world(aid)


def build(app, world):
    return url_builder(app, {"group_id": world.group.id, "help_id": world.help.id,
                             "member_id": world.group.members[1].id})


def test_every_mutual_aid_route_is_in_the_matrix(app):
    check_matrix_is_complete(app, ROUTES, "mutual_aid")


@pytest.mark.parametrize("visitor", VISITORS, ids=[v or "anonymous" for v in VISITORS])
def test_every_mutual_aid_route_answers_as_the_matrix_says(app, client, world, visitor):
    check_routes(app, client, ROUTES, visitor, build(app, world))


def test_with_the_module_off_every_page_is_a_404(app, client, world):
    set_module(world.tree.town_a, "mutual_aid", False)
    db.session.commit()
    check_module_off_is_404(app, client, "mutual_aid", ("town_admin", "grid_worker", "resident"),
                            build(app, world))
