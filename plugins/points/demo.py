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

from . import ledger, shop as shops, town_settings
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
    _deeds_and_notice(town, rules, villages)


def _deeds_and_notice(town: Grid, rules: list[PointsRule], villages: list[Grid]) -> None:
    """The town's choices of issue 24, and what they make visible: a deduction rule used once,
    the modules' deeds paid by its rules, and this week's awards on public notice (公示), which
    the kiosk does not let be spent yet."""
    by_name = {rule.name: rule for rule in rules}
    litter = PointsRule(town_id=town.id, name=DEDUCTION[0], points=DEDUCTION[1])
    db.session.add(litter)
    db.session.flush()
    town_settings.save(town, at_zero="floor", notice_days=7, valid_months=24, sources={
        kind: by_name[name].id for kind, name in SOURCES.items()})
    for village in villages:
        first = db.session.scalar(select(Grid).where(Grid.parent_id == village.id,
                                                     Grid.level == GRID).order_by(Grid.code))
        households = db.session.scalars(select(Household).filter_by(grid_id=first.id)
                                        .order_by(Household.id)).all() if first else []
        accounts = [a for a in (ledger.account_for(None, h, create=False) for h in households)
                    if a is not None]
        if len(accounts) < 3:
            continue
        ledger.award(litter, [accounts[1]], note="门前堆放建筑垃圾，劝导后未清理")
        model_homes = ledger.award(by_name["评为文明卫生户"], accounts[:2], note="十一月文明卫生户评议")
        ledger.award(by_name["参加村道清扫志愿活动"], [accounts[2]], note="12月1日清扫村道")
        if village is villages[0]:
            _claims_and_objection(households, by_name, model_homes[1])


def _claims_and_objection(households: list[Household], by_name: dict, on_notice) -> None:
    """Residents' own claims (申报) of the first village: the demo resident's (the head of the
    first household) waiting for the village, one approved and one sent back; and a villager's
    objection to an award on notice, open for the village admin to decide."""
    from portal.timeutil import local_today

    from . import claims, public_notice

    today = local_today()
    heads = [h.head for h in households if h.head is not None]
    claims.file_claim(heads[0], by_name["参加移风易俗宣传"], happened_on=today - timedelta(days=1),
                      note="在村口发放移风易俗倡议书，劝导一户简办寿宴")
    approved = claims.file_claim(heads[3], by_name["门前三包做得好"],
                                 happened_on=today - timedelta(days=3),
                                 note="门前三包：每天清扫门前路段，花坛无杂物")
    claims.approve(approved)
    sent_back = claims.file_claim(heads[4], by_name["调解邻里纠纷"],
                                  happened_on=today - timedelta(days=5), note="劝和了邻居")
    claims.reject(sent_back, "请写明调解的是哪两户、什么纠纷，由网格员核实后再申报。")
    public_notice.object_to(on_notice, "这户门前长期堆放杂物，不符合文明卫生户条件，请村里核实。")


#: A deduction rule of the demo town (负向扣分).
DEDUCTION = ("乱扔垃圾、乱堆乱放", -5)
#: Which rule each module's deed earns in the demo town.
SOURCES = {"cases.report": "举报安全隐患属实", "associations.year": "评为文明卫生户",
           "best_grid.prize": "门前三包做得好"}
