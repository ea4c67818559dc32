"""The points supermarket in the county-scale demo (`portal demo --scale county`): a kiosk
operator per town, rules, a shop per village with goods, accounts for most households, three
years of awards and redemptions, written in bulk through the generator
(portal.demo_scale.Generator) in its transaction."""
import uuid
from collections import defaultdict
from datetime import timedelta

from portal.extensions import db
from portal.grids.models import Grid
from portal.modules.services import set_module

from . import ledger
from .demo import GOODS, RULES
from .models import (PointsAccount, PointsEntry, PointsGoods, PointsRedemption,
                     PointsRedemptionLine, PointsRule, PointsShop, PointsStockEntry)


def load(g) -> None:
    """The points supermarket on in some towns: rules, a shop per village with goods, accounts
    for most households, three years of awards and redemptions. Entries are written in time
    order, so each account's (and goods row's) running balance reads like a bank book."""
    rng = g.rng
    towns = [t for t in g.towns if t["modules"]]
    for town in towns:
        set_module(db.session.get(Grid, town["id"]), "points", True)
    db.session.flush()
    kiosks = []  # a kiosk operator for the first village of each town, ``kiosk<seq>``
    for town in towns:
        first_village = next(v for v in g.villages if v["town"] is town)
        kiosks.append(g.login_row(f"kiosk{town['seq']:03d}", "kiosk_operator",
                                  first_village["id"], g.name()))
        town["kiosk"] = kiosks[-1]["id"]
    g.write(db.metadata.tables["users"], kiosks)
    start = g.now - timedelta(days=365 * g.plan.years)
    rules, shops, goods, accounts = [], [], [], []
    entries, redemptions, lines, stock = [], [], [], []
    rule_of: dict[int, list] = {}
    goods_of: dict[int, list] = {}
    for town in towns:
        rule_of[town["id"]] = []
        for name, points, per_category in RULES:
            row = {"id": g.ids.take(PointsRule.__table__), "town_id": town["id"],
                   "name": name, "points": points, "category_points": per_category,
                   "active": True, "created_at": start}
            rules.append(row)
            rule_of[town["id"]].append(row)
    for village in g.villages:
        if not village["town"]["modules"]:
            continue
        shop = {"id": g.ids.take(PointsShop.__table__), "grid_id": village["id"],
                "name": f"{village['name']}积分超市",
                "address": f"{village['name']}党群服务中心一楼", "low_stock": 5,
                "active": True}
        shops.append(shop)
        goods_of[village["id"]] = []
        for name, price, unit, _stock in GOODS:
            item = {"id": g.ids.take(PointsGoods.__table__), "shop_id": shop["id"],
                    "name": name, "price": price, "stock": 0, "photo": None, "unit": unit,
                    "active": True, "created_at": start, "shop": shop}
            goods.append(item)
            goods_of[village["id"]].append(item)
            # restocked twice a year, oldest first
            for n in range(g.plan.years * 2):
                stock.append([start + timedelta(days=182 * n), item, "restock",
                              2000 if n == 0 else 400, None, "入库"])
    events = []  # (time, kind, ...) of every account, put in time order below
    for base in g.base_grids:
        town = base["town"]
        if not town["modules"]:
            continue
        shop_goods = goods_of[base["village"]["id"]]
        for h_id in g.households_of[base["id"]]:
            if rng.random() < 0.3:
                continue  # no account yet
            household = g.household_rows[h_id]
            account = {"id": g.ids.take(PointsAccount.__table__), "town_id": town["id"],
                       "grid_id": base["id"], "household_id": h_id, "resident_id": None,
                       "category": "party_member" if household["party"] else "villager",
                       "card_token": ledger.new_card_token(), "balance": 0, "debt": 0,
                       "created_at": start + timedelta(days=rng.randint(0, 200))}
            accounts.append(account)
            when = account["created_at"]
            while True:
                when += timedelta(days=rng.randint(20, 120), hours=rng.randint(0, 9))
                if when >= g.now:
                    break
                if rng.random() < 0.25:
                    item = rng.choice(shop_goods)
                    events.append((when, "redeem", account, item, rng.randint(1, 2), shop_goods))
                else:
                    rule = rng.choice(rule_of[town["id"]])
                    points = int(rule["category_points"].get(account["category"],
                                                             rule["points"]))
                    events.append((when, "earn", account, rule, points, None))
    events.sort(key=lambda e: (e[0], e[2]["id"]))
    stock.sort(key=lambda s: s[0])
    s_index = 0
    on_hand = defaultdict(int)
    stock_rows = []

    def stock_until(moment):
        nonlocal s_index
        while s_index < len(stock) and stock[s_index][0] <= moment:
            at, item, kind, quantity, redemption, note = stock[s_index]
            on_hand[item["id"]] += quantity
            stock_rows.append({"id": g.ids.take(PointsStockEntry.__table__),
                               "goods_id": item["id"], "kind": kind, "quantity": quantity,
                               "stock_after": on_hand[item["id"]], "redemption_id": redemption,
                               "note": note, "actor_id": None, "created_at": at})
            s_index += 1

    for when, kind, account, what, amount, _shop_goods in events:
        stock_until(when)
        if kind == "earn":
            account["balance"] += amount
            entries.append({"town_id": account["town_id"], "account_id": account["id"],
                            "kind": "earn", "points": amount,
                            "balance_after": account["balance"], "rule_id": what["id"],
                            "redemption_id": None, "reverses_id": None, "source": None,
                            "held_until": None, "source_label": None, "note": "每月评议", "actor_id": None,
                            "created_at": when})
            continue
        price = what["price"] * amount
        if price > account["balance"] or on_hand[what["id"]] < amount:
            continue  # not enough points or stock: the kiosk would have refused
        r_id = g.ids.take(PointsRedemption.__table__)
        town = next(t for t in g.towns if t["id"] == account["town_id"])
        redemptions.append({"id": r_id, "shop_id": what["shop"]["id"],
                            "account_id": account["id"], "idempotency_key": uuid.uuid4().hex,
                            "total": price, "actor_id": town.get("kiosk"), "created_at": when,
                            "reversed_at": None})
        lines.append({"id": g.ids.take(PointsRedemptionLine.__table__),
                      "redemption_id": r_id, "goods_id": what["id"], "name": what["name"],
                      "price": what["price"], "quantity": amount})
        on_hand[what["id"]] -= amount
        stock_rows.append({"id": g.ids.take(PointsStockEntry.__table__),
                           "goods_id": what["id"], "kind": "redeem", "quantity": -amount,
                           "stock_after": on_hand[what["id"]], "redemption_id": r_id,
                           "note": None, "actor_id": town.get("kiosk"), "created_at": when})
        account["balance"] -= price
        entries.append({"town_id": account["town_id"], "account_id": account["id"],
                        "kind": "redeem", "points": -price,
                        "balance_after": account["balance"], "rule_id": None,
                        "redemption_id": r_id, "reverses_id": None, "source": None, "held_until": None,
                        "source_label": None, "note": None, "actor_id": town.get("kiosk"),
                        "created_at": when})
    stock_until(g.now + timedelta(days=1))
    for item in goods:
        item["stock"] = on_hand[item["id"]]
        del item["shop"]
    first = g.ids.take(PointsEntry.__table__, len(entries))
    for n, entry in enumerate(entries):
        entry["id"] = first + n
    g.write(PointsRule.__table__, rules)
    g.write(PointsShop.__table__, shops)
    g.write(PointsGoods.__table__, goods)
    g.write(PointsAccount.__table__, accounts)
    g.write(PointsRedemption.__table__, redemptions)
    g.write(PointsRedemptionLine.__table__, lines)
    g.write(PointsStockEntry.__table__, stock_rows)
    g.write(PointsEntry.__table__, entries)
