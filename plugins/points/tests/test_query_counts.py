"""The points list pages must not run more SQL as they show more rows (no N+1)."""
import pytest

from plugins.points import ledger, shop as shops
from plugins.points.models import PointsGoods
from portal.extensions import db
from portal.people.services import add_household, add_resident
from tests.test_query_counts import StatementCounter


def statements(client, url):
    with StatementCounter(db.engine) as counter:
        assert client.get(url).status_code == 200
    return counter.count


def add_rows(points, n):
    grid = points.tree.grid_a1
    for i in range(n):
        household = add_household(grid, f"积分路{i}号-{n}")
        add_resident(household, f"测试{i}", relation="head")
        account = ledger.account_for(None, household)
        ledger.post(account, "earn", 10, rule=points.rule, note="n+1")
        ledger.post(points.account_a, "earn", 10, rule=points.rule)
        goods = PointsGoods(shop_id=points.shop.id, name=f"商品{i}-{n}", price=1)
        db.session.add(goods)
        db.session.flush()
        shops.restock(goods, 2)
    db.session.commit()
    for i in range(n):
        shops.redeem(points.shop, points.account_a, {points.soap.id: 1}, f"q{n}-{i}")


@pytest.mark.parametrize("url", ["/points/accounts", "/points/accounts/{a}", "/points/reports",
                                 "/points/", "/points/shops/{s}", "/points/cards?grid={g}",
                                 "/points/award?grid={g}"])
def test_points_pages_do_not_grow_with_rows(client, points, url):
    url = url.format(a=points.account_a.id, s=points.shop.id, g=points.tree.grid_a1.id)
    client.login("village_admin")
    add_rows(points, 3)
    few = statements(client, url)
    add_rows(points, 9)
    many = statements(client, url)
    assert many == few, f"{url}: {few} statements for few rows, {many} for more"
