"""The disputes plugin's part of the test machinery (imported only by tests): its records in the
two-town tree of portal.testing, as plain functions (``make_…``) and as the pytest fixtures every
test may use (registered by portal.plugin_testing through ``testing_fixtures``).

The disputes module on for town A; in grid A1 a dispute with the grid's on-the-spot mediation
between a registered resident and a person from outside, and one agreed 40 days ago whose first
follow-up visit is due; grid A1's zero report for last month.
"""
from datetime import timedelta
from types import SimpleNamespace

import pytest

from portal.extensions import db
from portal.modules.services import set_module
from portal.timeutil import local_today


def make_disputes(tree):
    from plugins.disputes import services
    from plugins.disputes.services import PartyInput

    set_module(tree.town_a, "disputes", True)
    worker = tree.users["grid_worker"]
    today = local_today()
    open_ = services.register(
        tree.grid_a1, kind="neighbour", title="排水沟堵塞纠纷甲", description="两户因排水沟争执。",
        found_on=today, actor=worker,
        parties=[PartyInput(name="", side="a", resident_id=tree.resident_a.id),
                 PartyInput(name="外村李四", side="b", phone="13900001111")])
    agreed = services.register(
        tree.grid_a1, kind="family", title="赡养费纠纷乙", description="兄弟二人对赡养费有争议。",
        found_on=today - timedelta(days=45), actor=worker,
        parties=[PartyInput(name="", side="a", resident_id=tree.resident_a.id),
                 PartyInput(name="张二", side="b")])
    agreement = services.agree(agreed, worker, terms="各付一半。", mediator="网格员",
                               signed_on=today - timedelta(days=40),
                               signed_party_ids={p.id for p in agreed.parties})
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    screening = services.report_screening(tree.grid_a2, last_month, worker, zero=True)
    db.session.commit()
    return SimpleNamespace(tree=tree, dispute=open_, agreed=agreed, agreement=agreement,
                           followup=agreement.followups[0], screening=screening)


@pytest.fixture
def disputes(app, tree):
    return make_disputes(tree)


def make_route_world(world):
    """The records the route matrix (tests/test_routes.py) fills its URLs from; the module on in
    both towns."""
    set_module(world.tree.town_b, "disputes", True)
    db.session.commit()
    return world


# ---------------------------------------------------------------- for the core's tests (hooks)


def testing_roles():
    """The plugin's role in the core's tests: a people's mediator of village A1, and the
    permissions it was reviewed to hold (disputes only: no register, tree or case list)."""
    from portal.plugin_testing import TestRole

    return {"mediator": TestRole("village_a1", frozenset(
        {"disputes.view", "disputes.report", "disputes.mediate"}))}


def listed(w) -> list:
    """What the plugin's county lists show of its route world, by which attribute."""
    return [(w.dispute, "title")]


def testing_routes():
    """The route matrix of tests/test_routes.py, for the core's module-gating tests."""
    from portal.plugin_testing import PluginRoutes

    from .tests.test_routes import ROUTES, build

    return PluginRoutes("disputes", ROUTES, world=lambda tree: make_route_world(make_disputes(tree)),
                        build=build, listed=listed)


def testing_records(tree):
    """A record of every kind in town A, for the core's isolation tests."""
    from portal.plugin_testing import PluginRecords

    world = make_route_world(make_disputes(tree))
    values = {"dispute_id": world.dispute.id, "agreement_id": world.agreement.id,
              "followup_id": world.followup.id, "action": "note"}
    return PluginRecords("disputes", values, markers=("排水沟堵塞纠纷甲", "外村李四"), records=world)
