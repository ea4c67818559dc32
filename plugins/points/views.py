"""The staff side of the points supermarket: accounts and statements, awards, rules, shops and
goods, cards, reports, and a resident's own statement."""
from datetime import date, datetime, timedelta

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from portal.admin.blueprint import chosen_town
from portal.extensions import db
from portal.forms import choices, refuse
from portal.grids.models import GRID, SPECIAL, VILLAGE, Grid
from portal.grids.services import grids_in
from portal.modules.services import town_of
from portal.people.models import Household, Resident
from portal.people.number_search import status_for
from portal.people.scoping import scoped_grid_arg
from portal.people.search import SearchRefused
from portal.permissions import can, requires
from portal.plugins import in_subtree_where_on, require_module_at
from portal.rendering import render
from portal.request_guard import parse_id
from portal.scoping import in_user_scope, scoped
from portal.ui import page_number
from portal.uploads import UploadError, prepare_optional, send_photo, stored
from portal.timeutil import local_today

from . import export, ledger, reports
from . import shop as shops
from .forms import (
    AdjustForm,
    AwardForm,
    CategoryForm,
    GoodsForm,
    OwnerForm,
    ReasonForm,
    RestockForm,
    RuleForm,
    ShopForm,
)
from .ledger import PointsError
from .models import (
    PointsAccount,
    PointsEntry,
    PointsGoods,
    PointsRedemption,
    PointsRule,
    PointsShop,
    PointsStockEntry,
)

bp = Blueprint("points", __name__, url_prefix="/points", template_folder="templates",
               static_folder="static")

PAGE_SIZE = 50


# ---------------------------------------------------------------- loading within scope


def scoped_account(account_id) -> PointsAccount:
    return scoped(PointsAccount, account_id, lambda a: a.grid.code)


def scoped_shop(shop_id) -> PointsShop:
    return scoped(PointsShop, shop_id, lambda s: s.grid.code)


def scoped_goods(goods_id) -> PointsGoods:
    return scoped(PointsGoods, goods_id, lambda g: g.shop.grid.code)


# ---------------------------------------------------------------- overview


@bp.route("/")
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


@bp.route("/accounts")
@requires("points.view")
def accounts():
    q = request.args.get("q", "").strip()
    grid = scoped_grid_arg(request.args.get("grid"))
    page = page_number()
    grids = db.session.scalars(grids_in(current_user.scope)
                               .where(Grid.level.in_((GRID, SPECIAL)),
                                      in_subtree_where_on("points", current_user.scope))).all()
    try:
        query = account_query(current_user.scope, q, grid)
    except SearchRefused as refusal:  # digits a mask hides: told where the accounts would be
        return render("points/accounts.html", "points/_account_rows.html", rows=[],
                      has_more=False, page=page, q=q, grid=grid, grids=grids,
                      refusal=refusal), status_for(refusal)
    rows = db.session.scalars(query.order_by(Grid.code, PointsAccount.id)
                              .limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)).unique().all()
    return render("points/accounts.html", "points/_account_rows.html", rows=rows[:PAGE_SIZE],
                  has_more=len(rows) > PAGE_SIZE, page=page, q=q, grid=grid, grids=grids)


def statement_entries(account: PointsAccount):
    return db.session.scalars(
        select(PointsEntry).filter_by(account_id=account.id).order_by(PointsEntry.id.desc())
        .options(joinedload(PointsEntry.rule), joinedload(PointsEntry.actor),
                 joinedload(PointsEntry.redemption).selectinload(PointsRedemption.lines))).all()


def reversed_ids(account: PointsAccount) -> set[int]:
    return set(db.session.scalars(select(PointsEntry.reverses_id).where(
        PointsEntry.account_id == account.id, PointsEntry.reverses_id.is_not(None))))


def _statement(account, adjust_form=None, reason_form=None, status=200):
    category_form = CategoryForm(category=account.category)
    return render("points/statement.html", account=account, entries=statement_entries(account),
                  reversed=reversed_ids(account), adjust_form=adjust_form or AdjustForm(),
                  reason_form=reason_form or ReasonForm(), category_form=category_form,
                  scope=account.grid), status


@bp.route("/accounts/<int:account_id>")
@requires("points.view")
def statement(account_id):
    return _statement(scoped_account(account_id))


