"""Goods, stock and the kiosk redemption.

A redemption is one transaction: the redemption row first (its unique idempotency key makes a
second confirm of the same basket wait for, then find, the first), then each goods row's stock and
the account's balance debited by conditional UPDATEs in a fixed order (goods by id, the account
last), so two kiosks never deadlock and never both get the last item or the last points.

The kiosk's confirm writes through SQLAlchemy Core (``redeem_basket``): it makes a handful of
rows and reads none back, so the ORM's unit of work (objects, flush ordering, refresh after
commit) added most of its Python time and nothing it needed. The rows and the checks are the same
as ``move_stock`` and ``ledger.post`` make; ``portal points verify`` checks both alike.
"""
from types import SimpleNamespace

from flask_babel import gettext as _
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from portal import audit
from portal.errors import DomainError
from portal.extensions import db
from portal.tenancy import town_code
from portal.timeutil import utcnow
from portal.uploads import UploadError, prepare_optional, store_at_commit

from .ledger import post, post_row
from .models import (PointsAccount, PointsEntry, PointsGoods, PointsRedemption,
                     PointsRedemptionLine, PointsShop, PointsStockEntry)

MAX_QUANTITY = 99


def _stock_change(*, from_shelf: bool):
    """The conditional UPDATE every stock change is: by ``:quantity`` (signed), never below
    zero, answering the stock after it and the goods' name and price at that moment (read under
    the row's lock), or no row when it refused. ``from_shelf``: only goods of ``:in_shop`` that
    are on offer (a kiosk's basket). Built once: see _write_basket."""
    goods = PointsGoods.__table__
    quantity = bindparam("quantity")
    where = [goods.c.id == bindparam("goods"), goods.c.stock + quantity >= 0]
    if from_shelf:
        where += [goods.c.shop_id == bindparam("in_shop"), goods.c.active.is_(True)]
    return (update(goods).where(*where).values(stock=goods.c.stock + quantity)
            .returning(goods.c.stock, goods.c.name, goods.c.price))


_CHANGE_STOCK = _stock_change(from_shelf=False)
_TAKE_FROM_SHELF = _stock_change(from_shelf=True)


def move_stock(goods: PointsGoods, kind: str, quantity: int, *, actor=None, note=None,
               redemption_id=None) -> PointsStockEntry:
    """The one writer of stock: change it by ``quantity`` (signed), never below zero."""
    if quantity == 0:
        raise DomainError(_("数量不能为0。"), field="quantity")
    db.session.flush()
    taken = db.session.execute(_CHANGE_STOCK, {"goods": goods.id, "quantity": quantity}).first()
    if taken is None:
        raise DomainError(_("“%(name)s”库存不足。", name=goods.name), field="quantity")
    set_committed_value(goods, "stock", taken.stock)
    entry = PointsStockEntry(goods_id=goods.id, kind=kind, quantity=quantity,
                             stock_after=taken.stock, redemption_id=redemption_id, note=note,
                             actor_id=getattr(actor, "id", None))
    db.session.add(entry)
    return entry


def create_shop(village, *, name: str, address: str | None, low_stock: int) -> PointsShop:
    """A village's points supermarket; a village's shops have distinct names."""
    if db.session.scalar(select(PointsShop.id).filter_by(grid_id=village.id, name=name)):
        raise DomainError(_("本村已有同名积分超市。"), "name")
    shop = PointsShop(grid_id=village.id, name=name, address=address, low_stock=low_stock)
    db.session.add(shop)
    db.session.flush()
    audit.record("points.shop_create", shop, scope_code=village.code, name=shop.name)
    return shop


def save_goods(goods: PointsGoods, *, name: str, price: int, unit: str | None, active: bool,
               photo_file, action: str) -> PointsGoods:
    """Create or update a shop's goods; a new photo is checked now and written at commit."""
    try:
        photo = prepare_optional(photo_file)
    except UploadError as error:
        raise DomainError(str(error), "photo") from error
    goods.name, goods.price, goods.unit, goods.active = name, price, unit, active
    if photo:
        goods.photo = photo.name
    db.session.add(goods)
    db.session.flush()
    audit.record(action, goods, scope_code=goods.shop.grid.code, name=goods.name,
                 price=goods.price, active=goods.active)
    store_at_commit(photo)
    return goods


