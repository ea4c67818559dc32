"""Association pages: the list, one association (charter, officers, members with this year's
score, recording items), a member's score history and appeals, the annual roster, reports to
the party branch, dues and receipts, and the Excel exports."""
from datetime import date
from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from portal.auth.models import User
from portal.extensions import db
from portal.forms import choices, refuse
from portal.grids.models import VILLAGE, Grid
from portal.grids.services import grids_in
from portal.permissions import can, requires
from portal.plugins import in_subtree_where_on, require_module_at
from portal.rendering import render
from portal.request_guard import parse_id
from portal.scoping import in_or_above_user_scope, scoped_near
from portal.timeutil import local_today

from . import candidates, export, services
from .forms import (AppealForm, AssociationForm, DecideForm, DuesForm, ItemForm, MemberForm,
                    OfficerForm, ReportForm, ScoreForm)
from .models import (AssociationsAppeal, AssociationsAssociation, AssociationsDues,
                     AssociationsItem, AssociationsMember, AssociationsReport, AssociationsScore)
from .services import AssociationError

bp = Blueprint("associations", __name__, url_prefix="/associations",
               template_folder="templates")


def scoped_association(association_id) -> AssociationsAssociation:
    """A village's association is seen by everyone in the village, grid workers included."""
    return scoped_near(AssociationsAssociation, association_id, lambda a: a.grid.code)


def running(association) -> AssociationsAssociation:
    """403 unless the user may run this association (an admin over it, or one of its
    officers)."""
    if not can(current_user, "associations.run", association):
        abort(403)
    return association


def this_year() -> int:
    return local_today().year


# ---------------------------------------------------------------- list and one association


@bp.route("/", methods=["GET", "POST"])
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
            except AssociationError as error:
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


@bp.route("/<int:association_id>", methods=["GET", "POST"])
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
        except AssociationError as error:
            refuse(form, error)
    return _show(association, member_form=form, status=400)


@bp.route("/<int:association_id>/officers", methods=["POST"])
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
        except AssociationError as error:
            refuse(form, error)
    return _show(association, officer_form=form, status=400)


@bp.route("/<int:association_id>/items", methods=["GET", "POST"])
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


@bp.route("/<int:association_id>/scores", methods=["POST"])
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
        except AssociationError as error:
            refuse(form, error)
    return _show(association, score_form=form, status=400)


# ---------------------------------------------------------------- a member: history and appeals


def own_member(member) -> bool:
    return (current_user.role == "resident" and current_user.id_number is not None
            and member.resident.id_number == current_user.id_number)


def visible_member(member_id) -> AssociationsMember:
    member = db.session.get(AssociationsMember, member_id)
    if member is None:
        abort(404)
    require_module_at(member.scope_code)  # the module off in its town: no such page
    if own_member(member):
        return member
    if not in_or_above_user_scope(member.scope_code) or not can(current_user, "associations.view"):
        abort(404)
    return member


@bp.route("/members/<int:member_id>", methods=["GET", "POST"])
@requires("associations.member")
def member(member_id):
    member_ = visible_member(member_id)
    form = AppealForm()
    status = 200
    if request.method == "POST":
        run = can(current_user, "associations.run", member_.association)
        if not (own_member(member_) or run):
            abort(403)
        if form.validate_on_submit():
            score_ = db.session.get(AssociationsScore, request.form.get("score", type=parse_id) or 0)
            if score_ is None or score_.member_id != member_.id:
                abort(404)
            try:
                services.appeal(score_, form.reason.data, actor=current_user)
                db.session.commit()
                flash(_("已提交申诉，协会负责人处理后会有结果。"), "success")
                return redirect(url_for("associations.member", member_id=member_.id))
            except AssociationError as error:
                refuse(form, error)
        status = 400
    scores = db.session.scalars(
        select(AssociationsScore).filter_by(member_id=member_.id)
        .options(joinedload(AssociationsScore.item), joinedload(AssociationsScore.appeal),
                 joinedload(AssociationsScore.recorded_by))
        .order_by(AssociationsScore.happened_on.desc(), AssociationsScore.id.desc())).all()
    years = sorted({s.year for s in scores} | {this_year()}, reverse=True)
    totals = {y: services.member_score(member_, y) for y in years}
    return render("associations/member.html", member=member_, scores=scores, years=years,
                  totals=totals, form=form, can_appeal=own_member(member_) or can(
                      current_user, "associations.run", member_.association),
                  scope=member_.association.grid), status


