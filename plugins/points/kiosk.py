"""The kiosk at the village points supermarket: full screen, big buttons, no menus.

Identify (scan the card, or type name / pinyin initials / last phone digits and confirm by the
household) → choose goods → check the basket → confirm → receipt. Reading pages never write: an
account is opened by staff (cards page or first award), not by the kiosk.

The next person at the kiosk never sees the last one: the session remembers one *visit* at a time
(which resident is being served, their last receipt). The start page begins a new visit and so
forgets the last, whether 重新开始 was tapped or the screen went idle (kiosk.js); a page of an
earlier visit (the browser's Back, a reload, a receipt's URL) sends the kiosk to the start
instead of showing it, and a visit untouched for POINTS_KIOSK_STATE_SECONDS is forgotten too.
"""
import uuid
from functools import cache

from flask import abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from portal.errors import DomainError
from portal.extensions import db
from portal.people.models import Household, Resident
from portal.people.search import find_residents, refusal_status
from portal.permissions import requires
from portal.rendering import render
from portal.tenancy import load_scoped, town_code, town_of
from portal.timeutil import utcnow
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


def shop_account(shop: PointsShop, account_id: int, *, with_owner: bool = False) -> PointsAccount:
    """An account of the shop's town (a neighbouring village's resident may shop here too),
    loaded with its town and, for a page that names its owner, the owner's household, in one
    statement."""
    found = db.session.execute(_account_statement(with_owner), {"account_id": account_id})
    account = found.unique().scalar_one_or_none()
    if account is None or account.town.code != town_code(shop.grid.code):
        abort(404)
    return account


@cache
def _account_statement(with_owner: bool):
    """Built once: the kiosk's pages are light, and building a statement with its options each
    request cost as much as running it."""
    statement = (select(PointsAccount).where(PointsAccount.id == bindparam("account_id"))
                 .options(joinedload(PointsAccount.town)))
    if with_owner:  # owner_name and home read these
        statement = statement.options(
            joinedload(PointsAccount.household).joinedload(Household.members),
            joinedload(PointsAccount.resident).joinedload(Resident.household))
    return statement


# ---------------------------------------------------------------- the visit (who is served now)

VISIT = "points_kiosk"


def _now() -> float:
    return utcnow().timestamp()


def begin_visit(shop_id: int) -> dict:
    """A new visit at the shop: nobody identified, no receipt; the last visit is forgotten."""
    visit = {"shop": shop_id, "id": uuid.uuid4().hex[:16], "account": None, "receipt": None,
             "at": _now()}
    session[VISIT] = visit
    return visit


def current_visit(shop: PointsShop) -> dict | None:
    """The visit under way at ``shop``, or None (none, another shop's, or left too long)."""
    visit = session.get(VISIT)
    if not visit or visit.get("shop") != shop.id:
        return None
    if _now() - visit.get("at", 0) > current_app.config["POINTS_KIOSK_STATE_SECONDS"]:
        session.pop(VISIT, None)
        return None
    visit["at"] = _now()
    session.modified = True
    return visit


def visit_of_request(shop: PointsShop) -> dict | None:
    """The visit a page asks for with ``?v=``: the current one, or None when ``v`` names an
    earlier visit (a page from the history). A URL without ``v`` (typed, or a card scanned into
    the address) begins a visit when none is under way."""
    visit = current_visit(shop)
    wanted = request.args.get("v")
    if wanted:
        return visit if visit is not None and visit["id"] == wanted else None
    return visit or begin_visit(shop.id)


def _serve(visit: dict, account_id: int) -> None:
    if visit["account"] != account_id:
        visit.update(account=account_id, receipt=None)
    session.modified = True


def back_to_start(shop: PointsShop, *, told: bool = True):
    """Off to the start page (which begins a new visit), telling why."""
    if told:
        flash(_("已回到首页，请重新开始。"), "info")
    target = url_for("points_kiosk.identify", shop_id=shop.id)
    if request.headers.get("HX-Request"):
        return "", 204, {"HX-Redirect": target}
    return redirect(target, 303 if request.method == "POST" else 302)


