"""Demo records for one town: rules, a supermarket per village with goods, accounts for the
households of the first grid of each village, months of awards and a few redemptions. Idempotent:
a town that has rules already is left as it is."""
import random
import uuid
from datetime import timedelta

from sqlalchemy import select

from portal.demo import village_login
from portal.extensions import db
from portal.grids.models import GRID, VILLAGE, Grid
from portal.people.models import Household
from portal.timeutil import utcnow

from . import ledger, shop as shops
from .models import PointsGoods, PointsRule, PointsShop

RULES = [("参加村道清扫志愿活动", 5, {"grid_worker": 8}), ("评为文明卫生户", 20, {}),
         ("调解邻里纠纷", 10, {"grid_worker": 15}), ("参加移风易俗宣传", 5, {}),
         ("门前三包做得好", 3, {}), ("举报安全隐患属实", 10, {})]
GOODS = [("洗衣粉 1kg", 20, "袋", 40), ("食用油 5L", 120, "桶", 12), ("大米 10kg", 150, "袋", 8),
         ("香皂", 8, "块", 60), ("毛巾", 15, "条", 30), ("酱油 500ml", 12, "瓶", 3),
         ("牙膏", 10, "支", 45), ("保温杯", 60, "个", 2)]


#: The demo's kiosk operator (``portal demo`` prints the login): the kiosk of this village of
#: the demo town.
LOGIN = ("kiosk", "kiosk_operator", "城西社区")


def logins(town: Grid) -> list:
    """The plugin's demo login, made once; printed by ``portal demo`` with the core's."""
    return village_login(town, *LOGIN)


def load(town: Grid) -> None:
    if db.session.scalar(select(PointsRule.id).filter_by(town_id=town.id).limit(1)):
        return
    rng = random.Random(town.code)
    rules = []
    for name, points, per_category in RULES:
        rule = PointsRule(town_id=town.id, name=name, points=points, category_points=per_category)
        db.session.add(rule)
        rules.append(rule)
    db.session.flush()
    villages = db.session.scalars(select(Grid).where(
        Grid.parent_id == town.id, Grid.level == VILLAGE).order_by(Grid.code)).all()
    now = utcnow()
    for village in villages:
        shop = PointsShop(grid_id=village.id, name=f"{village.name}积分超市",
                          address=f"{village.name}党群服务中心一楼")
        db.session.add(shop)
        db.session.flush()
        goods = []
        for name, price, unit, stock in GOODS:
            item = PointsGoods(shop_id=shop.id, name=name, price=price, unit=unit, stock=0)
            db.session.add(item)
            db.session.flush()
            entry = shops.restock(item, stock, note="首批入库")
            entry.created_at = now - timedelta(days=120)
            goods.append(item)
        first = db.session.scalar(select(Grid).where(Grid.parent_id == village.id,
                                                     Grid.level == GRID).order_by(Grid.code))
        if first is None:
            continue
        households = db.session.scalars(select(Household).filter_by(grid_id=first.id)
                                        .order_by(Household.id)).all()
        for number, household in enumerate(households):
            if not household.active_members:
                continue
            account = ledger.account_for(None, household)
            awards = [(now - timedelta(days=30 * month + rng.randint(1, 25)), rule)
                      for month in range(5) for rule in rng.sample(rules, rng.randint(1, 3))]
            awards.sort(key=lambda award: award[0])
            for when, rule in awards:  # oldest first, so the statement reads in order
                entry = ledger.post(account, "earn", rule.value_for(account.category),
                                    rule=rule, note="每月评议")
                entry.created_at = when
            if number % 3 == 0:
                basket = {goods[0].id: 1, goods[3].id: 2}
                if account.balance >= goods[0].price + 2 * goods[3].price:
                    shops.fill_basket(shop, account, basket, uuid.uuid4().hex)
    db.session.flush()