@bp.route("/appeals/<int:appeal_id>", methods=["POST"])
@requires("associations.run")
def decide(appeal_id):
    item = scoped_near(AssociationsAppeal, appeal_id, lambda a: a.score.scope_code)
    association = running(item.score.member.association)
    form = DecideForm()
    if form.validate_on_submit():
        try:
            services.decide(item, form.decision.data == "upheld", form.note.data,
                            actor=current_user)
            db.session.commit()
            flash(_("已处理申诉。"), "success")
        except AssociationError as error:
            db.session.rollback()
            flash(str(error), "error")
    else:
        flash(_("请写明处理意见。"), "error")
    return redirect(url_for("associations.show", association_id=association.id))


# ---------------------------------------------------------------- roster and exports


def _year_arg(year):
    if year < 2000 or year > this_year() + 1:
        abort(404)
    return year


@bp.route("/<int:association_id>/roster/<int:year>")
@requires("associations.view")
def roster(association_id, year):
    association = scoped_association(association_id)
    rows = services.roster(association, _year_arg(year))
    return render("associations/roster.html", association=association, rows=rows, year=year,
                  scope=association.grid)


@bp.route("/<int:association_id>/export/<any(members, scores, roster, party, reports):kind>.xlsx")
@requires("associations.view")
def export_xlsx(association_id, kind):
    association = scoped_association(association_id)
    year = _year_arg(request.args.get("year", type=int) or this_year())
    return export.workbook(association, kind, year)


# ---------------------------------------------------------------- reports to the party branch


@bp.route("/<int:association_id>/reports", methods=["GET", "POST"])
@requires("associations.view")
def reports(association_id):
    association = scoped_association(association_id)
    form = ReportForm()
    status = 200
    if request.method == "POST":
        running(association)
        if form.validate_on_submit():
            services.submit_report(association, form.period.data, form.content.data,
                                   actor=current_user)
            db.session.commit()
            flash(_("已向村党支部报告。"), "success")
            return redirect(url_for("associations.reports", association_id=association.id))
        status = 400
    rows = db.session.scalars(select(AssociationsReport).filter_by(association_id=association.id)
                              .options(joinedload(AssociationsReport.submitted_by))
                              .order_by(AssociationsReport.id.desc())).all()
    return render("associations/reports.html", association=association, rows=rows, form=form,
                  run=can(current_user, "associations.run", association),
                  scope=association.grid), status


# ---------------------------------------------------------------- dues


@bp.route("/<int:association_id>/dues/<int:year>", methods=["GET", "POST"])
@requires("associations.view")
def dues(association_id, year):
    association = scoped_association(association_id)
    year = _year_arg(year)
    if association.dues_fen is None:
        abort(404)
    members = services.members_in(association, year)
    paid = {d.member_id: d for d in db.session.scalars(select(AssociationsDues).filter_by(
        association_id=association.id, year=year))}
    form = DuesForm(paid_on=local_today())
    form.member.choices = choices([(m.id, m.resident.name) for m in members if m.id not in paid])
    status = 200
    if request.method == "POST":
        running(association)
        if form.validate_on_submit():
            member_ = next(m for m in members if m.id == form.member.data)
            try:
                receipt = services.pay_dues(member_, year, form.paid_on.data, actor=current_user)
                db.session.commit()
                flash(_("已登记会费，收据号 %(n)s。", n=receipt.receipt_number), "success")
                return redirect(url_for("associations.receipt", dues_id=receipt.id))
            except AssociationError as error:
                refuse(form, error)
        status = 400
    return render("associations/dues.html", association=association, members=members,
                  paid=paid, year=year, form=form, yuan=f"{Decimal(association.dues_fen) / 100:.2f}",
                  run=can(current_user, "associations.run", association),
                  scope=association.grid), status


@bp.route("/receipts/<int:dues_id>")
@requires("associations.view")
def receipt(dues_id):
    item = scoped_near(AssociationsDues, dues_id, lambda d: d.member.scope_code)
    return render("associations/receipt.html", dues=item, yuan=f"{Decimal(item.amount_fen) / 100:.2f}",
                  scope=item.member.association.grid)