def restock(goods: PointsGoods, quantity: int, actor=None, note=None) -> PointsStockEntry:
    if quantity <= 0:
        raise DomainError(_("入库数量必须大于0。"), field="quantity")
    entry = move_stock(goods, "restock", quantity, actor=actor, note=note)
    audit.record("points.restock", goods, scope_code=goods.shop.grid.code, user=actor,
                 quantity=quantity)
    return entry


def find_redemption(key: str) -> PointsRedemption | None:
    return db.session.scalar(select(PointsRedemption).filter_by(idempotency_key=key))


def redeem(shop: PointsShop, account: PointsAccount, basket: dict[int, int], key: str,
           actor=None, expected_total: int | None = None) -> tuple[PointsRedemption, bool]:
    """``redeem_basket``, answering with the redemption itself (loaded again)."""
    redemption_id, made = redeem_basket(shop, account, basket, key, actor=actor,
                                        expected_total=expected_total)
    return db.session.get(PointsRedemption, redemption_id), made


def redeem_basket(shop: PointsShop, account: PointsAccount, basket: dict[int, int], key: str,
                  actor=None, expected_total: int | None = None) -> tuple[int, bool]:
    """Redeem a basket. Returns (redemption id, made now); a key already used returns the
    redemption it made, so a double tap or a retry never redeems twice. Commits or rolls back
    itself, because the idempotency check needs the first attempt's outcome."""
    if not key or len(key) > 64:
        raise DomainError(_("兑换单无效，请重新选择商品。"))
    if not basket:
        done = find_redemption(key)  # a confirm retried with its basket lost: still its receipt
        if done is not None:
            return _same_basket(done, account).id, False
        raise DomainError(_("请先选择要兑换的商品。"))
    if account.town.code != town_code(shop.grid.code):
        raise DomainError(_("该积分卡不属于本镇。"))
    actor_id = getattr(actor, "id", None)  # read now: the commit expires the user
    try:
        # No look-up of the key first: the INSERT's unique key is the check, and a used key (a
        # retry, a double tap) is the rare case that pays for the rollback below.
        redemption_id = _write_basket(shop.id, account, basket, key, actor_id, expected_total)
        db.session.commit()
        return redemption_id, True
    except IntegrityError:
        # The same basket was confirmed before, or by another request a moment ago (which the
        # INSERT waited for): show its receipt.
        db.session.rollback()
        done = find_redemption(key)
        if done is None:
            raise
        return _same_basket(done, account).id, False
    except DomainError:
        db.session.rollback()
        raise


def fill_basket(shop: PointsShop, account: PointsAccount, basket: dict[int, int], key: str,
                actor=None, expected_total: int | None = None) -> PointsRedemption:
    """The writes of a redemption, in the caller's transaction (the caller commits)."""
    redemption_id = _write_basket(shop.id, account, basket, key, getattr(actor, "id", None),
                                  expected_total)
    return db.session.get(PointsRedemption, redemption_id)


_REDEMPTIONS = PointsRedemption.__table__
# The redemption's statements are built once: building a statement (and the key of the compiled
# SQL's cache) costs about what running it does, and the kiosk runs these on every confirm.
_NEW_REDEMPTION = insert(_REDEMPTIONS).returning(_REDEMPTIONS.c.id)
_NEW_STOCK_ENTRIES = insert(PointsStockEntry.__table__)
_NEW_LINES = insert(PointsRedemptionLine.__table__)
_SET_TOTAL = (update(_REDEMPTIONS).where(_REDEMPTIONS.c.id == bindparam("redemption"))
              .values(total=bindparam("sum")))


