"""Points staff pages: the overview, accounts and their statements (adjust, reverse, change
category, reissue a card), redemptions and their reversal, and the printable cards."""
from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.grids.models import GRID, SPECIAL, Grid
from portal.grids.services import grids_in
from portal.pagination import empty_page, paginate
from portal.people.models import Household, Resident
from portal.people.number_search import status_for
from portal.people.search import SearchRefused
from portal.permissions import requires
from portal.rendering import render
from portal.request_guard import parse_id
from portal.tenancy import in_subtree_where_on, load_scoped, scoped_grid_arg
from portal.timeutil import local_today
from portal.web import run_action, submit_form

from . import export, ledger, reports
from . import shop as shops
from .forms import AdjustForm, CategoryForm, ReasonForm
from .models import PointsAccount, PointsEntry, PointsRedemption


PAGE_SIZE = 50


# ---------------------------------------------------------------- overview


@requires("points.view")
def index():
    scope = current_user.scope
    today = local_today()
    return render("points/index.html", scope=scope, totals=reports.totals(scope),
                  months=reports.monthly(scope, today, 3), shops=shops.shops_in(scope),
                  low=reports.low_stock(scope))


# ---------------------------------------------------------------- accounts and statements


def account_query(scope: Grid, q: str | None, grid: Grid | None):
    query = (select(PointsAccount).join(Grid, Grid.id == PointsAccount.grid_id)
             .where(in_subtree_where_on("points", grid or scope)))
    if q:
        from portal.people.search import search_residents

        found = search_residents(grid or scope, q, limit=200)
        query = query.where(or_(PointsAccount.resident_id.in_([r.id for r in found]),
                                PointsAccount.household_id.in_([r.household_id for r in found])))
    return query.options(joinedload(PointsAccount.grid),
                         joinedload(PointsAccount.resident),
                         joinedload(PointsAccount.household).selectinload(Household.members))


@requires("points.view")
def accounts():
    q = request.args.get("q", "").strip()
    grid = scoped_grid_arg(request.args.get("grid"))

    grids = db.session.scalars(grids_in(current_user.scope)
                               .where(Grid.level.in_((GRID, SPECIAL)),
                                      in_subtree_where_on("points", current_user.scope))).all()
    try:
        query = account_query(current_user.scope, q, grid)
    except SearchRefused as refusal:  # digits a mask hides: told where the accounts would be
        return render("points/accounts.html", "points/_account_rows.html", q=q, grid=grid,
                      grids=grids, refusal=refusal,
                      **empty_page().context()), status_for(refusal)
    listing = paginate(query.order_by(Grid.code, PointsAccount.id), PAGE_SIZE, unique=True)
    return render("points/accounts.html", "points/_account_rows.html", q=q, grid=grid,
                  grids=grids, **listing.context())


def statement_entries(account: PointsAccount):
    return db.session.scalars(
        select(PointsEntry).filter_by(account_id=account.id).order_by(PointsEntry.id.desc())
        .options(joinedload(PointsEntry.rule), joinedload(PointsEntry.actor),
                 joinedload(PointsEntry.redemption).selectinload(PointsRedemption.lines))).all()


def reversed_ids(account: PointsAccount) -> set[int]:
    return set(db.session.scalars(select(PointsEntry.reverses_id).where(
        PointsEntry.account_id == account.id, PointsEntry.reverses_id.is_not(None))))


def _statement(account, adjust_form=None, reason_form=None, category_form=None):
    category_form = category_form or CategoryForm(category=account.category)
    return render("points/statement.html", account=account, entries=statement_entries(account),
                  reversed=reversed_ids(account), adjust_form=adjust_form or AdjustForm(),
                  reason_form=reason_form or ReasonForm(), category_form=category_form,
                  scope=account.grid)


@requires("points.view")
def statement(account_id):
    return _statement(load_scoped(PointsAccount, account_id))


@requires("points.view")
def statement_xlsx(account_id):
    account = load_scoped(PointsAccount, account_id)
    return export.statement(account, statement_entries(account))


@requires("points.correct")
def adjust(account_id):
    account = load_scoped(PointsAccount, account_id)
    form = AdjustForm()
    return submit_form(
        form, lambda: ledger.adjust(account, form.points.data, actor=current_user,
                                    reason=form.reason.data),
        done=lambda _entry: _("已调整 %(p)+d 分。", p=form.points.data),
        then=url_for("points.statement", account_id=account.id),
        page=lambda: _statement(account, adjust_form=form))


@requires("points.correct")
def set_category(account_id):
    account = load_scoped(PointsAccount, account_id)
    form = CategoryForm()
    return submit_form(
        form, lambda: ledger.set_category(account, form.category.data),
        done=_("已修改积分类别。"), then=url_for("points.statement", account_id=account.id),
        page=lambda: _statement(account, category_form=form))


@requires("points.cards")
def reissue_card(account_id):
    account = load_scoped(PointsAccount, account_id)
    return run_action(lambda: ledger.reissue_card(account, actor=current_user),
                      done=_("已补办积分卡，旧卡作废。请打印新卡。"),
                      then=url_for("points.cards", account=account.id))


@requires("points.correct")
def reverse_entry(entry_id):
    entry = load_scoped(PointsEntry, entry_id)
    form = ReasonForm()
    return submit_form(
        form, lambda: ledger.reverse(entry, actor=current_user, reason=form.reason.data),
        done=_("已冲正。"), then=url_for("points.statement", account_id=entry.account_id),
        page=lambda: _statement(entry.account, reason_form=form))


@requires("points.view")
def redemption(redemption_id):
    item = load_scoped(PointsRedemption, redemption_id)
    return render("points/redemption.html", redemption=item, form=ReasonForm(),
                  scope=item.account.grid)


@requires("points.correct")
def reverse_redemption(redemption_id):
    item = load_scoped(PointsRedemption, redemption_id)
    form = ReasonForm()
    return submit_form(
        form, lambda: shops.reverse_redemption(item, actor=current_user, reason=form.reason.data),
        done=_("已退货，积分已退回。"), then=url_for("points.redemption", redemption_id=item.id),
        page=lambda: render("points/redemption.html", redemption=item, form=form,
                            scope=item.account.grid))


# ---------------------------------------------------------------- cards


@requires("points.cards")
def cards():
    """Printable points cards with the QR code the kiosk scans: one account, or a grid's."""
    account_id = request.args.get("account", type=parse_id)
    grid = scoped_grid_arg(request.values.get("grid"))
    if request.method == "POST":
        if grid is None:
            abort(400)
        return run_action(lambda: ledger.open_accounts(grid),
                          done=lambda opened: _("已为 %(n)d 户/人开立积分账户。", n=opened),
                          then=url_for("points.cards", grid=grid.id))
    if account_id:
        rows = [load_scoped(PointsAccount, account_id)]
    elif grid is not None:
        rows = db.session.scalars(
            select(PointsAccount).filter_by(grid_id=grid.id).order_by(PointsAccount.id)
            .options(joinedload(PointsAccount.town), joinedload(PointsAccount.grid),
                     joinedload(PointsAccount.resident).joinedload(Resident.household),
                     joinedload(PointsAccount.household).selectinload(Household.members))
        ).unique().all()
    else:
        rows = []
    grids = db.session.scalars(grids_in(current_user.scope)
                               .where(Grid.level.in_((GRID, SPECIAL)),
                                      in_subtree_where_on("points", current_user.scope))).all()
    return render("points/cards.html", rows=rows, grid=grid, grids=grids, qr=export.card_qr)
