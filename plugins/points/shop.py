"""Goods, stock and the kiosk redemption.

A redemption is one transaction: the redemption row first (its unique idempotency key makes a
second confirm of the same basket wait for, then find, the first), then each goods row's stock and
the account's balance debited by conditional UPDATEs in a fixed order (goods by id, the account
last), so two kiosks never deadlock and never both get the last item or the last points.
"""
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from portal import audit
from portal.errors import DomainError
from portal.extensions import db
from portal.tenancy import town_of
from portal.timeutil import utcnow
from portal.uploads import UploadError, prepare_optional, store_at_commit

from .ledger import post
from .models import (PointsAccount, PointsEntry, PointsGoods, PointsRedemption,
                     PointsRedemptionLine, PointsShop, PointsStockEntry)

MAX_QUANTITY = 99


def move_stock(goods: PointsGoods, kind: str, quantity: int, *, actor=None, note=None,
               redemption_id=None) -> PointsStockEntry:
    """The one writer of stock: change it by ``quantity`` (signed), never below zero."""
    if quantity == 0:
        raise DomainError(_("数量不能为0。"), field="quantity")
    db.session.flush()
    stock = db.session.execute(
        update(PointsGoods).where(PointsGoods.id == goods.id, PointsGoods.stock + quantity >= 0)
        .values(stock=PointsGoods.stock + quantity).returning(PointsGoods.stock)
    ).scalar_one_or_none()
    if stock is None:
        raise DomainError(_("“%(name)s”库存不足。", name=goods.name), field="quantity")
    set_committed_value(goods, "stock", stock)
    entry = PointsStockEntry(goods_id=goods.id, kind=kind, quantity=quantity, stock_after=stock,
                             redemption_id=redemption_id, note=note,
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
    """Redeem a basket. Returns (redemption, made now); a key already used returns the redemption
    it made, so a double tap or a retry never redeems twice. Commits or rolls back itself, because
    the idempotency check needs the first attempt's outcome."""
    if not key or len(key) > 64:
        raise DomainError(_("兑换单无效，请重新选择商品。"))
    done = find_redemption(key)
    if done is not None:
        return _same_basket(done, account), False
    if not basket:
        raise DomainError(_("请先选择要兑换的商品。"))
    if account.town_id != town_of(shop.grid).id:
        raise DomainError(_("该积分卡不属于本镇。"))
    try:
        redemption = fill_basket(shop, account, basket, key, actor=actor,
                                 expected_total=expected_total)
        db.session.commit()
        return redemption, True
    except IntegrityError:
        # The same basket was confirmed by another request a moment ago: show its receipt.
        db.session.rollback()
        done = find_redemption(key)
        if done is None:
            raise
        return _same_basket(done, account), False
    except DomainError:
        db.session.rollback()
        raise


def fill_basket(shop: PointsShop, account: PointsAccount, basket: dict[int, int], key: str,
                actor=None, expected_total: int | None = None) -> PointsRedemption:
    """The writes of a redemption, in the caller's transaction (the caller commits)."""
    redemption = PointsRedemption(shop_id=shop.id, account_id=account.id, idempotency_key=key,
                                  total=0, actor_id=getattr(actor, "id", None))
    db.session.add(redemption)
    db.session.flush()  # takes the key (and, on SQLite, the write lock) first
    total = 0
    for goods_id in sorted(basket):
        quantity = basket[goods_id]
        goods = db.session.get(PointsGoods, goods_id)
        if goods is None or goods.shop_id != shop.id or not goods.active:
            raise DomainError(_("所选商品已下架，请重新选择。"))
        move_stock(goods, "redeem", -quantity, actor=actor, redemption_id=redemption.id)
        db.session.add(PointsRedemptionLine(redemption_id=redemption.id, goods_id=goods.id,
                                            name=goods.name, price=goods.price,
                                            quantity=quantity))
        total += goods.price * quantity
    if expected_total is not None and total != expected_total:
        raise DomainError(_("商品积分价格已变动，请核对后重新确认。"))
    redemption.total = total
    post(account, "redeem", -total, actor=actor, redemption_id=redemption.id,
         note=_("兑换单 %(n)s", n=redemption.receipt_number))
    return redemption


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
