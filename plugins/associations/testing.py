"""The associations plugin's part of the test machinery (imported only by tests): its records in
the two-town tree of portal.testing, as plain functions (``make_…``) and as the pytest fixtures
every test may use (registered by portal.plugin_testing through ``testing_fixtures``).

The associations module on for town A; a safety association in village A1 run by the
`assoc_officer` login, with two items and two members.
"""
from datetime import date
from types import SimpleNamespace

import pytest

from portal.extensions import db
from portal.modules.services import set_module
from portal.timeutil import local_today


def make_assoc(tree):
    from plugins.associations import services
    from plugins.associations.models import AssociationsItem

    set_module(tree.town_a, "associations", True)
    safety = services.create(tree.village_a1, name="平安乡村协会", kind="safety", dues_fen=2000)
    services.add_officer(safety, tree.users["assoc_officer"], "会长")
    patrol = AssociationsItem(association_id=safety.id, name="参加义务巡逻", points=2)
    absent = AssociationsItem(association_id=safety.id, name="无故缺席例会", points=-3)
    db.session.add_all([patrol, absent])
    db.session.flush()
    start = date(local_today().year - 1, 1, 1)
    zhang = services.add_member(safety, tree.resident_a, on=start)
    li = services.add_member(safety, tree.household_a.members[1], on=start)
    db.session.commit()
    return SimpleNamespace(tree=tree, safety=safety, patrol=patrol, absent=absent, zhang=zhang,
                           li=li)


@pytest.fixture
def assoc(app, tree):
    return make_assoc(tree)


def make_route_world(assoc):
    """The records the route matrix (tests/test_routes.py) fills its URLs from; the module on
    in both towns."""
    from plugins.associations import services
    tree = assoc.tree
    set_module(tree.town_b, "associations", True)
    tree.users["resident"].id_number = tree.resident_a.id_number
    score = services.record_score(assoc.zhang, assoc.absent, reason="缺席", happened_on=local_today())
    assoc.appeal = services.appeal(score, "不在村里")
    assoc.dues = services.pay_dues(assoc.li, local_today().year, local_today())
    db.session.commit()
    return assoc

# ---------------------------------------------------------------- for the core's tests (hooks)


def testing_roles():
    """The plugin's role in the core's tests: a user in village A1, and the permissions it was
    reviewed to hold (an officer runs their associations: no register, tree or case list)."""
    from portal.plugin_testing import TestRole

    return {"assoc_officer": TestRole("village_a1", frozenset(
        {"associations.view", "associations.run", "associations.member"}))}


def listed(w) -> list:
    """What the plugin's county lists show of its route world, by which attribute."""
    return [(r, "name") for r in (w.safety, w.patrol, w.absent)]


def testing_routes():
    """The route matrix of tests/test_routes.py, for the core's module-gating tests."""
    from portal.plugin_testing import PluginRoutes

    from .tests.test_routes import ROUTES, build

    return PluginRoutes("associations", ROUTES, world=lambda tree: make_route_world(make_assoc(tree)), build=build,
                        listed=listed)


def testing_records(tree):
    """A record of every kind in town A, for the core's isolation tests."""
    from portal.plugin_testing import PluginRecords

    world = make_route_world(make_assoc(tree))
    world.safety.name = "城西平安协会甲"  # a name no town-B page could show but by leaking it
    values = {"association_id": world.safety.id, "member_id": world.zhang.id,
              "appeal_id": world.appeal.id, "year": local_today().year, "kind": "members",
              "dues_id": world.dues.id}
    return PluginRecords("associations", values, markers=("城西平安协会甲",), records=world)