@bp.route("/accounts/<int:account_id>/statement.xlsx")
@requires("points.view")
def statement_xlsx(account_id):
    account = scoped_account(account_id)
    return export.statement(account, statement_entries(account))


@bp.route("/accounts/<int:account_id>/adjust", methods=["POST"])
@requires("points.correct")
def adjust(account_id):
    account = scoped_account(account_id)
    form = AdjustForm()
    if form.validate_on_submit():
        try:
            ledger.adjust(account, form.points.data, actor=current_user, reason=form.reason.data)
            db.session.commit()
            flash(_("已调整 %(p)+d 分。", p=form.points.data), "success")
            return redirect(url_for("points.statement", account_id=account.id))
        except PointsError as error:
            refuse(form, error)
    return _statement(account, adjust_form=form, status=400)


@bp.route("/accounts/<int:account_id>/category", methods=["POST"])
@requires("points.correct")
def set_category(account_id):
    from portal import audit

    account = scoped_account(account_id)
    form = CategoryForm()
    if not form.validate_on_submit():
        return _statement(account, status=400)
    audit.record("points.category", account, scope_code=account.grid.code,
                 old=account.category, new=form.category.data)
    account.category = form.category.data
    db.session.commit()
    flash(_("已修改积分类别。"), "success")
    return redirect(url_for("points.statement", account_id=account.id))


@bp.route("/accounts/<int:account_id>/card", methods=["POST"])
@requires("points.cards")
def reissue_card(account_id):
    account = scoped_account(account_id)
    ledger.reissue_card(account, actor=current_user)
    db.session.commit()
    flash(_("已补办积分卡，旧卡作废。请打印新卡。"), "success")
    return redirect(url_for("points.cards", account=account.id))


@bp.route("/entries/<int:entry_id>/reverse", methods=["POST"])
@requires("points.correct")
def reverse_entry(entry_id):
    entry = scoped(PointsEntry, entry_id, lambda e: e.account.grid.code)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            ledger.reverse(entry, actor=current_user, reason=form.reason.data)
            db.session.commit()
            flash(_("已冲正。"), "success")
            return redirect(url_for("points.statement", account_id=entry.account_id))
        except PointsError as error:
            refuse(form, error)
    return _statement(entry.account, reason_form=form, status=400)


@bp.route("/redemptions/<int:redemption_id>")
@requires("points.view")
def redemption(redemption_id):
    item = scoped(PointsRedemption, redemption_id, lambda r: r.account.grid.code)
    return render("points/redemption.html", redemption=item, form=ReasonForm(),
                  scope=item.account.grid)


@bp.route("/redemptions/<int:redemption_id>/reverse", methods=["POST"])
@requires("points.correct")
def reverse_redemption(redemption_id):
    item = scoped(PointsRedemption, redemption_id, lambda r: r.account.grid.code)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            shops.reverse_redemption(item, actor=current_user, reason=form.reason.data)
            db.session.commit()
            flash(_("已退货，积分已退回。"), "success")
            return redirect(url_for("points.redemption", redemption_id=item.id))
        except PointsError as error:
            refuse(form, error)
    return render("points/redemption.html", redemption=item, form=form,
                  scope=item.account.grid), 400


# ---------------------------------------------------------------- cards


@bp.route("/cards", methods=["GET", "POST"])
@requires("points.cards")
def cards():
    """Printable points cards with the QR code the kiosk scans: one account, or a grid's."""
    account_id = request.args.get("account", type=parse_id)
    grid = scoped_grid_arg(request.values.get("grid"))
    if request.method == "POST":
        if grid is None:
            abort(400)
        opened = 0
        households = db.session.scalars(select(Household).filter_by(grid_id=grid.id, moved_out_at=None)
                                        .options(selectinload(Household.members))).all()
        for household in households:
            if not household.active_members:
                continue
            targets = ([None] if ledger.owner_mode(town_of(grid)) == "household"
                       else household.active_members)
            for resident in targets:
                if ledger.account_for(resident, household, create=False) is None:
                    ledger.account_for(resident, household)
                    opened += 1
        db.session.commit()
        flash(_("已为 %(n)d 户/人开立积分账户。", n=opened), "success")
        return redirect(url_for("points.cards", grid=grid.id))
    if account_id:
        rows = [scoped_account(account_id)]
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


# ---------------------------------------------------------------- awarding


