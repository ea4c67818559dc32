"""Points staff pages: awarding points by a town's rules, and the rules themselves (and whether a
town's points belong to households or residents)."""
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.admin.blueprint import chosen_town
from portal.errors import DomainError
from portal.extensions import db
from portal.forms import choices, refuse
from portal.grids.models import GRID, SPECIAL, Grid
from portal.grids.services import grids_in
from portal.people.models import Household, Resident
from portal.people.number_search import status_for
from portal.people.scoping import scoped_grid_arg
from portal.people.search import SearchRefused
from portal.permissions import requires
from portal.plugins import in_subtree_where_on, require_module_at
from portal.rendering import render
from portal.request_guard import parse_id
from portal.scoping import in_user_scope, scoped

from . import ledger
from .forms import AwardForm, OwnerForm, RuleForm
from .models import PointsAccount, PointsRule


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
            except DomainError as error:
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
                except DomainError as error:
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
