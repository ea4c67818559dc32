"""Association pages: a member's score history and appeals, and the decision on an appeal."""
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.errors import DomainError
from portal.extensions import db
from portal.forms import refuse
from portal.permissions import can, requires
from portal.plugins import require_module_at
from portal.rendering import render
from portal.request_guard import parse_id
from portal.scoping import in_or_above_user_scope, scoped_near

from . import services
from .forms import AppealForm, DecideForm
from .loading import running, this_year
from .models import AssociationsAppeal, AssociationsMember, AssociationsScore


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
            except DomainError as error:
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
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "error")
    else:
        flash(_("请写明处理意见。"), "error")
    return redirect(url_for("associations.show", association_id=association.id))