def _award_targets(grid: Grid | None, q: str, mode: str):
    """(value, label) of whom the form offers: a grid's households or residents, or a search."""
    if q:
        from portal.people.search import search_residents

        found = search_residents(current_user.scope, q, limit=50)
    elif grid is not None:
        found = db.session.scalars(select(Resident).filter_by(grid_id=grid.id, left_at=None)
                                   .options(joinedload(Resident.household)
                                            .selectinload(Household.members))
                                   .order_by(Resident.household_id, Resident.id)).all()
    else:
        found = []
    seen, targets = set(), []
    for r in found:
        if mode == "household":
            value = f"h{r.household_id}"
            label = f"{r.household.address}（{r.household.head.name if r.household.head else r.name}）"
        else:
            value, label = f"r{r.id}", f"{r.name}（{r.household.address}）"
        if value not in seen:
            seen.add(value)
            targets.append((value, label))
    return targets


def _resolve_targets(values: list[str]) -> list[PointsAccount]:
    accounts = []
    for value in values:
        kind, number = value[:1], parse_id(value[1:])
        if number is None:
            abort(400)
        if kind == "h":
            household = db.session.get(Household, number)
            if household is None or not in_user_scope(household.grid.code):
                abort(404)
            require_module_at(household.grid.code)
            accounts.append(ledger.account_for(None, household))
        elif kind == "r":
            resident = db.session.get(Resident, number)
            if resident is None or not in_user_scope(resident.grid.code):
                abort(404)
            require_module_at(resident.grid.code)
            accounts.append(ledger.account_for(resident))
        else:
            abort(400)
    return accounts


@bp.route("/award", methods=["GET", "POST"])
@requires("points.award")
def award():
    town, _towns = chosen_town()
    if town is None:
        abort(404)
    rules = db.session.scalars(select(PointsRule).filter_by(town_id=town.id, active=True)
                               .order_by(PointsRule.name)).all()
    form = AwardForm()
    form.rule.choices = choices([(r.id, f"{r.name}（{r.points}分）") for r in rules])
    grid = scoped_grid_arg(request.values.get("grid"))
    q = request.values.get("q", "").strip()
    mode = ledger.owner_mode(town)
    chosen = request.form.getlist("target")
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            rule = next(r for r in rules if r.id == form.rule.data)
            try:
                entries = ledger.award(rule, _resolve_targets(chosen), actor=current_user,
                                       note=form.note.data or None)
                db.session.commit()
                flash(_("已为 %(n)d 个账户发放积分“%(rule)s”。", n=len(entries), rule=rule.name),
                      "success")
                return redirect(url_for("points.award", grid=grid.id if grid else None))
            except PointsError as error:
                refuse(form, error)
                if error.field == "residents":
                    form.form_errors.pop()
                    form.target_errors = [str(error)]
        status = 400
    grids = db.session.scalars(grids_in(current_user.scope)
                               .where(Grid.level.in_((GRID, SPECIAL)),
                                      in_subtree_where_on("points", current_user.scope))).all()
    try:
        targets, refusal = _award_targets(grid, q, mode), None
    except SearchRefused as error:
        targets, refusal = [], error
        status = max(status, status_for(error))
    return render("points/award.html", form=form, rules=rules, grid=grid, grids=grids, q=q,
                  targets=targets, refusal=refusal, chosen=set(chosen), mode=mode,
                  town=town), status


# ---------------------------------------------------------------- rules per town


@bp.route("/rules", methods=["GET", "POST"])
@requires("points.rules")
def rules():
    town, towns = chosen_town()
    if town is None:
        abort(404)
    form = RuleForm()
    owner_form = OwnerForm(owner=ledger.owner_mode(town))
    status = 200
    if request.method == "POST":
        if request.form.get("form") == "owner":
            if owner_form.validate_on_submit():
                try:
                    ledger.set_owner_mode(town, owner_form.owner.data, actor=current_user)
                    db.session.commit()
                    flash(_("已保存积分归属。"), "success")
                    return redirect(url_for("points.rules", town=town.code))
                except PointsError as error:
                    refuse(owner_form, error)
        elif form.validate_on_submit():
            if _rule_name_taken(town, form.name.data):
                form.name.errors.append(_("本镇已有同名积分事项。"))
            else:
                _save_rule(PointsRule(town_id=town.id), form, "points.rule_create")
                flash(_("已添加积分事项。"), "success")
                return redirect(url_for("points.rules", town=town.code))
        status = 400
    items = db.session.scalars(select(PointsRule).filter_by(town_id=town.id)
                               .order_by(PointsRule.active.desc(), PointsRule.name)).all()
    return render("points/rules.html", form=form, owner_form=owner_form, items=items, town=town,
                  towns=towns), status


