"""Fixtures of the points supermarket's tests: the module on for town A of the shared tree, a
supermarket in village A1 with goods in stock, and accounts with points."""
from types import SimpleNamespace

import pytest

from portal.extensions import db
from portal.modules.services import set_module


@pytest.fixture
def points(app, tree):
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
