"""Association pages: the list, one association (charter, officers, members with this year's
score), its officers, its recording items and the scores recorded."""
from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from portal.auth.models import User
from portal.errors import DomainError
from portal.extensions import db
from portal.forms import choices
from portal.grids.models import VILLAGE, Grid
from portal.grids.services import grids_in
from portal.i18n import paren
from portal.permissions import can, requires
from portal.rendering import render
from portal.tenancy import in_subtree, in_subtree_where_on, load_scoped
from portal.timeutil import local_today
from portal.web import submit_form

from . import candidates, services
from .forms import (AssociationForm, DecideForm, ItemForm, ItemToggleForm, MemberForm, OfficerForm,
                    ScoreForm)
from .loading import running, this_year
from .models import (
    AssociationsAppeal,
    AssociationsAssociation,
    AssociationsItem,
    AssociationsMember,
    AssociationsScore,
)


@requires("associations.view")
def index():
    villages = db.session.scalars(grids_in(current_user.scope).where(
        Grid.level == VILLAGE, in_subtree_where_on("associations", current_user.scope))).all()
    form = AssociationForm()
    form.grid.choices = choices([(v.id, v.name) for v in villages])
    if request.method == "POST" and not can(current_user, "associations.manage"):
        abort(403)
    return submit_form(
        form, lambda: services.create(
            next(v for v in villages if v.id == form.grid.data), name=form.name.data,
            kind=form.kind.data, charter=form.charter.data or None,
            base_score=form.base_score.data,
            dues_fen=int(form.dues.data * 100) if form.dues.data is not None else None,
            actor=current_user),
        done=_("已建立协会。"),
        then=lambda item: url_for("associations.show", association_id=item.id),
        page=lambda: _list_page(form, villages))


def _list_page(form: AssociationForm, villages):
    counts = dict(db.session.execute(
        select(AssociationsMember.association_id, func.count(AssociationsMember.id))
        .where(AssociationsMember.left_on.is_(None))
        .group_by(AssociationsMember.association_id)).all())
    rows = db.session.scalars(
        select(AssociationsAssociation).join(Grid, Grid.id == AssociationsAssociation.grid_id)
        .where(in_subtree_where_on("associations", current_user.scope))
        .options(joinedload(AssociationsAssociation.grid))
        .order_by(Grid.code, AssociationsAssociation.name)).all()
    return render("associations/index.html", rows=rows, counts=counts, form=form,
                  villages=villages)


def _show(association, *, member_form=None, score_form=None, officer_form=None):
    year = this_year()
    members = db.session.scalars(
        select(AssociationsMember).filter_by(association_id=association.id, left_on=None)
        .options(joinedload(AssociationsMember.resident)).order_by(AssociationsMember.id)).all()
    points = services.year_points(association.id, year)
    items = db.session.scalars(select(AssociationsItem).filter_by(association_id=association.id)
                               .order_by(AssociationsItem.points.desc())).all()
    score_form = score_form or ScoreForm(happened_on=local_today())
    score_form.member.choices = choices([(m.id, m.resident.name) for m in members])
    score_form.item.choices = choices([(i.id, i.name + paren(f"{i.points:+d}")) for i in items
                                       if i.active])
    officer_form = officer_form or OfficerForm()
    officer_form.user.choices = choices([(u.id, u.display_name + paren(u.username))
                                         for u in officer_candidates(association)])
    q = request.args.get("q", "").strip()
    found = candidates.search(association, q) if q else []
    search_error = None
    if found is None:
        found, search_error = [], _("请输入姓名或拼音查找本村居民。")
    recent = db.session.scalars(
        select(AssociationsScore).filter_by(association_id=association.id)
        .options(joinedload(AssociationsScore.member).joinedload(AssociationsMember.resident),
                 joinedload(AssociationsScore.item))
        .order_by(AssociationsScore.id.desc()).limit(20)).all()
    pending = db.session.scalars(
        select(AssociationsAppeal).join(AssociationsScore)
        .where(AssociationsScore.association_id == association.id,
               AssociationsAppeal.decision.is_(None))
        .options(joinedload(AssociationsAppeal.score).joinedload(AssociationsScore.member)
                 .joinedload(AssociationsMember.resident))).all()
    return render("associations/show.html", association=association, members=members,
                  points=points, year=year, items=items, score_form=score_form,
                  member_form=member_form or MemberForm(), officer_form=officer_form, q=q,
                  found=found, search_error=search_error, recent=recent, pending=pending, decide_form=DecideForm(),
                  run=can(current_user, "associations.run", association),
                  scope=association.grid)