def _rule_name_taken(town, name, exclude=None) -> bool:
    query = select(PointsRule.id).filter_by(town_id=town.id, name=name)
    if exclude is not None:
        query = query.where(PointsRule.id != exclude.id)
    return db.session.scalar(query) is not None


def _save_rule(rule: PointsRule, form: RuleForm, action: str):
    from portal import audit

    rule.name, rule.points, rule.active = form.name.data, form.points.data, form.active.data
    rule.category_points = form.category_points()
    db.session.add(rule)
    db.session.flush()
    audit.record(action, rule, scope_code=rule.town.code, name=rule.name, points=rule.points,
                 category_points=rule.category_points, active=rule.active)
    db.session.commit()


@bp.route("/rules/<int:rule_id>", methods=["GET", "POST"])
@requires("points.rules")
def rule_edit(rule_id):
    rule = scoped(PointsRule, rule_id, lambda r: r.town.code)
    form = RuleForm(obj=rule, **{c: v for c, v in (rule.category_points or {}).items()})
    if form.validate_on_submit():
        if _rule_name_taken(rule.town, form.name.data, exclude=rule):
            form.name.errors.append(_("本镇已有同名积分事项。"))
        else:
            _save_rule(rule, form, "points.rule_update")
            flash(_("已保存积分事项。"), "success")
            return redirect(url_for("points.rules", town=rule.town.code))
    return render("points/rule_form.html", form=form, rule=rule), 400 if form.errors else 200


# ---------------------------------------------------------------- shops and goods


@bp.route("/shops", methods=["GET", "POST"])
@requires("points.goods")
def shop_list():
    villages = db.session.scalars(grids_in(current_user.scope)
                                  .where(Grid.level == VILLAGE,
                                         in_subtree_where_on("points", current_user.scope))).all()
    form = ShopForm()
    form.grid.choices = choices([(v.id, v.name) for v in villages])
    if form.validate_on_submit():
        village = next(v for v in villages if v.id == form.grid.data)
        if db.session.scalar(select(PointsShop.id).filter_by(grid_id=village.id,
                                                             name=form.name.data)):
            form.name.errors.append(_("本村已有同名积分超市。"))
        else:
            from portal import audit

            item = PointsShop(grid_id=village.id, name=form.name.data,
                              address=form.address.data or None, low_stock=form.low_stock.data)
            db.session.add(item)
            db.session.flush()
            audit.record("points.shop_create", item, scope_code=village.code, name=item.name)
            db.session.commit()
            flash(_("已添加积分超市。"), "success")
            return redirect(url_for("points.shop_goods", shop_id=item.id))
    return render("points/shops.html", form=form, shops=shops.shops_in(current_user.scope),
                  villages=villages), 400 if form.errors else 200


@bp.route("/shops/<int:shop_id>", methods=["GET", "POST"])
@requires("points.goods")
def shop_goods(shop_id):
    item = scoped_shop(shop_id)
    form = GoodsForm()
    if form.validate_on_submit():
        goods = PointsGoods(shop_id=item.id, stock=0)
        error = _save_goods(goods, form, "points.goods_create")
        if error is None:
            flash(_("已添加商品，请登记入库数量。"), "success")
            return redirect(url_for("points.goods_edit", goods_id=goods.id))
    goods = db.session.scalars(select(PointsGoods).filter_by(shop_id=item.id)
                               .order_by(PointsGoods.active.desc(), PointsGoods.name)).all()
    return render("points/shop.html", shop=item, goods=goods, form=form,
                  scope=item.grid), 400 if form.errors else 200


def _save_goods(goods: PointsGoods, form: GoodsForm, action: str):
    from portal import audit

    try:
        photo = prepare_optional(form.photo.data)  # checked in memory, written at commit
    except UploadError as error:
        form.photo.errors.append(str(error))
        return error
    goods.name, goods.price = form.name.data, form.price.data
    goods.unit, goods.active = form.unit.data or None, form.active.data
    if photo:
        goods.photo = photo.name
    db.session.add(goods)
    db.session.flush()
    audit.record(action, goods, scope_code=goods.shop.grid.code, name=goods.name,
                 price=goods.price, active=goods.active)
    with stored([photo]):
        db.session.commit()
    return None


