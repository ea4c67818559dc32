"""Volunteer-service pages: activities (list, new, one activity with its check-in QR code), signing
up, scanning in and out, cancelling, and the leader's check-in, check-out and confirmation."""
import segno
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.errors import DomainError
from portal.extensions import db
from portal.forms import choices
from portal.grids.models import Grid
from portal.i18n import colon, semicolon
from portal.permissions import can, requires
from portal.rendering import render
from portal.tenancy import in_subtree, in_subtree_where_on
from portal.timeutil import to_utc, utcnow
from portal.web import REFUSED, commit, rollback, run_action, submit_form

from . import services
from .forms import ActivityForm, ConfirmForm
from .models import VolunteersActivity, VolunteersSignup, VolunteersTeam
from .visibility import led, own_volunteer, town_visible, visible_activity


@requires("volunteers.activities")
def activities():
    volunteer = services.volunteer_of(current_user)
    base = in_subtree_where_on("volunteers", current_user.scope)
    if volunteer is not None and not can(current_user, "volunteers.view"):
        # module on or off is settled: the volunteer's own town, which the guard let in
        base = in_subtree(Grid.code, volunteer.town)
    past = request.args.get("past") == "1"
    now = utcnow()
    query = (select(VolunteersActivity).join(VolunteersTeam)
             .join(Grid, Grid.id == VolunteersTeam.grid_id).where(base)
             .options(joinedload(VolunteersActivity.team).joinedload(VolunteersTeam.grid)))
    query = (query.where(VolunteersActivity.ends_at < now)
             .order_by(VolunteersActivity.starts_at.desc()) if past else
             query.where(VolunteersActivity.ends_at >= now).order_by(VolunteersActivity.starts_at))
    own = request.args.get("mine") == "1" and not past
    if own:  # the today list's "this week": what I signed up for or my teams run, 7 days ahead
        from .today import week_condition

        query = query.where(week_condition(current_user, volunteer, now))
    rows = db.session.scalars(query.limit(100)).all()
    mine = set()
    if volunteer is not None:
        mine = set(db.session.scalars(select(VolunteersSignup.activity_id).filter_by(
            volunteer_id=volunteer.id, cancelled_at=None)))
    return render("volunteers/activities.html", rows=rows, past=past, mine=mine,
                  volunteer=volunteer, own=own)


def _team_choices():
    """Teams the user may create activities for: all in scope for managers, led ones for
    leaders."""
    if can(current_user, "volunteers.manage"):
        teams_ = db.session.scalars(select(VolunteersTeam).join(Grid, Grid.id == VolunteersTeam.grid_id)
                                    .where(in_subtree_where_on("volunteers", current_user.scope))
                                    .order_by(VolunteersTeam.name)).all()
    else:
        ids = services.led_team_ids(current_user)
        teams_ = db.session.scalars(select(VolunteersTeam).where(VolunteersTeam.id.in_(ids))).all()
    return teams_


@requires("volunteers.lead")
def activity_new():
    teams_ = _team_choices()
    form = ActivityForm(team=request.args.get("team", type=int))
    form.team.choices = choices([(t.id, t.name) for t in teams_])
    return submit_form(
        form, lambda: services.create_activity(
            next(t for t in teams_ if t.id == form.team.data), title=form.title.data,
            place=form.place.data, starts_at=to_utc(form.starts_at.data),
            ends_at=to_utc(form.ends_at.data), capacity=form.capacity.data,
            points=form.points_per_hour.data, description=form.description.data or None,
            actor=current_user),
        done=_("已发布活动。"),
        then=lambda activity: url_for("volunteers.activity", activity_id=activity.id),
        page=lambda: render("volunteers/activity_form.html", form=form, teams=teams_))


def checkin_url(activity) -> str:
    from flask import current_app

    base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url
    return base.rstrip("/") + url_for("volunteers.scan", activity_id=activity.id,
                                      token=activity.checkin_token)