def _write_basket(shop_id: int, account: PointsAccount, basket: dict[int, int], key: str,
                  actor_id: int | None, expected_total: int | None) -> int:
    """The rows of a redemption, written with Core in the caller's transaction: the redemption
    first (its key, and on SQLite the write lock), each goods' stock taken in the order of their
    ids, the lines and stock entries, then the account debited last by the ledger."""
    db.session.flush()  # what the ORM holds goes first: the rows below bypass it
    at = utcnow()
    redemption_id = db.session.execute(_NEW_REDEMPTION, {
        "shop_id": shop_id, "account_id": account.id, "idempotency_key": key, "total": 0,
        "actor_id": actor_id, "created_at": at}).scalar_one()
    total, lines, moves = 0, [], []
    for goods_id in sorted(basket):
        quantity = basket[goods_id]
        taken = db.session.execute(_TAKE_FROM_SHELF, {"goods": goods_id, "quantity": -quantity,
                                                      "in_shop": shop_id}).first()
        if taken is None:
            raise _refusal(goods_id, shop_id)
        _forget_stock(goods_id, taken.stock)
        moves.append({"goods_id": goods_id, "kind": "redeem", "quantity": -quantity,
                      "stock_after": taken.stock, "redemption_id": redemption_id,
                      "note": None, "actor_id": actor_id, "created_at": at})
        lines.append({"redemption_id": redemption_id, "goods_id": goods_id, "name": taken.name,
                      "price": taken.price, "quantity": quantity})
        total += taken.price * quantity
    if expected_total is not None and total != expected_total:
        raise DomainError(_("商品积分价格已变动，请核对后重新确认。"))
    db.session.execute(_NEW_STOCK_ENTRIES, moves)
    db.session.execute(_NEW_LINES, lines)
    db.session.execute(_SET_TOTAL, {"redemption": redemption_id, "sum": total})
    # the receipt number as PointsRedemption.receipt_number makes it, without loading the row
    number = PointsRedemption.receipt_number.fget(SimpleNamespace(id=redemption_id,
                                                                  created_at=at))
    post_row(account, "redeem", -total, actor_id=actor_id, redemption_id=redemption_id,
             note=_("兑换单 %(n)s", n=number), created_at=at)
    return redemption_id


def _refusal(goods_id: int, shop_id: int) -> DomainError:
    """Why a goods row refused to be taken: gone from the shelf, or not enough left."""
    goods = db.session.execute(select(PointsGoods.name, PointsGoods.shop_id, PointsGoods.active)
                               .where(PointsGoods.id == goods_id)).first()
    if goods is None or goods.shop_id != shop_id or not goods.active:
        return DomainError(_("所选商品已下架，请重新选择。"))
    return DomainError(_("“%(name)s”库存不足。", name=goods.name), field="quantity")


def _forget_stock(goods_id: int, stock: int) -> None:
    """A goods object the session already holds shows the stock just written."""
    goods = db.session.identity_map.get(db.session.identity_key(PointsGoods, goods_id))
    if goods is not None:
        set_committed_value(goods, "stock", stock)


def _same_basket(redemption: PointsRedemption, account: PointsAccount) -> PointsRedemption:
    if redemption.account_id != account.id:
        raise DomainError(_("兑换单无效，请重新选择商品。"))
    return redemption


def reverse_redemption(redemption: PointsRedemption, actor=None, reason=None) -> None:
    """Goods brought back: stock returns and points are refunded, both as new entries."""
    if not reason:
        raise DomainError(_("请说明退货原因。"), field="reason")
    if redemption.reversed_at is not None:
        raise DomainError(_("这张兑换单已经退过。"))
    # Only the request that marks the basket returned puts its goods back: two clicks at once
    # would otherwise return the stock twice.
    at = utcnow()
    done = db.session.execute(
        update(PointsRedemption)
        .where(PointsRedemption.id == redemption.id, PointsRedemption.reversed_at.is_(None))
        .values(reversed_at=at).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise DomainError(_("这张兑换单已经退过。"))
    set_committed_value(redemption, "reversed_at", at)
    for line in redemption.lines:
        move_stock(line.goods, "return", line.quantity, actor=actor, redemption_id=redemption.id,
                   note=reason)
    original = db.session.scalar(select(PointsEntry).filter_by(redemption_id=redemption.id,
                                                               kind="redeem"))
    post(redemption.account, "reverse", redemption.total, actor=actor, reverses=original,
         redemption_id=redemption.id, note=reason)
    audit.record("points.redemption_reverse", redemption, scope_code=redemption.shop.grid.code,
                 user=actor, total=redemption.total, reason=reason)


def shops_in(scope) -> list[PointsShop]:
    from portal.grids.models import Grid
    from portal.tenancy import in_subtree_where_on

    return db.session.scalars(select(PointsShop).join(Grid, Grid.id == PointsShop.grid_id)
                              .where(in_subtree_where_on("points", scope))
                              .order_by(Grid.code, PointsShop.id)).all()


def account_by_token(token: str, town_id: int) -> PointsAccount | None:
    token = (token or "").strip()
    if token.upper().startswith("PTS:"):
        token = token[4:]
    return db.session.scalar(select(PointsAccount).filter_by(card_token=token, town_id=town_id))