def _serves(shop: PointsShop, account: PointsAccount) -> dict | None:
    visit = current_visit(shop)
    return visit if visit is not None and visit["account"] == account.id else None


# ---------------------------------------------------------------- pages


@requires("points.redeem")
def start():
    session.pop(VISIT, None)
    available = [s for s in shops.shops_in(current_user.scope) if s.active]
    if len(available) == 1:
        return redirect(url_for("points_kiosk.identify", shop_id=available[0].id))
    return render("points/kiosk/start.html", shops=available)


@requires("points.redeem")
def identify(shop_id):
    """The start page: a new visit begins here, so nothing of the last person is kept."""
    shop = kiosk_shop(shop_id)
    return render("points/kiosk/identify.html", shop=shop, visit=begin_visit(shop.id))


@requires("points.redeem")
def leave():
    """Leaving the kiosk (logging the operator out) is asked twice: a resident who taps it by
    mistake is one tap (or the idle timer) away from the start."""
    return render("points/kiosk/leave.html")


@requires("points.redeem")
def find(shop_id):
    """A scanned card goes straight to its account; typed text lists the people it matches with
    their household, so the operator confirms the right family."""
    shop = kiosk_shop(shop_id)
    visit = visit_of_request(shop)
    if visit is None:
        return back_to_start(shop)
    q = request.args.get("q", "").strip()
    town = town_of(shop.grid)
    account = shops.account_by_token(q, town.id) if q else None
    if account is not None:
        _serve(visit, account.id)
        target = url_for("points_kiosk.basket", shop_id=shop.id, account_id=account.id,
                         v=visit["id"])
        if request.headers.get("HX-Request"):
            return "", 204, {"HX-Redirect": target}
        return redirect(target)
    # e.g. 5 or 6 trailing digits of an ID number: refused, and told on the screen
    found, refusal = find_residents(town, q, limit=12) if not q.upper().startswith("PTS:") \
        else ([], None)
    results = [(resident, ledger.account_for(resident, create=False)) for resident in found]
    return render("points/kiosk/identify.html", "points/kiosk/_results.html", shop=shop, q=q,
                  visit=visit, results=results, searched=bool(q),
                  refusal=refusal), refusal_status(refusal)


def _shelf(shop) -> list[PointsGoods]:
    """Every goods of the shop, on offer or not, in the kiosk's order: the basket's form needs
    them all (one taken off the shelf while the basket was open is refused by name, not
    dropped), the page those on offer (``_on_offer``)."""
    return db.session.scalars(_SHELF, {"shop_id": shop.id}).all()


_SHELF = (select(PointsGoods).where(PointsGoods.shop_id == bindparam("shop_id"))
          .order_by(PointsGoods.price, PointsGoods.name, PointsGoods.id))
#: The ids alone, for the confirm: it shows no goods.
_GOODS_IDS = select(PointsGoods.id).where(PointsGoods.shop_id == bindparam("shop_id"))


def _on_offer(shelf: list[PointsGoods]) -> list[PointsGoods]:
    return [goods for goods in shelf if goods.active]


def _basket_form(shop, shelf: list[PointsGoods] | None = None) -> BasketForm:
    """Quantities of every goods of the shop (``shelf`` when the page has it already)."""
    if shelf is None:
        return BasketForm.over(db.session.scalars(_GOODS_IDS, {"shop_id": shop.id}))
    return BasketForm.over(goods.id for goods in shelf)


def _basket_page(shop, account, form: BasketForm, visit: dict, shelf=None):
    goods = _on_offer(_shelf(shop) if shelf is None else shelf)
    return render("points/kiosk/basket.html", shop=shop, account=account, goods=goods,
                  form=form, key=form.key.data, chosen=form.chosen(), visit=visit)


@requires("points.redeem")
def basket(shop_id, account_id):
    shop = kiosk_shop(shop_id)
    account = shop_account(shop, account_id, with_owner=True)
    visit = visit_of_request(shop)
    if visit is None:  # an earlier visit's basket (Back, a reload after the kiosk went idle)
        return back_to_start(shop)
    _serve(visit, account.id)
    shelf = _shelf(shop)
    form = _basket_form(shop, shelf)
    # One key per basket, made when the page is drawn: every confirm of this basket carries it.
    form.key.data = request.args.get("key") or uuid.uuid4().hex
    return _basket_page(shop, account, form, visit, shelf)