@bp.route("/goods/<int:goods_id>", methods=["GET", "POST"])
@requires("points.goods")
def goods_edit(goods_id):
    goods = scoped_goods(goods_id)
    form = GoodsForm(obj=goods)
    if form.validate_on_submit() and _save_goods(goods, form, "points.goods_update") is None:
        flash(_("已保存商品。"), "success")
        return redirect(url_for("points.shop_goods", shop_id=goods.shop_id))
    return _goods_page(goods, form, RestockForm(), 400 if form.errors else 200)


def _goods_page(goods, form, restock_form, status):
    moves = db.session.scalars(select(PointsStockEntry).filter_by(goods_id=goods.id)
                               .order_by(PointsStockEntry.id.desc()).limit(100)
                               .options(joinedload(PointsStockEntry.actor))).all()
    return render("points/goods.html", goods=goods, form=form, restock_form=restock_form,
                  moves=moves, scope=goods.shop.grid), status


@bp.route("/goods/<int:goods_id>/restock", methods=["POST"])
@requires("points.goods")
def restock(goods_id):
    goods = scoped_goods(goods_id)
    form = RestockForm()
    if form.validate_on_submit():
        try:
            shops.restock(goods, form.quantity.data, actor=current_user,
                          note=form.note.data or None)
            db.session.commit()
            flash(_("已入库 %(n)d。", n=form.quantity.data), "success")
            return redirect(url_for("points.goods_edit", goods_id=goods.id))
        except PointsError as error:
            refuse(form, error)
    return _goods_page(goods, GoodsForm(obj=goods), form, 400)


@bp.route("/goods/<int:goods_id>/photo")
@login_required
def goods_photo(goods_id):
    if not (can(current_user, "points.view") or can(current_user, "points.redeem")):
        abort(403)
    # The village's shop serves everyone in the village: a grid worker may see its goods too.
    goods = db.session.get(PointsGoods, goods_id)
    code = current_user.scope.code
    if goods is None or not (goods.scope_code.startswith(code) or code.startswith(goods.scope_code)):
        abort(404)
    require_module_at(goods.scope_code)
    return send_photo(goods.photo)


# ---------------------------------------------------------------- reports


def _report_args():
    shop_id = request.args.get("shop", type=parse_id)
    shop = scoped_shop(shop_id) if shop_id else None
    return shop, local_today()


@bp.route("/reports")
@requires("points.view")
def report():
    shop, today = _report_args()
    scope = shop.grid if shop else current_user.scope
    since = datetime.combine(today - timedelta(days=90), datetime.min.time())
    return render("points/reports.html", shop=shop, shops=shops.shops_in(current_user.scope),
                  months=reports.monthly(scope, today, 12, shop=shop),
                  top=reports.top_goods(scope, since, shop=shop), low=reports.low_stock(scope),
                  scope=scope)


@bp.route("/reports.xlsx")
@requires("points.view")
def report_xlsx():
    shop, today = _report_args()
    scope = shop.grid if shop else current_user.scope
    since = datetime.combine(today - timedelta(days=90), datetime.min.time())
    return export.report(scope, shop, reports.monthly(scope, today, 12, shop=shop),
                         reports.top_goods(scope, since, shop=shop), reports.low_stock(scope))


# ---------------------------------------------------------------- a resident's own points


def own_accounts(user) -> list[PointsAccount]:
    """The accounts of the resident a resident user is (matched by ID number, in their scope)."""
    if not user.id_number:
        return []
    resident = db.session.scalar(select(Resident).filter_by(id_number=user.id_number,
                                                            left_at=None))
    if resident is None or not in_user_scope(resident.grid.code):
        return []
    return [a for a in (db.session.scalar(select(PointsAccount).filter_by(resident_id=resident.id)),
                        db.session.scalar(select(PointsAccount)
                                          .filter_by(household_id=resident.household_id)))
            if a is not None]


@bp.route("/me")
@requires("points.own")
def mine():
    accounts_ = own_accounts(current_user)
    return render("points/mine.html",
                  items=[(a, statement_entries(a)) for a in accounts_])