def officer_candidates(association):
    return db.session.scalars(
        select(User).join(Grid, Grid.id == User.scope_id)
        # module on or off is settled: the association's own village, whose page is gated
        .where(in_subtree(Grid.code, association.grid),
               User.role == "assoc_officer", User.is_active_flag.is_(True))
        .order_by(User.username)).all()


@requires("associations.view")
def show(association_id):
    association = load_scoped(AssociationsAssociation, association_id)
    if request.method == "GET":
        return _show(association)
    running(association)
    form = MemberForm()

    def save():
        resident = candidates.villager(association, form.resident.data)
        if resident is None:
            raise DomainError(_("请从查找结果中选择本村居民。"), field="resident")
        services.add_member(association, resident, actor=current_user)
        return resident

    return submit_form(
        form, save, done=lambda resident: _("%(name)s 已入会。", name=resident.name),
        then=url_for("associations.show", association_id=association.id),
        page=lambda: _show(association, member_form=form))


@requires("associations.manage")
def officers(association_id):
    association = load_scoped(AssociationsAssociation, association_id)
    form = OfficerForm()
    candidates = officer_candidates(association)
    form.user.choices = choices([(u.id, u.username) for u in candidates])
    return submit_form(
        form, lambda: services.add_officer(association,
                                           next(u for u in candidates if u.id == form.user.data),
                                           form.title.data, actor=current_user),
        done=_("已登记负责人。"),
        then=url_for("associations.show", association_id=association.id),
        page=lambda: _show(association, officer_form=form))


@requires("associations.view")
def items(association_id):
    association = load_scoped(AssociationsAssociation, association_id)
    form = ItemForm()
    if request.method == "POST":
        running(association)
    return submit_form(form, lambda: services.add_item(association, name=form.name.data,
                                                       points=form.points.data),
                       done=_("已添加项目。"),
                       then=url_for("associations.items", association_id=association.id),
                       page=lambda: _items_page(association, form=form))


@requires("associations.run")
def item_toggle(association_id):
    """The 停用/启用 button of one item row."""
    association = running(load_scoped(AssociationsAssociation, association_id))
    form = ItemToggleForm()

    def save() -> None:
        item = db.session.get(AssociationsItem, form.item.data)
        if item is None or item.association_id != association.id:
            abort(404)
        services.toggle_item(item)

    return submit_form(form, save, done=_("已保存。"),
                       then=url_for("associations.items", association_id=association.id),
                       page=lambda: _items_page(association, toggle_form=form))


def _items_page(association, *, form=None, toggle_form=None):
    rows = db.session.scalars(select(AssociationsItem).filter_by(association_id=association.id)
                              .order_by(AssociationsItem.points.desc())).all()
    return render("associations/items.html", association=association, rows=rows,
                  form=form or ItemForm(), toggle_form=toggle_form or ItemToggleForm(),
                  run=can(current_user, "associations.run", association), scope=association.grid)


@requires("associations.run")
def score(association_id):
    association = running(load_scoped(AssociationsAssociation, association_id))
    form = ScoreForm()
    members = {m.id: m for m in db.session.scalars(select(AssociationsMember).filter_by(
        association_id=association.id, left_on=None))}
    item_rows = {i.id: i for i in db.session.scalars(select(AssociationsItem).filter_by(
        association_id=association.id, active=True))}
    form.member.choices = choices([(i, m.resident.name) for i, m in members.items()])
    form.item.choices = choices([(i, it.name) for i, it in item_rows.items()])
    return submit_form(
        form, lambda: services.record_score(members[form.member.data], item_rows[form.item.data],
                                            reason=form.reason.data,
                                            happened_on=form.happened_on.data,
                                            actor=current_user),
        done=lambda _score: _("已为 %(name)s 记分。", name=members[form.member.data].resident.name),
        then=url_for("associations.show", association_id=association.id),
        page=lambda: _show(association, score_form=form))