@requires("points.redeem")
def review(shop_id, account_id):
    """The basket read back before anything is taken: lines, total, balance after."""
    shop = kiosk_shop(shop_id)
    account = shop_account(shop, account_id, with_owner=True)
    visit = _serves(shop, account)
    if visit is None:  # the kiosk has moved on to someone else, or went idle
        return back_to_start(shop)
    shelf = _shelf(shop)
    form = _basket_form(shop, shelf)
    if not form.validate_on_submit():
        return _basket_page(shop, account, form, visit, shelf), REFUSED
    try:
        chosen = form.chosen()
        if not chosen:
            raise DomainError(_("请先选择要兑换的商品。"))
        goods = {g.id: g for g in _on_offer(shelf)}
        if any(goods_id not in goods for goods_id in chosen):
            raise DomainError(_("所选商品已下架，请重新选择。"))
        lines = [(goods[i], n) for i, n in sorted(chosen.items())]
        for item, quantity in lines:
            if item.stock < quantity:
                raise DomainError(_("“%(name)s”库存不足，只剩 %(n)d。", name=item.name, n=item.stock))
        total = sum(item.price * quantity for item, quantity in lines)
        held = ledger.held_points(account.id)
        if total > account.balance - held:
            raise DomainError(_("积分不足：当前余额 %(b)d 分，其中 %(h)d 分尚在公示期、暂不能兑换，"
                                "需要 %(n)d 分。", b=account.balance, h=held, n=total) if held else
                              _("积分不足：当前余额 %(b)d 分，需要 %(n)d 分。",
                                b=account.balance, n=total))
    except DomainError as error:
        refuse(form, error)
        return _basket_page(shop, account, form, visit, shelf), REFUSED
    return render("points/kiosk/review.html", shop=shop, account=account, lines=lines,
                  total=total, key=form.key.data, visit=visit)


@requires("points.redeem")
def redeem(shop_id, account_id):
    shop = kiosk_shop(shop_id)
    account = shop_account(shop, account_id)
    form = _basket_form(shop)
    # A confirm is the operator's to send whoever the kiosk shows (a retry after a lost answer,
    # a second kiosk); what comes back is shown only to the visit serving this account.
    visit = _serves(shop, account)
    if form.validate_on_submit():
        # the redemption's commit expires both: reading their ids after it would load each of
        # them again (two statements of a redemption's thirteen)
        shop_id, account_id = shop.id, account.id
        try:
            redemption_id, _made = shops.redeem_basket(
                shop, account, form.chosen(), form.key.data or "", actor=current_user,
                expected_total=form.expected_total())
            if visit is None:
                visit = begin_visit(shop_id)
                _serve(visit, account_id)
            visit["receipt"] = redemption_id
            return redirect(url_for("points_kiosk.receipt", redemption_id=redemption_id))
        except DomainError as error:
            refuse(form, error)
    if visit is None:  # refused, and this resident is no longer the one at the kiosk
        flash(_("兑换没有完成，请重新开始。"), "error")
        return render("points/kiosk/identify.html", shop=shop, visit=begin_visit(shop.id)), 409
    form.key.data = uuid.uuid4().hex  # the basket is drawn again: a new basket, a new key
    return _basket_page(shop, account, form, visit), 409


@requires("points.redeem")
def receipt(redemption_id):
    """The receipt, right after the redemption only: a later visit (the next person, Back, the
    URL typed again) is sent to the start; the office finds it under the account's statement."""
    item = load_scoped(PointsRedemption, redemption_id, via="shop.grid.code")
    visit = current_visit(item.shop)
    if visit is None or visit["receipt"] != item.id:
        return back_to_start(item.shop, told=False)
    debit = db.session.scalar(select(PointsEntry).filter_by(redemption_id=item.id, kind="redeem"))
    return render("points/kiosk/receipt.html", redemption=item, shop=item.shop,
                  balance_after=debit.balance_after, visit=visit)
