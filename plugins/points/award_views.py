"""Points staff pages: awarding points by a town's rules, and the rules themselves (and whether a
town's points belong to households or residents)."""
from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.admin.blueprint import chosen_town
from portal.extensions import db
from portal.forms import choices
from portal.grids.models import GRID, SPECIAL, Grid
from portal.grids.services import grids_in
from portal.i18n import paren
from portal.people.models import Household, Resident
from portal.people.number_search import status_for
from portal.people.search import SearchRefused
from portal.permissions import requires
from portal.plugins import host
from portal.rendering import render
from portal.request_guard import parse_id
from portal.tenancy import in_subtree_where_on, load_scoped, scoped_grid_arg
from portal.web import submit_form

from . import ledger, town_rules, town_settings
from .forms import AwardForm, OwnerForm, RuleForm, TownSettingsForm
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
            label = r.household.address + paren(r.household.head.name if r.household.head else r.name)
        else:
            value, label = f"r{r.id}", r.name + paren(r.household.address)
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
            household = load_scoped(Household, number)
            accounts.append(ledger.account_for(None, household))
        elif kind == "r":
            resident = load_scoped(Resident, number)
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
    form.rule.choices = choices([(r.id, r.name + paren(_("%(n)d 分", n=r.points)) if r.points > 0
                                  else r.name + paren(_("扣 %(n)d 分", n=-r.points)))
                                 for r in rules])
    grid = scoped_grid_arg(request.values.get("grid"))
    q = request.values.get("q", "").strip()
    mode = ledger.owner_mode(town)

    def save():
        rule = next(r for r in rules if r.id == form.rule.data)
        return rule, ledger.award(rule, _resolve_targets(form.target.data), actor=current_user,
                                  note=form.note.data or None)

    def page():
        grids = db.session.scalars(grids_in(current_user.scope)
                                   .where(Grid.level.in_((GRID, SPECIAL)),
                                          in_subtree_where_on("points", current_user.scope))).all()
        try:
            targets, refusal, status = _award_targets(grid, q, mode), None, 200
        except SearchRefused as error:
            targets, refusal, status = [], error, status_for(error)
        return render("points/award.html", form=form, rules=rules, grid=grid, grids=grids, q=q,
                      targets=targets, refusal=refusal, chosen=set(form.target.data or ()),
                      mode=mode, town=town), status

    return submit_form(
        form, save,
        done=lambda done: (_("已对 %(n)d 个账户扣分“%(rule)s”。", n=len(done[1]), rule=done[0].name)
                           if done[0].points < 0 else
                           _("已为 %(n)d 个账户发放积分“%(rule)s”。", n=len(done[1]),
                             rule=done[0].name)),
        then=url_for("points.award", grid=grid.id if grid else None), page=page)


# ---------------------------------------------------------------- rules per town


def _rules_page(town, towns, *, form=None, owner_form=None, settings_form=None):
    items = _town_rules(town)
    return render("points/rules.html", form=form or RuleForm(),
                  owner_form=owner_form or OwnerForm(owner=ledger.owner_mode(town)),
                  settings_form=settings_form or _settings_form(town, items, filled=True),
                  items=items, town=town, towns=towns)


def _town_rules(town) -> list[PointsRule]:
    return db.session.scalars(select(PointsRule).filter_by(town_id=town.id)
                              .order_by(PointsRule.active.desc(), PointsRule.name)).all()


def _deed_kinds(town) -> dict:
    """{kind: label} of the deeds the modules on in the town reward (points_award_sources)."""
    kinds: dict = {}
    for declared in host().hook(town, "points_award_sources")():
        kinds.update(declared or {})
    return dict(sorted(kinds.items()))


def _settings_form(town, rules, *, filled: bool) -> TownSettingsForm:
    """The settings form: on a GET filled with what the town chose; on a POST from the request."""
    kinds = _deed_kinds(town)
    if not filled:
        return TownSettingsForm.with_sources(kinds, rules)
    chosen = town_settings.sources(town)
    return TownSettingsForm.with_sources(
        kinds, rules, formdata=None, at_zero=town_settings.at_zero(town),
        notice_days=town_settings.notice_days(town), valid_months=town_settings.valid_months(town),
        **{f"source_{n}": chosen.get(kind, 0) for n, kind in enumerate(kinds)})


@requires("points.rules")
def town_settings_view():
    """What a deduction does at zero, the notice window, the validity, and the rule each
    module's deed earns: the rules page's third form."""
    town, towns = chosen_town()
    if town is None:
        abort(404)
    rules = _town_rules(town)
    form = _settings_form(town, rules, filled=False)
    return submit_form(
        form, lambda: town_settings.save(town, at_zero=form.at_zero.data,
                                         notice_days=form.notice_days.data,
                                         valid_months=form.valid_months.data,
                                         sources=form.sources(), actor=current_user),
        done=_("已保存积分设置。"), then=url_for("points.rules", town=town.code),
        page=lambda: _rules_page(town, towns, settings_form=form))


@requires("points.rules")
def rules():
    town, towns = chosen_town()
    if town is None:
        abort(404)
    form = RuleForm()
    return submit_form(form, lambda: _save_rule(PointsRule(town_id=town.id), form,
                                                "points.rule_create"),
                       done=_("已添加积分事项。"), then=url_for("points.rules", town=town.code),
                       page=lambda: _rules_page(town, towns, form=form))


@requires("points.rules")
def owner():
    """Whether the town's points belong to households or residents: the rules page's second
    form."""
    town, towns = chosen_town()
    if town is None:
        abort(404)
    form = OwnerForm()
    return submit_form(form, lambda: ledger.set_owner_mode(town, form.owner.data,
                                                           actor=current_user),
                       done=_("已保存积分归属。"), then=url_for("points.rules", town=town.code),
                       page=lambda: _rules_page(town, towns, owner_form=form))


def _save_rule(rule: PointsRule, form: RuleForm, action: str) -> PointsRule:
    return town_rules.save_rule(rule, name=form.name.data, points=form.points.data,
                                active=form.active.data,
                                category_points=form.category_points(), action=action)


@requires("points.rules")
def rule_edit(rule_id):
    rule = load_scoped(PointsRule, rule_id)
    form = RuleForm(obj=rule, **{c: v for c, v in (rule.category_points or {}).items()})
    return submit_form(form, lambda: _save_rule(rule, form, "points.rule_update"),
                       done=_("已保存积分事项。"),
                       then=url_for("points.rules", town=rule.town.code),
                       page=lambda: render("points/rule_form.html", form=form, rule=rule))
