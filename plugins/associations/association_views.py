"""Association pages: the list, one association (charter, officers, members with this year's
score), its officers, its recording items and the scores recorded."""
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from portal.auth.models import User
from portal.errors import DomainError
from portal.extensions import db
from portal.forms import choices, refuse
from portal.grids.models import VILLAGE, Grid
from portal.grids.services import grids_in
from portal.permissions import can, requires
from portal.plugins import in_subtree_where_on
from portal.rendering import render
from portal.request_guard import parse_id
from portal.timeutil import local_today

from . import candidates, services
from .forms import AssociationForm, DecideForm, ItemForm, MemberForm, OfficerForm, ScoreForm
from .loading import running, scoped_association, this_year
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
    status = 200
    if request.method == "POST":
        if not can(current_user, "associations.manage"):
            abort(403)
        if form.validate_on_submit():
            village = next(v for v in villages if v.id == form.grid.data)
            try:
                item = services.create(
                    village, name=form.name.data, kind=form.kind.data,
                    charter=form.charter.data or None, base_score=form.base_score.data,
                    dues_fen=int(form.dues.data * 100) if form.dues.data is not None else None,
                    actor=current_user)
                db.session.commit()
                flash(_("已建立协会。"), "success")
                return redirect(url_for("associations.show", association_id=item.id))
            except DomainError as error:
                refuse(form, error)
        status = 400
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
                  villages=villages), status


def _show(association, *, member_form=None, score_form=None, officer_form=None, status=200):
    year = this_year()
    members = db.session.scalars(
        select(AssociationsMember).filter_by(association_id=association.id, left_on=None)
        .options(joinedload(AssociationsMember.resident)).order_by(AssociationsMember.id)).all()
    points = services.year_points(association.id, year)
    items = db.session.scalars(select(AssociationsItem).filter_by(association_id=association.id)
                               .order_by(AssociationsItem.points.desc())).all()
    score_form = score_form or ScoreForm(happened_on=local_today())
    score_form.member.choices = choices([(m.id, m.resident.name) for m in members])
    score_form.item.choices = choices([(i.id, f"{i.name}（{i.points:+d}）") for i in items
                                       if i.active])
    officer_form = officer_form or OfficerForm()
    officer_form.user.choices = choices([(u.id, f"{u.display_name}（{u.username}）")
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
                  scope=association.grid), status


def officer_candidates(association):
    return db.session.scalars(
        select(User).join(Grid, Grid.id == User.scope_id)
        .where(Grid.code.startswith(association.grid.code, autoescape=True),
               User.role == "assoc_officer", User.is_active_flag.is_(True))
        .order_by(User.username)).all()


@requires("associations.view")
def show(association_id):
    association = scoped_association(association_id)
    if request.method == "GET":
        return _show(association)
    running(association)
    form = MemberForm()
    if form.validate_on_submit():
        resident = candidates.villager(association, form.resident.data)
        if resident is None:
            form.resident.errors.append(_("请从查找结果中选择本村居民。"))
            return _show(association, member_form=form, status=400)
        try:
            services.add_member(association, resident, actor=current_user)
            db.session.commit()
            flash(_("%(name)s 已入会。", name=resident.name), "success")
            return redirect(url_for("associations.show", association_id=association.id))
        except DomainError as error:
            refuse(form, error)
    return _show(association, member_form=form, status=400)


@requires("associations.manage")
def officers(association_id):
    association = scoped_association(association_id)
    form = OfficerForm()
    candidates = officer_candidates(association)
    form.user.choices = choices([(u.id, u.username) for u in candidates])
    if form.validate_on_submit():
        user = next(u for u in candidates if u.id == form.user.data)
        try:
            services.add_officer(association, user, form.title.data, actor=current_user)
            db.session.commit()
            flash(_("已登记负责人。"), "success")
            return redirect(url_for("associations.show", association_id=association.id))
        except DomainError as error:
            refuse(form, error)
    return _show(association, officer_form=form, status=400)


@requires("associations.view")
def items(association_id):
    association = scoped_association(association_id)
    form = ItemForm()
    status = 200
    if request.method == "POST":
        running(association)
        toggle = request.form.get("toggle", type=parse_id)
        if toggle:
            item = db.session.get(AssociationsItem, toggle)
            if item is None or item.association_id != association.id:
                abort(404)
            item.active = not item.active
            db.session.commit()
            return redirect(url_for("associations.items", association_id=association.id))
        if form.validate_on_submit():
            if db.session.scalar(select(AssociationsItem.id).filter_by(
                    association_id=association.id, name=form.name.data)):
                form.name.errors.append(_("已有同名项目。"))
            elif form.points.data == 0:
                form.points.errors.append(_("分值不能为0。"))
            else:
                db.session.add(AssociationsItem(association_id=association.id,
                                                name=form.name.data, points=form.points.data))
                db.session.commit()
                flash(_("已添加项目。"), "success")
                return redirect(url_for("associations.items", association_id=association.id))
        status = 400
    rows = db.session.scalars(select(AssociationsItem).filter_by(association_id=association.id)
                              .order_by(AssociationsItem.points.desc())).all()
    return render("associations/items.html", association=association, rows=rows, form=form,
                  run=can(current_user, "associations.run", association),
                  scope=association.grid), status


@requires("associations.run")
def score(association_id):
    association = running(scoped_association(association_id))
    form = ScoreForm()
    members = {m.id: m for m in db.session.scalars(select(AssociationsMember).filter_by(
        association_id=association.id, left_on=None))}
    item_rows = {i.id: i for i in db.session.scalars(select(AssociationsItem).filter_by(
        association_id=association.id, active=True))}
    form.member.choices = choices([(i, m.resident.name) for i, m in members.items()])
    form.item.choices = choices([(i, it.name) for i, it in item_rows.items()])
    if form.validate_on_submit():
        member = members[form.member.data]
        try:
            services.record_score(member, item_rows[form.item.data], reason=form.reason.data,
                                  happened_on=form.happened_on.data, actor=current_user)
            db.session.commit()
            flash(_("已为 %(name)s 记分。", name=member.resident.name), "success")
            return redirect(url_for("associations.show", association_id=association.id))
        except DomainError as error:
            refuse(form, error)
    return _show(association, score_form=form, status=400)
