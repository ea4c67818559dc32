"""Volunteer-service pages: a volunteer's own page (their hours, activities and claims), and the
staff's decisions on claimed hours."""
from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.errors import DomainError
from portal.extensions import db
from portal.forms import choices
from portal.grids.models import Grid
from portal.permissions import can, requires
from portal.rendering import render
from portal.tenancy import in_subtree_where_on
from portal.web import run_action, submit_form

from . import services, stats
from .forms import ClaimForm, DecideForm
from .models import VolunteersClaim, VolunteersSignup, VolunteersTeam
from .visibility import led, town_visible


@requires("volunteers.self")
def me():
    volunteer = services.volunteer_of(current_user)
    form = ClaimForm()
    teams_ = [m.team for m in volunteer.memberships if m.left_on is None] if volunteer else []
    form.team.choices = choices([(t.id, t.name) for t in teams_])
    if request.method == "POST" and volunteer is None:
        abort(403)
    return submit_form(
        form, lambda: services.submit_claim(volunteer,
                                            next(t for t in teams_ if t.id == form.team.data),
                                            form.worked_on.data, form.minutes.data,
                                            form.description.data),
        done=_("已提交，队长审核后计入服务时长。"), then=url_for("volunteers.me"),
        page=lambda: _own_page(volunteer, form))


def _own_page(volunteer, form: ClaimForm):
    signups, claims, minutes = [], [], 0
    if volunteer is not None:
        signups = db.session.scalars(
            select(VolunteersSignup).filter_by(volunteer_id=volunteer.id, cancelled_at=None)
            .options(joinedload(VolunteersSignup.activity))
            .order_by(VolunteersSignup.id.desc()).limit(50)).all()
        claims = db.session.scalars(select(VolunteersClaim).filter_by(volunteer_id=volunteer.id)
                                    .order_by(VolunteersClaim.id.desc()).limit(50)).all()
        minutes = stats.volunteer_minutes(volunteer.id)
    return render("volunteers/me.html", volunteer=volunteer, form=form, signups=signups,
                  claims=claims, minutes=minutes)


@requires("volunteers.lead")
def claims():
    query = (select(VolunteersClaim).join(VolunteersTeam)
             .join(Grid, Grid.id == VolunteersTeam.grid_id)
             .where(VolunteersClaim.status == "pending")
             .options(joinedload(VolunteersClaim.volunteer), joinedload(VolunteersClaim.team)))
    if can(current_user, "volunteers.manage"):
        query = query.where(in_subtree_where_on("volunteers", current_user.scope))
    else:
        query = query.where(VolunteersTeam.id.in_(services.led_team_ids(current_user)))
    rows = db.session.scalars(query.order_by(VolunteersClaim.id)).all()
    return render("volunteers/claims.html", rows=rows, form=DecideForm())


@requires("volunteers.lead")
def claim_decide(claim_id):
    item = db.session.get(VolunteersClaim, claim_id)
    if item is None or not town_visible(item.scope_code):
        abort(404)
    if not led(item.team_id):
        abort(403)
    form = DecideForm()

    def work() -> None:
        if not form.validate_on_submit():
            raise DomainError(_("请选择审核结果。"))
        services.decide_claim(item, form.decision.data == "approve", actor=current_user,
                              reason=form.reason.data or None)

    return run_action(work, done=_("已审核。"), then=url_for("volunteers.claims"))
