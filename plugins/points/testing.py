"""The points plugin's part of the test machinery (imported only by tests): its records in
the two-town tree of portal.testing, as plain functions (``make_…``) and as the pytest fixtures
every test may use (registered by portal.plugin_testing through ``testing_fixtures``).

Fixtures of the points supermarket's tests: the module on for town A of the shared tree, a
supermarket in village A1 with goods in stock, and accounts with points.
"""
from types import SimpleNamespace

import pytest
from PIL import Image

from portal.extensions import db
from portal.modules.services import set_module
from portal.uploads import photo_dir


def make_points(tree):
    from plugins.points import ledger, shop as shops
    from plugins.points.models import PointsGoods, PointsRule, PointsShop

    set_module(tree.town_a, "points", True)
    clean = PointsRule(town_id=tree.town_a.id, name="参加村道清扫", points=5,
                       category_points={"grid_worker": 8})
    model = PointsRule(town_id=tree.town_a.id, name="文明卫生户", points=20)
    shop = PointsShop(grid_id=tree.village_a1.id, name="城西积分超市", low_stock=3)
    db.session.add_all([clean, model, shop])
    db.session.flush()
    soap = PointsGoods(shop_id=shop.id, name="香皂", price=8, unit="块")
    oil = PointsGoods(shop_id=shop.id, name="食用油", price=50, unit="桶")
    db.session.add_all([soap, oil])
    db.session.flush()
    shops.restock(soap, 20)
    shops.restock(oil, 1)  # the last can of oil
    account_a = ledger.account_for(tree.resident_a)  # household 城西路1号
    account_a2 = ledger.account_for(None, tree.household_a2)
    ledger.post(account_a, "earn", 60, rule=model)
    ledger.post(account_a2, "earn", 60, rule=model)
    db.session.commit()
    return SimpleNamespace(tree=tree, rule=clean, model_rule=model, shop=shop, soap=soap, oil=oil,
                           account_a=account_a, account_a2=account_a2)


@pytest.fixture
def points(app, tree):
    return make_points(tree)


def make_route_world(points):
    """The records the route matrix (tests/test_routes.py) fills its URLs from; the module on
    in both towns."""
    from plugins.points.models import PointsEntry
    from plugins.points import shop as shops

    name = "points-route-test.jpg"
    Image.new("RGB", (10, 10)).save(photo_dir() / name, "JPEG")
    points.soap.photo = name
    set_module(points.tree.town_b, "points", True)
    redemption, _ = shops.redeem(points.shop, points.account_a, {points.soap.id: 1}, "route-test")
    points.redemption = redemption
    points.entry = db.session.scalars(db.select(PointsEntry).filter_by(
        account_id=points.account_a.id, kind="earn")).first()
    make_objection(points)
    make_claim(points)
    db.session.commit()
    return points


def make_claim(points):
    """A resident's claim (积分申报) waiting for the village: 张三丰 swept the village road, with
    the world's photo."""
    from plugins.points.models import PointsClaim
    from portal.timeutil import local_today

    points.claim = PointsClaim(town_id=points.tree.town_a.id, resident_id=points.tree.resident_a.id,
                               rule_id=points.rule.id, happened_on=local_today(),
                               note="清扫了村道", photo="points-route-test.jpg", state="pending")
    db.session.add(points.claim)
    db.session.flush()
    return points


def make_objection(points):
    """An award on public notice (积分公示, town A keeps 7 days) to household 城西路2号 and a
    villager's objection to it."""
    from plugins.points import ledger, public_notice, town_settings

    town_settings.set_notice_days(points.tree.town_a, 7)
    points.notice_entry = ledger.award_entry(points.account_a2, points.rule, 5, source="route-test",
                                             source_label="参加村道清扫")
    points.objection = public_notice.object_to(points.notice_entry, "他家那天没有来参加清扫")
    return points

# ---------------------------------------------------------------- for the core's tests (hooks)


def testing_roles():
    """The plugin's role in the core's tests: a user in village A1, and the permissions it was
    reviewed to hold (the kiosk only)."""
    from portal.plugin_testing import TestRole

    return {"kiosk_operator": TestRole("village_a1", frozenset({"points.redeem"}))}


def listed(w) -> list:
    """What the plugin's county lists show of its route world, by which attribute."""
    return [(r, "name") for r in (w.rule, w.model_rule, w.shop, w.soap, w.oil)]


def testing_routes():
    """The route matrix of tests/test_routes.py, for the core's module-gating tests."""
    from portal.plugin_testing import PluginRoutes

    from .tests.test_routes import ROUTES, build

    return PluginRoutes("points", ROUTES, world=lambda tree: make_route_world(make_points(tree)), build=build,
                        listed=listed)


def testing_records(tree):
    """A record of every kind in town A, for the core's isolation tests."""
    from portal.plugin_testing import PluginRecords

    world = make_route_world(make_points(tree))
    return PluginRecords(
        "points", build_values(world), markers=("城西积分超市",), records=world,
        url_overrides=url_overrides(world),
        not_scoped={"points.public_notice": "the public notice (积分公示) of a grid's village",
                    "points.public_object": "anyone may object to an award on public notice, "
                                            "throttled like a public report"})


def url_overrides(world) -> dict:
    """An objection names an award on notice, not the world's first award."""
    return {"points.public_object": {"entry_id": world.notice_entry.id}}


def build_values(world) -> dict:
    return {"account_id": world.account_a.id, "entry_id": world.entry.id,
            "redemption_id": world.redemption.id, "rule_id": world.rule.id,
            "shop_id": world.shop.id, "goods_id": world.soap.id, "filename": "points.css",
            "grid_code": world.tree.grid_a1.code, "objection_id": world.objection.id,
            "claim_id": world.claim.id}
