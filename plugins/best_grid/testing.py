"""The best_grid plugin's part of the test machinery (imported only by tests): its records in
the two-town tree of portal.testing, as plain functions (``make_…``) and as the pytest fixtures
every test may use (registered by portal.plugin_testing through ``testing_fixtures``).

The best-grid module on for town A: class 示范 (grids A1 and A2) and class 提升 (grid A3),
cases and visits with known dates, so that scores can be counted by hand.
"""
from datetime import date, datetime
from types import SimpleNamespace

import pytest

from portal.extensions import db
from portal.modules.services import set_module

PERIOD = (date(2026, 7, 1), date(2026, 9, 30))


def resolved_case(grid, reporter, *, resolved: date, due: date, stars=None):
    from portal.cases.services import report

    case = report(grid, category="hazard", title="路灯", description="d", source="patrol",
                  reporter=reporter)
    case.state, case.resolve_due, case.satisfaction = "closed", due, stars
    case.resolved_at = datetime.combine(resolved, datetime.min.time()).replace(hour=2)  # 10:00 local
    return case


def make_contest_world(tree):
    from plugins.best_grid import services
    from portal.people.models import Visit

    set_module(tree.town_a, "best_grid", True)
    model = services.create_class(tree.town_a, "示范")
    rising = services.create_class(tree.town_a, "提升")
    services.place(tree.grid_a1, model)
    services.place(tree.grid_a2, model)
    services.place(tree.grid_a3, rising)
    worker = tree.users["grid_worker"]
    # grid A1 (2 households): 2 resolved, both on time, 5 and 3 stars; one household visited
    resolved_case(tree.grid_a1, worker, resolved=date(2026, 8, 1), due=date(2026, 8, 5), stars=5)
    resolved_case(tree.grid_a1, worker, resolved=date(2026, 8, 10), due=date(2026, 8, 10), stars=3)
    # grid A2 (no households): 2 resolved, one late, no rating
    resolved_case(tree.grid_a2, worker, resolved=date(2026, 8, 1), due=date(2026, 8, 5))
    resolved_case(tree.grid_a2, worker, resolved=date(2026, 8, 9), due=date(2026, 8, 5))
    # outside the period: ignored
    resolved_case(tree.grid_a1, worker, resolved=date(2026, 10, 2), due=date(2026, 9, 1), stars=1)
    db.session.add(Visit(household_id=tree.household_a.id, grid_id=tree.grid_a1.id,
                         visited_on=date(2026, 9, 1), found="ok"))
    db.session.commit()
    return SimpleNamespace(tree=tree, model=model, rising=rising)


def make_contest(contest_world):
    from plugins.best_grid import services

    item = services.create_contest(
        contest_world.tree.town_a, title="2026年第3季度", kind="quarterly",
        starts_on=PERIOD[0], ends_on=PERIOD[1], prizes={"1": 3000, "2": 2000},
        criteria=[("cases.on_time", "按期办结率", 40), ("cases.satisfaction", "满意度", 20),
                  ("cases.solved", "每百户办结", 10), ("visits.coverage", "走访覆盖率", 10),
                  ("judged:1", "人居环境检查", 20)])
    db.session.commit()
    contest_world.contest = item
    return contest_world


@pytest.fixture
def contest_world(app, tree):
    return make_contest_world(tree)


@pytest.fixture
def contest(contest_world):
    return make_contest(contest_world)


def make_route_world(contest):
    """The records the route matrix (tests/test_routes.py) fills its URLs from; the module on
    in both towns."""
    set_module(contest.tree.town_b, "best_grid", True)
    db.session.commit()
    return contest

# ---------------------------------------------------------------- for the core's tests (hooks)


def listed(w) -> list:
    """What the plugin's county lists show of its route world, by which attribute."""
    return [(w.model, "name"), (w.rising, "name"), (w.contest, "title")]


def testing_routes():
    """The route matrix of tests/test_routes.py, for the core's module-gating tests."""
    from portal.plugin_testing import PluginRoutes

    from .tests.test_routes import ROUTES, build

    def world(tree):
        return make_route_world(make_contest(make_contest_world(tree)))

    return PluginRoutes("best_grid", ROUTES, world=world, build=build,
                        listed=listed)


def testing_records(tree):
    """A record of every kind in town A, for the core's isolation tests."""
    from portal.plugin_testing import PluginRecords

    world = make_route_world(make_contest(make_contest_world(tree)))
    values = {"contest_id": world.contest.id, "town_code": tree.town_a.code,
              "filename": "results.js"}
    return PluginRecords("best_grid", values, markers=("2026年第3季度",), records=world,
                         not_scoped={"best_grid.public": "the public results screen of a town"})
