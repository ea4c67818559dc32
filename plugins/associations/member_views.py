"""Association pages: a member's score history and appeals, and the decision on an appeal."""
from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.errors import DomainError
from portal.extensions import db
from portal.permissions import can, requires
from portal.rendering import render
from portal.tenancy import load_scoped, require_module_at, resident_of, scope_code_of, visible
from portal.web import run_action, submit_form

from . import services
from .forms import AppealForm, DecideForm
from .loading import running, this_year
from .models import AssociationsAppeal, AssociationsMember, AssociationsScore


def own_member(member) -> bool:
    if current_user.role != "resident":
        return False
    resident = resident_of(current_user)
    return resident is not None and member.resident_id == resident.id


def visible_member(member_id) -> AssociationsMember:
    """A member's page: the member themself, or staff who may see the association."""
    member = db.session.get(AssociationsMember, member_id)
    if member is None:
        abort(404)
    require_module_at(scope_code_of(member))  # the module off in its town: no such page
    if own_member(member):
        return member
    if not visible(member) or not can(current_user, "associations.view"):
        abort(404)
    return member


@requires("associations.member")
def member(member_id):
    member_ = visible_member(member_id)
    form = AppealForm()
    if request.method == "POST":
        run = can(current_user, "associations.run", member_.association)
        if not (own_member(member_) or run):
            abort(403)

    def save():
        score_ = db.session.get(AssociationsScore, form.score.data)
        if score_ is None or score_.member_id != member_.id:
            abort(404)
        return services.appeal(score_, form.reason.data, actor=current_user)

    return submit_form(form, save, done=_("已提交申诉，协会负责人处理后会有结果。"),
                       then=url_for("associations.member", member_id=member_.id),
                       page=lambda: _member_page(member_, form))


def _member_page(member_: AssociationsMember, form: AppealForm):
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
                  scope=member_.association.grid)


@requires("associations.run")
def decide(appeal_id):
    item = load_scoped(AssociationsAppeal, appeal_id)
    association = running(item.score.member.association)
    form = DecideForm()

    def work() -> None:
        if not form.validate_on_submit():
            raise DomainError(_("请写明处理意见。"))
        services.decide(item, form.decision.data == "upheld", form.note.data, actor=current_user)

    return run_action(work, done=_("已处理申诉。"),
                      then=url_for("associations.show", association_id=association.id))
