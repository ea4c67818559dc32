"""Figures for the reports page, the dashboard card and ``portal points verify``: aggregates in
SQL, never rows summed in Python."""
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, func, or_, select

from portal.extensions import db
from portal.grids.models import COUNTY, TOWN, Grid
from portal.tenancy import in_subtree, in_subtree_where_on, town_code
from portal.timeutil import months_back, sql_month, to_utc

from .models import (PointsAccount, PointsEntry, PointsGoods, PointsRedemption,
                     PointsRedemptionLine, PointsShop, PointsStockEntry)

#: A town's code is the county's six digits and one segment.


def month_start(on: date) -> datetime:
    return to_utc(datetime(on.year, on.month, 1))


@dataclass
class MonthRow:
    month: str
    issued: int = 0
    redeemed: int = 0
    corrected: int = 0


def monthly(scope: Grid, until: date, count: int = 12, shop: PointsShop | None = None):
    """Points issued (earned) and redeemed per month under ``scope`` (or at one shop)."""
    keys = months_back(until, count)
    since = month_start(date(int(keys[0][:4]), int(keys[0][5:]), 1))
    month = sql_month(PointsEntry.created_at)
    # The entries carry their town: (town_id, created_at) is an index, so the months asked for are
    # read by range instead of every entry of the county being joined to its account and grid.
    towns = select(Grid.id).where(Grid.level == TOWN, or_(
        in_subtree_where_on("points", scope), Grid.code == town_code(scope.code)))
    query = (select(month,
                    func.sum(case((PointsEntry.kind == "earn", PointsEntry.points), else_=0)),
                    func.sum(case((PointsEntry.kind == "redeem", -PointsEntry.points), else_=0)),
                    func.sum(case((PointsEntry.kind.in_(("reverse", "adjust", "expire")),
                                   PointsEntry.points), else_=0)))
             .where(PointsEntry.town_id.in_(towns), PointsEntry.created_at >= since)
             .group_by(month))
    if scope.level not in (COUNTY, TOWN):  # a village or a grid: only its accounts
        # by the ids of its grids' accounts: joined to accounts and grids instead, SQLite walked
        # every account of the county to find the village's (16 ms of a village's dashboard).
        # "+ 0": the months asked for are read from the town's (town_id, created_at) range, not
        # every entry of every account of the village since it opened
        query = query.where((PointsEntry.account_id + 0).in_(_accounts_under(scope)))
    if shop is not None:
        query = query.join(PointsRedemption, PointsRedemption.id == PointsEntry.redemption_id) \
            .where(PointsRedemption.shop_id == shop.id)
    rows = {key: MonthRow(key) for key in keys}
    for key, issued, redeemed, corrected in db.session.execute(query):
        if key in rows:
            rows[key] = MonthRow(key, int(issued or 0), int(redeemed or 0), int(corrected or 0))
    return list(rows.values())


def _on_grids_under(scope: Grid):
    """SQL: the account lies on a grid under ``scope`` (where points are on), from the scope's
    grid ids to their accounts (the grid_id index), not every account of the county joined to
    its grid and tested."""
    return PointsAccount.grid_id.in_(select(Grid.id).where(in_subtree_where_on("points", scope)))


def _accounts_under(scope: Grid):
    """SQL: the ids of the accounts on grids under ``scope``."""
    return select(PointsAccount.id).where(_on_grids_under(scope))


def totals(scope: Grid) -> dict:
    accounts, balance = db.session.execute(
        select(func.count(PointsAccount.id), func.coalesce(func.sum(PointsAccount.balance), 0))
        .where(_on_grids_under(scope))).one()
    return {"accounts": accounts, "balance": int(balance)}


def top_goods(scope: Grid, since: datetime, limit: int = 10, shop: PointsShop | None = None):
    """(name, shop, quantity, points) of the goods redeemed most since ``since``."""
    quantity = func.sum(PointsRedemptionLine.quantity)
    query = (select(PointsGoods.name, PointsShop.name, quantity,
                    func.sum(PointsRedemptionLine.quantity * PointsRedemptionLine.price))
             .join(PointsRedemption, PointsRedemption.id == PointsRedemptionLine.redemption_id)
             .join(PointsGoods, PointsGoods.id == PointsRedemptionLine.goods_id)
             .join(PointsShop, PointsShop.id == PointsRedemption.shop_id)
             .join(Grid, Grid.id == PointsShop.grid_id)
             .where(in_subtree_where_on("points", scope), PointsRedemption.created_at >= since,
                    PointsRedemption.reversed_at.is_(None))
             .group_by(PointsGoods.id, PointsGoods.name, PointsShop.name)
             .order_by(quantity.desc()).limit(limit))
    if shop is not None:
        query = query.where(PointsShop.id == shop.id)
    return db.session.execute(query).all()


def low_stock(scope: Grid):
    """Active goods at or below their supermarket's low-stock mark."""
    return db.session.scalars(
        select(PointsGoods).join(PointsShop, PointsShop.id == PointsGoods.shop_id)
        .join(Grid, Grid.id == PointsShop.grid_id)
        .where(in_subtree_where_on("points", scope), PointsGoods.active.is_(True),
               PointsShop.active.is_(True), PointsGoods.stock <= PointsShop.low_stock)
        .order_by(PointsGoods.stock, PointsGoods.name)).all()


# ---------------------------------------------------------------- verification


@dataclass
class Mismatch:
    kind: str  # "account" or "goods"
    id: int
    label: str
    cached: int
    ledger: int


def verify(scope: Grid | None = None) -> list[Mismatch]:
    """Every account whose cached balance (less its debt) differs from the sum of its entries, or
    that holds both a balance and a debt, and every goods
    row whose stock differs from the sum of its stock entries. One grouped query each."""
    entries = (select(PointsEntry.account_id, func.sum(PointsEntry.points).label("total"))
               .group_by(PointsEntry.account_id).subquery())
    ledger = func.coalesce(entries.c.total, 0)
    # what the account holds is its balance less any debt (at most one of them above zero)
    net = PointsAccount.balance - PointsAccount.debt
    query = (select(PointsAccount.id, PointsAccount.card_token, net, ledger)
             .outerjoin(entries, entries.c.account_id == PointsAccount.id)
             .where((net != ledger) | ((PointsAccount.balance > 0) & (PointsAccount.debt > 0))))
    moves = (select(PointsStockEntry.goods_id, func.sum(PointsStockEntry.quantity).label("total"))
             .group_by(PointsStockEntry.goods_id).subquery())
    counted = func.coalesce(moves.c.total, 0)
    goods = (select(PointsGoods.id, PointsGoods.name, PointsGoods.stock, counted)
             .outerjoin(moves, moves.c.goods_id == PointsGoods.id)
             .where(PointsGoods.stock != counted))
    if scope is not None:
        # every town's rows, the module on or off: a mismatch is worth knowing either way
        everywhere = in_subtree(Grid.code, scope)
        query = query.join(Grid, Grid.id == PointsAccount.grid_id).where(everywhere)
        goods = (goods.join(PointsShop, PointsShop.id == PointsGoods.shop_id)
                 .join(Grid, Grid.id == PointsShop.grid_id).where(everywhere))
    found = [Mismatch("account", i, token, cached, int(total))
             for i, token, cached, total in db.session.execute(query)]
    found += [Mismatch("goods", i, name, cached, int(total))
              for i, name, cached, total in db.session.execute(goods)]
    return found
