"""The kiosk at the village points supermarket: full screen, big buttons, no menus.

Identify (scan the card, or type name / pinyin initials / last phone digits and confirm by the
household) → choose goods → check the basket → confirm → receipt. Reading pages never write: an
account is opened by staff (cards page or first award), not by the kiosk.
"""
import uuid

from flask import abort, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.errors import DomainError
from portal.extensions import db
from portal.people.search import find_residents, refusal_status
from portal.permissions import requires
from portal.rendering import render
from portal.tenancy import load_scoped, town_of
from portal.web import REFUSED, refuse

from . import ledger
from . import shop as shops
from .forms import BasketForm
from .models import PointsAccount, PointsEntry, PointsGoods, PointsRedemption, PointsShop


def kiosk_shop(shop_id) -> PointsShop:
    shop = load_scoped(PointsShop, shop_id)
    if not shop.active:
        abort(404)
    return shop


def shop_account(shop: PointsShop, account_id: int) -> PointsAccount:
    """An account of the shop's town (a neighbouring village's resident may shop here too)."""
    account = db.session.get(PointsAccount, account_id)
    if account is None or account.town_id != town_of(shop.grid).id:
        abort(404)
    return account


@requires("points.redeem")
def start():
    available = [s for s in shops.shops_in(current_user.scope) if s.active]
    if len(available) == 1:
        return redirect(url_for("points_kiosk.identify", shop_id=available[0].id))
    return render("points/kiosk/start.html", shops=available)


@requires("points.redeem")
def identify(shop_id):
    return render("points/kiosk/identify.html", shop=kiosk_shop(shop_id))


@requires("points.redeem")
def find(shop_id):
    """A scanned card goes straight to its account; typed text lists the people it matches with
    their household, so the operator confirms the right family."""
    shop = kiosk_shop(shop_id)
    q = request.args.get("q", "").strip()
    town = town_of(shop.grid)
    account = shops.account_by_token(q, town.id) if q else None
    if account is not None:
        target = url_for("points_kiosk.basket", shop_id=shop.id, account_id=account.id)
        if request.headers.get("HX-Request"):
            return "", 204, {"HX-Redirect": target}
        return redirect(target)
    # e.g. 5 or 6 trailing digits of an ID number: refused, and told on the screen
    found, refusal = find_residents(town, q, limit=12) if not q.upper().startswith("PTS:") \
        else ([], None)
    results = [(resident, ledger.account_for(resident, create=False)) for resident in found]
    return render("points/kiosk/identify.html", "points/kiosk/_results.html", shop=shop, q=q,
                  results=results, searched=bool(q), refusal=refusal), refusal_status(refusal)


def _goods(shop):
    return db.session.scalars(select(PointsGoods).filter_by(shop_id=shop.id, active=True)
                              .order_by(PointsGoods.price, PointsGoods.name)).all()


def _basket_form(shop) -> BasketForm:
    """Quantities of every goods of the shop, on offer or not: one taken off the shelf while
    the basket was open is refused by name, not dropped."""
    return BasketForm.over(db.session.scalars(select(PointsGoods.id).filter_by(shop_id=shop.id)))


def _basket_page(shop, account, form: BasketForm):
    return render("points/kiosk/basket.html", shop=shop, account=account, goods=_goods(shop),
                  form=form, key=form.key.data, chosen=form.chosen())


@requires("points.redeem")
def basket(shop_id, account_id):
    shop = kiosk_shop(shop_id)
    account = shop_account(shop, account_id)
    form = _basket_form(shop)
    # One key per basket, made when the page is drawn: every confirm of this basket carries it.
    form.key.data = request.args.get("key") or uuid.uuid4().hex
    return _basket_page(shop, account, form)


@requires("points.redeem")
def review(shop_id, account_id):
    """The basket read back before anything is taken: lines, total, balance after."""
    shop = kiosk_shop(shop_id)
    account = shop_account(shop, account_id)
    form = _basket_form(shop)
    if not form.validate_on_submit():
        return _basket_page(shop, account, form), REFUSED
    try:
        chosen = form.chosen()
        if not chosen:
            raise DomainError(_("请先选择要兑换的商品。"))
        goods = {g.id: g for g in _goods(shop)}
        if any(goods_id not in goods for goods_id in chosen):
            raise DomainError(_("所选商品已下架，请重新选择。"))
        lines = [(goods[i], n) for i, n in sorted(chosen.items())]
        for item, quantity in lines:
            if item.stock < quantity:
                raise DomainError(_("“%(name)s”库存不足，只剩 %(n)d。", name=item.name, n=item.stock))
        total = sum(item.price * quantity for item, quantity in lines)
        if total > account.balance:
            raise DomainError(_("积分不足：当前余额 %(b)d 分，需要 %(n)d 分。",
                                b=account.balance, n=total))
    except DomainError as error:
        refuse(form, error)
        return _basket_page(shop, account, form), REFUSED
    return render("points/kiosk/review.html", shop=shop, account=account, lines=lines,
                  total=total, key=form.key.data)


@requires("points.redeem")
def redeem(shop_id, account_id):
    shop = kiosk_shop(shop_id)
    account = shop_account(shop, account_id)
    form = _basket_form(shop)
    if form.validate_on_submit():
        try:
            redemption, _made = shops.redeem(shop, account, form.chosen(), form.key.data or "",
                                             actor=current_user,
                                             expected_total=form.expected_total())
            return redirect(url_for("points_kiosk.receipt", redemption_id=redemption.id))
        except DomainError as error:
            refuse(form, error)
    form.key.data = uuid.uuid4().hex  # the basket is drawn again: a new basket, a new key
    return _basket_page(shop, account, form), 409


@requires("points.redeem")
def receipt(redemption_id):
    item = load_scoped(PointsRedemption, redemption_id, via="shop.grid.code")
    debit = db.session.scalar(select(PointsEntry).filter_by(redemption_id=item.id, kind="redeem"))
    return render("points/kiosk/receipt.html", redemption=item, shop=item.shop,
                  balance_after=debit.balance_after)
