"""Mutual-aid pages: the figures with drill-down and the list of groups, one group with its
households and leader."""
from datetime import date

from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal.errors import DomainError
from portal.extensions import db
from portal.forms import choices
from portal.grids.models import GRID, SPECIAL, Grid
from portal.grids.services import grids_in
from portal.i18n import paren
from portal.people.models import Household, Resident
from portal.people.search import find_residents, refusal_status
from portal.permissions import can, requires
from portal.rendering import render
from portal.request_guard import parse_id
from portal.tenancy import in_subtree_where_on, load_scoped, town_of
from portal.timeutil import local_today
from portal.web import run_action, submit_form

from . import services
from .forms import GroupForm, HouseholdForm, LeaderForm
from .models import MutualAidGroup, MutualAidHelp, MutualAidMember


def base_grids():
    return db.session.scalars(grids_in(current_user.scope)
                              .where(Grid.level.in_((GRID, SPECIAL)),
                                     in_subtree_where_on("mutual_aid", current_user.scope))).all()


@requires("mutual_aid.view")
def index():
    node = current_user.scope
    node_id = request.args.get("node", type=parse_id)
    if node_id:
        node = load_scoped(Grid, node_id)
    since = date(local_today().year, 1, 1)
    total, children = services.figures_by_child(node, since)
    groups = db.session.scalars(
        select(MutualAidGroup).join(Grid, Grid.id == MutualAidGroup.grid_id)
        .where(in_subtree_where_on("mutual_aid", node), MutualAidGroup.dissolved_on.is_(None))
        .options(joinedload(MutualAidGroup.grid), joinedload(MutualAidGroup.leader),
                 selectinload(MutualAidGroup.members))
        .order_by(Grid.code, MutualAidGroup.name).limit(300)).all()
    town_rules = services.rules(town_of(node)) if town_of(node) else services.DEFAULT_RULES
    warnings = {g.id: services.size_warning(g, town_rules) for g in groups}
    return render("mutual_aid/index.html", node=node, total=total, children=children,
                  groups=groups, warnings=warnings, since=since, form=GroupForm(),
                  grids=base_grids(), scope=node)


@requires("mutual_aid.manage")
def group_create():
    form = GroupForm()
    grids = base_grids()
    form.grid.choices = choices([(g.id, g.name) for g in grids])

    def work():
        if not form.validate_on_submit():
            raise DomainError(_("请选择网格并填写互助组名称。"))
        return services.create_group(next(g for g in grids if g.id == form.grid.data),
                                     form.name.data, actor=current_user)

    return run_action(work, done=_("已建立互助组，请加入住户并推选组长。"),
                      then=lambda group: (url_for("mutual_aid.group", group_id=group.id)
                                          if group else url_for("mutual_aid.index")))


def _group_page(group, *, household_form=None, leader_form=None):
    # households and their members in two statements, however large the group
    db.session.scalars(select(MutualAidGroup).filter_by(id=group.id).options(
        selectinload(MutualAidGroup.members).joinedload(MutualAidMember.household)
        .selectinload(Household.members)).execution_options(populate_existing=True)).one()
    q = request.args.get("q", "").strip()
    # only for those who add households (and see the results): nobody else's search runs
    found, search_refusal = (find_residents(group.grid, q, limit=30)
                             if can(current_user, "mutual_aid.manage", group) else ([], None))
    if found:
        taken = set(db.session.scalars(select(MutualAidMember.active_household_id).where(
            MutualAidMember.active_household_id.is_not(None))))
        found = [r for r in found if r.household_id not in taken]
    leader_form = leader_form or LeaderForm(leader=group.leader_id)
    leader_form.leader.choices = choices([(r.id, r.name + paren(r.household.address))
                                          for r in services.member_residents(group)])
    helps = db.session.scalars(select(MutualAidHelp).filter_by(group_id=group.id)
                               .options(joinedload(MutualAidHelp.asked_by),
                                        selectinload(MutualAidHelp.helpers))
                               .order_by(MutualAidHelp.happened_on.desc()).limit(50)).all()
    return render("mutual_aid/group.html", group=group, helps=helps, q=q, found=found,
                  household_form=household_form or HouseholdForm(), leader_form=leader_form,
                  warning=services.size_warning(group), scope=group.grid,
                  search_refusal=search_refusal), refusal_status(search_refusal)


@requires("mutual_aid.view")
def group(group_id):
    group_ = load_scoped(MutualAidGroup, group_id)
    if request.method == "GET":
        return _group_page(group_)
    if not can(current_user, "mutual_aid.manage", group_):
        abort(403)
    form = HouseholdForm()

    def save():
        household = load_scoped(Household, form.household.data)
        services.add_household(group_, household, actor=current_user)
        return household

    def done(household) -> str:
        warning = services.size_warning(group_)
        return _("已加入 %(a)s。", a=household.address) + (f" {warning}" if warning else "")

    return submit_form(form, save, done=done,
                       then=url_for("mutual_aid.group", group_id=group_.id),
                       page=lambda: _group_page(group_, household_form=form))


@requires("mutual_aid.manage")
def member_leave(member_id):
    member = load_scoped(MutualAidMember, member_id)
    return run_action(lambda: services.remove_household(member, actor=current_user),
                      done=_("已退出互助组。"),
                      then=url_for("mutual_aid.group", group_id=member.group_id))


@requires("mutual_aid.manage")
def leader(group_id):
    group_ = load_scoped(MutualAidGroup, group_id)
    form = LeaderForm()
    form.leader.choices = choices([(r.id, r.name) for r in services.member_residents(group_)])
    return submit_form(
        form, lambda: services.elect_leader(group_, db.session.get(Resident, form.leader.data),
                                            actor=current_user, on=form.elected_on.data),
        done=_("已登记组长。"), then=url_for("mutual_aid.group", group_id=group_.id),
        page=lambda: _group_page(group_, leader_form=form))