@requires("volunteers.activities")
def activity(activity_id):
    item = visible_activity(activity_id)
    lead = led(item.team_id)
    volunteer = services.volunteer_of(current_user)
    mine = None
    if volunteer is not None:
        mine = db.session.scalar(select(VolunteersSignup).filter_by(activity_id=item.id,
                                                                    volunteer_id=volunteer.id))
    signups = []
    if lead or can(current_user, "volunteers.view"):
        signups = db.session.scalars(
            select(VolunteersSignup).filter_by(activity_id=item.id, cancelled_at=None)
            .options(joinedload(VolunteersSignup.volunteer)).order_by(VolunteersSignup.id)).all()
    qr = Markup(segno.make(checkin_url(item), error="m").svg_inline(scale=4, border=2)) \
        if lead else None
    return render("volunteers/activity.html", activity=item, signups=signups, lead=lead,
                  mine=mine, volunteer=volunteer, qr=qr, form=ConfirmForm(),
                  now=utcnow(), minutes_of=services.served_minutes, scope=item.team.grid)


@requires("volunteers.self")
def signup(activity_id):
    item = visible_activity(activity_id)
    volunteer = own_volunteer()

    return run_action(lambda: services.sign_up(item, volunteer), done=_("报名成功。"),
                      then=url_for("volunteers.activity", activity_id=item.id))


@requires("volunteers.self")
def signup_cancel(activity_id):
    item = visible_activity(activity_id)
    volunteer = own_volunteer()
    mine = db.session.scalar(select(VolunteersSignup).filter_by(activity_id=item.id,
                                                                volunteer_id=volunteer.id))
    if mine is None:
        abort(404)
    return run_action(lambda: services.cancel(mine), done=_("已取消报名。"),
                      then=url_for("volunteers.activity", activity_id=item.id))


@requires("volunteers.self")
def scan(activity_id, token):
    """The QR code at the activity: a signed-up volunteer checks in, later out, themselves."""
    item = visible_activity(activity_id)
    if token != item.checkin_token:
        abort(404)
    volunteer = own_volunteer()
    mine = db.session.scalar(select(VolunteersSignup).filter_by(
        activity_id=item.id, volunteer_id=volunteer.id, cancelled_at=None))
    error = None
    if request.method == "POST":
        try:
            if mine is None:
                raise DomainError(_("您没有报名这个活动。"))
            if mine.checked_in_at is None:
                services.check_in(mine)
                done = _("签到成功。")
            else:
                services.check_out(mine)
                done = _("签退成功，服务时长待队长确认。")
            commit()
            flash(done, "success")
            return redirect(url_for("volunteers.activity", activity_id=item.id))
        except DomainError as refused:
            rollback()
            error = str(refused)
    return render("volunteers/scan.html", activity=item, mine=mine, error=error,
                  token=token), REFUSED if error else 200


@requires("volunteers.lead")
def activity_cancel(activity_id):
    item = visible_activity(activity_id)
    if not led(item.team_id):
        abort(403)
    return run_action(lambda: services.cancel_activity(item, actor=current_user),
                      done=_("活动已取消，已报名的志愿者会在活动页看到。"),
                      then=url_for("volunteers.activity", activity_id=item.id))


@requires("volunteers.lead")
def signup_act(signup_id, action):
    item = db.session.get(VolunteersSignup, signup_id)
    if item is None or not town_visible(item.activity.scope_code):
        abort(404)
    if not led(item.activity.team_id):
        abort(403)
    form = ConfirmForm()

    def work() -> None:
        try:
            if action == "checkin":
                services.check_in(item)
            elif action == "checkout":
                services.check_out(item)
            elif form.validate_on_submit():
                services.confirm(item, actor=current_user, minutes=form.minutes.data)
            else:
                raise DomainError(semicolon().join(str(e) for errors in form.errors.values()
                                           for e in errors))
        except DomainError as error:  # the leader acts on a list: say whose row was refused
            raise DomainError(f"{item.volunteer.name}{colon()}{error}") from error

    return run_action(work, done=None,
                      then=url_for("volunteers.activity", activity_id=item.activity_id))
