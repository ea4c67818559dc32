"""The volunteer service's pages: staff (register, teams, activities, pairing help, proxy
services, figures), team leaders (check-in, hours), and volunteers themselves (sign up, scan in,
report hours, certificate)."""
from datetime import date, datetime

import segno
from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from portal.extensions import db
from portal.forms import choices, refuse
from portal.grids.models import GRID, SPECIAL, TOWN, VILLAGE, Grid
from portal.grids.services import grids_in
from portal.modules.services import town_of
from portal.people import number_search
from portal.people.models import Household, Resident
from portal.people.search import SearchRefused, find_residents, refusal_status
from portal.permissions import can, requires
from portal.plugins import in_subtree_where_on, module_on_for_request, require_module_at
from portal.rendering import render
from portal.scoping import in_user_scope, scoped
from portal.timeutil import LOCAL_OFFSET, local_today, utcnow

from . import services, stats
from .forms import (ActivityForm, ClaimForm, ConfirmForm, DecideForm, MemberForm, PairingForm,
                    PairVisitForm, ProxyForm, ProxyMoveForm, RegisterForm, SettingsForm, TeamForm)
from .models import (VolunteersActivity, VolunteersClaim, VolunteersMember, VolunteersPairing,
                     VolunteersProxy, VolunteersSignup, VolunteersTeam, VolunteersVolunteer)
from .services import VolunteerError

bp = Blueprint("volunteers", __name__, url_prefix="/volunteers", template_folder="templates",
               static_folder="static")

def to_utc(local: datetime) -> datetime:
    return local - LOCAL_OFFSET


def base_grids():
    return db.session.scalars(grids_in(current_user.scope)
                              .where(Grid.level.in_((GRID, SPECIAL)),
                                     in_subtree_where_on("volunteers", current_user.scope))).all()


def team_grids():
    return db.session.scalars(grids_in(current_user.scope)
                              .where(Grid.level.in_((TOWN, VILLAGE)),
                                     in_subtree_where_on("volunteers", current_user.scope))).all()


def own_volunteer() -> VolunteersVolunteer:
    volunteer = services.volunteer_of(current_user)
    if volunteer is None:
        abort(403)
    return volunteer


def town_visible(code: str) -> bool:
    """Staff see their subtree and the teams of the village or town above them (a grid worker
    works with the village's teams); a volunteer sees their whole town's. Nobody sees a record
    of a town where the module is off."""
    if not module_on_for_request(code):
        return False
    if in_user_scope(code) or current_user.scope.code.startswith(code):
        return True
    volunteer = services.volunteer_of(current_user)
    return volunteer is not None and code.startswith(volunteer.town.code)


def visible_activity(activity_id) -> VolunteersActivity:
    activity = db.session.get(VolunteersActivity, activity_id)
    if activity is None or not town_visible(activity.scope_code):
        abort(404)
    return activity


def led(obj_team_id: int) -> bool:
    return can(current_user, "volunteers.lead", _TeamRef(obj_team_id))


class _TeamRef:
    """What the permission hook is asked about: a team (by id) and where it is."""

    def __init__(self, team_id):
        self.team_id = team_id
        team = db.session.get(VolunteersTeam, team_id)
        self.scope_code = team.grid.code if team else None


# ---------------------------------------------------------------- overview and figures


@bp.route("/")
@requires("volunteers.view")
def index():
    scope = current_user.scope
    upcoming = db.session.scalars(
        select(VolunteersActivity).join(VolunteersTeam).join(Grid, Grid.id == VolunteersTeam.grid_id)
        .where(in_subtree_where_on("volunteers", scope), VolunteersActivity.ends_at >= utcnow(),
               VolunteersActivity.cancelled_at.is_(None))
        .options(joinedload(VolunteersActivity.team))
        .order_by(VolunteersActivity.starts_at).limit(10)).all()
    return render("volunteers/index.html", scope=scope, figures=stats.figures(scope),
                  upcoming=upcoming, overdue=services.pairings_due(scope, only_overdue=True))


@bp.route("/settings", methods=["GET", "POST"])
@requires("volunteers.settings")
def settings():
    from portal.admin.blueprint import chosen_town

    town, towns = chosen_town()
    if town is None:
        abort(404)
    form = SettingsForm(points_per_hour=services.points_per_hour(town))
    if form.validate_on_submit():
        try:
            services.set_points_per_hour(town, form.points_per_hour.data, actor=current_user)
            db.session.commit()
            flash(_("已保存。"), "success")
            return redirect(url_for("volunteers.settings", town=town.code))
        except VolunteerError as error:
            refuse(form, error)
    return render("volunteers/settings.html", form=form, town=town,
                  towns=towns), 400 if form.errors else 200


# ---------------------------------------------------------------- volunteers


@bp.route("/people")
@requires("volunteers.view")
def people():
    q = request.args.get("q", "").strip()
    query = (select(VolunteersVolunteer).join(Grid, Grid.id == VolunteersVolunteer.grid_id)
             .where(in_subtree_where_on("volunteers", current_user.scope),
                    VolunteersVolunteer.left_on.is_(None)))
    check = None
    if q:
        try:  # phones are masked on these pages: searched by them as the register is
            phone, check = number_search.phone_condition(VolunteersVolunteer.phone, q,
                                                         current_user.scope)
        except SearchRefused as refusal:
            return render("volunteers/people.html", "volunteers/_people_rows.html", rows=[], q=q,
                          search_refusal=refusal), refusal_status(refusal)
        query = query.where(or_(VolunteersVolunteer.name.contains(q, autoescape=True),
                                VolunteersVolunteer.number.contains(q, autoescape=True),
                                *([phone] if phone is not None else [])))
    rows = db.session.scalars(query.options(
        joinedload(VolunteersVolunteer.grid),
        selectinload(VolunteersVolunteer.memberships).joinedload(VolunteersMember.team))
        .order_by(VolunteersVolunteer.id).limit(200)).all()
    if check is not None:
        check.done(len(rows))
    return render("volunteers/people.html", "volunteers/_people_rows.html", rows=rows, q=q)


@bp.route("/people/new", methods=["GET", "POST"])
@requires("volunteers.manage")
def register():
    form = RegisterForm()
    form.grid.choices = choices([(g.id, g.name) for g in base_grids()])
    q = request.args.get("q", "").strip()
    found, search_refusal = find_residents(current_user.scope, q, limit=20)
    if form.validate_on_submit():
        resident = None
        if form.resident.data:
            resident = scoped(Resident, form.resident.data, lambda r: r.grid.code)
        grid = next((g for g in base_grids() if g.id == form.grid.data), None)
        try:
            if resident is None and grid is None:
                raise VolunteerError(_("请选择所属网格。"), field="grid")
            volunteer = services.register(grid=grid, resident=resident, name=form.name.data,
                                          phone=form.phone.data or None,
                                          email=form.email.data or None,
                                          password=form.password.data or None, actor=current_user)
            db.session.commit()
            flash(_("已登记志愿者 %(name)s，编号 %(n)s。", name=volunteer.name, n=volunteer.number),
                  "success")
            return redirect(url_for("volunteers.person", volunteer_id=volunteer.id))
        except VolunteerError as error:
            refuse(form, error)
    return render("volunteers/register.html", form=form, q=q, found=found,
                  search_refusal=search_refusal), \
        refusal_status(search_refusal, 400 if form.errors or form.form_errors else 200)


def scoped_volunteer(volunteer_id) -> VolunteersVolunteer:
    volunteer = db.session.get(VolunteersVolunteer, volunteer_id)
    if volunteer is None:
        abort(404)
    require_module_at(volunteer.grid.code)
    if in_user_scope(volunteer.grid.code) and can(current_user, "volunteers.view"):
        return volunteer
    if volunteer.user_id is not None and volunteer.user_id == current_user.id:
        return volunteer  # one's own record
    abort(404)


@bp.route("/people/<int:volunteer_id>")
@requires("volunteers.activities")
def person(volunteer_id):
    volunteer = scoped_volunteer(volunteer_id)
    signups = db.session.scalars(
        select(VolunteersSignup).filter_by(volunteer_id=volunteer.id)
        .options(joinedload(VolunteersSignup.activity).joinedload(VolunteersActivity.team))
        .order_by(VolunteersSignup.id.desc())).all()
    claims = db.session.scalars(select(VolunteersClaim).filter_by(volunteer_id=volunteer.id)
                                .options(joinedload(VolunteersClaim.team))
                                .order_by(VolunteersClaim.id.desc())).all()
    return render("volunteers/person.html", volunteer=volunteer, signups=signups, claims=claims,
                  minutes=stats.volunteer_minutes(volunteer.id), scope=volunteer.grid)


@bp.route("/people/<int:volunteer_id>/certificate")
@requires("volunteers.activities")
def certificate(volunteer_id):
    volunteer = scoped_volunteer(volunteer_id)
    teams = [m.team for m in volunteer.memberships if m.left_on is None]
    return render("volunteers/certificate.html", volunteer=volunteer, teams=teams,
                  minutes=stats.volunteer_minutes(volunteer.id), today=local_today())


# ---------------------------------------------------------------- teams


@bp.route("/teams")
@requires("volunteers.view")
def teams():
    rows = db.session.scalars(
        select(VolunteersTeam).join(Grid, Grid.id == VolunteersTeam.grid_id)
        .where(in_subtree_where_on("volunteers", current_user.scope)).options(
            joinedload(VolunteersTeam.grid), selectinload(VolunteersTeam.members))
        .order_by(Grid.code, VolunteersTeam.name)).all()
    form = TeamForm()
    form.grid.choices = choices([(g.id, g.name) for g in team_grids()])
    return render("volunteers/teams.html", rows=rows, form=form)


@bp.route("/teams/new", methods=["POST"])
@requires("volunteers.manage")
def team_create():
    form = TeamForm()
    places = team_grids()
    form.grid.choices = choices([(g.id, g.name) for g in places])
    if form.validate_on_submit():
        place = next(g for g in places if g.id == form.grid.data)
        if db.session.scalar(select(VolunteersTeam.id).filter_by(grid_id=place.id,
                                                                 name=form.name.data)):
            form.name.errors.append(_("这里已有同名队伍。"))
        else:
            from portal import audit

            team = VolunteersTeam(grid_id=place.id, name=form.name.data, kind=form.kind.data)
            db.session.add(team)
            db.session.flush()
            audit.record("volunteers.team_create", team, scope_code=place.code, name=team.name)
            db.session.commit()
            flash(_("已建立队伍。"), "success")
            return redirect(url_for("volunteers.team", team_id=team.id))
    rows = db.session.scalars(select(VolunteersTeam).join(Grid, Grid.id == VolunteersTeam.grid_id)
                              .where(in_subtree_where_on("volunteers", current_user.scope))).all()
    return render("volunteers/teams.html", rows=rows, form=form), 400


def scoped_team(team_id) -> VolunteersTeam:
    team = db.session.get(VolunteersTeam, team_id)
    if team is None or not town_visible(team.grid.code):
        abort(404)
    return team


@bp.route("/teams/<int:team_id>", methods=["GET", "POST"])
@requires("volunteers.activities")
def team(team_id):
    team_ = scoped_team(team_id)
    form = MemberForm()
    status = 200
    if request.method == "POST":
        if not can(current_user, "volunteers.manage", team_) or not in_user_scope(team_.grid.code):
            abort(403)
        if form.validate_on_submit():
            volunteer = scoped(VolunteersVolunteer, form.volunteer.data, lambda v: v.grid.code)
            try:
                services.add_member(team_, volunteer, leader=form.leader.data, actor=current_user)
                db.session.commit()
                flash(_("已加入队伍。"), "success")
                return redirect(url_for("volunteers.team", team_id=team_.id))
            except VolunteerError as error:
                refuse(form, error)
        status = 400
    members = db.session.scalars(select(VolunteersMember).filter_by(team_id=team_.id, left_on=None)
                                 .options(joinedload(VolunteersMember.volunteer))
                                 .order_by(VolunteersMember.id)).all()
    activities = db.session.scalars(select(VolunteersActivity).filter_by(team_id=team_.id)
                                    .order_by(VolunteersActivity.starts_at.desc()).limit(30)).all()
    candidates = []
    q = request.args.get("q", "").strip()
    if q and can(current_user, "volunteers.manage"):
        candidates = db.session.scalars(
            select(VolunteersVolunteer).join(Grid, Grid.id == VolunteersVolunteer.grid_id)
            .where(in_subtree_where_on("volunteers", current_user.scope),
                   VolunteersVolunteer.left_on.is_(None),
                   or_(VolunteersVolunteer.name.contains(q, autoescape=True),
                       VolunteersVolunteer.number.contains(q, autoescape=True)))
            .limit(20)).all()
    return render("volunteers/team.html", team=team_, members=members, activities=activities,
                  form=form, q=q, candidates=candidates, lead=led(team_.id),
                  scope=team_.grid), status


@bp.route("/members/<int:member_id>", methods=["POST"])
@requires("volunteers.manage")
def member(member_id):
    from portal import audit

    item = scoped(VolunteersMember, member_id, lambda m: m.team.grid.code)
    action = request.form.get("action")
    if action == "leader":
        item.leader = not item.leader
    elif action == "leave":
        item.left_on, item.leader = local_today(), False
    else:
        abort(400)
    audit.record("volunteers.member_" + action, item.team, scope_code=item.team.grid.code,
                 volunteer=item.volunteer.number, leader=item.leader)
    db.session.commit()
    return redirect(url_for("volunteers.team", team_id=item.team_id))


# ---------------------------------------------------------------- activities


@bp.route("/activities")
@requires("volunteers.activities")
def activities():
    volunteer = services.volunteer_of(current_user)
    base = in_subtree_where_on("volunteers", current_user.scope)
    if volunteer is not None and not can(current_user, "volunteers.view"):
        base = Grid.code.startswith(volunteer.town.code, autoescape=True)
    past = request.args.get("past") == "1"
    now = utcnow()
    query = (select(VolunteersActivity).join(VolunteersTeam)
             .join(Grid, Grid.id == VolunteersTeam.grid_id).where(base)
             .options(joinedload(VolunteersActivity.team).joinedload(VolunteersTeam.grid)))
    query = (query.where(VolunteersActivity.ends_at < now)
             .order_by(VolunteersActivity.starts_at.desc()) if past else
             query.where(VolunteersActivity.ends_at >= now).order_by(VolunteersActivity.starts_at))
    rows = db.session.scalars(query.limit(100)).all()
    mine = set()
    if volunteer is not None:
        mine = set(db.session.scalars(select(VolunteersSignup.activity_id).filter_by(
            volunteer_id=volunteer.id, cancelled_at=None)))
    return render("volunteers/activities.html", rows=rows, past=past, mine=mine,
                  volunteer=volunteer)


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


@bp.route("/activities/new", methods=["GET", "POST"])
@requires("volunteers.lead")
def activity_new():
    teams_ = _team_choices()
    form = ActivityForm(team=request.args.get("team", type=int))
    form.team.choices = choices([(t.id, t.name) for t in teams_])
    if form.validate_on_submit():
        team_ = next(t for t in teams_ if t.id == form.team.data)
        try:
            activity = services.create_activity(
                team_, title=form.title.data, place=form.place.data,
                starts_at=to_utc(form.starts_at.data), ends_at=to_utc(form.ends_at.data),
                capacity=form.capacity.data, points=form.points_per_hour.data,
                description=form.description.data or None, actor=current_user)
            db.session.commit()
            flash(_("已发布活动。"), "success")
            return redirect(url_for("volunteers.activity", activity_id=activity.id))
        except VolunteerError as error:
            refuse(form, error)
    return render("volunteers/activity_form.html", form=form,
                  teams=teams_), 400 if form.errors else 200


def checkin_url(activity) -> str:
    from flask import current_app

    base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url
    return base.rstrip("/") + url_for("volunteers.scan", activity_id=activity.id,
                                      token=activity.checkin_token)


@bp.route("/activities/<int:activity_id>")
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


@bp.route("/activities/<int:activity_id>/signup", methods=["POST"])
@requires("volunteers.self")
def signup(activity_id):
    item = visible_activity(activity_id)
    volunteer = own_volunteer()
    try:
        if request.form.get("action") == "cancel":
            mine = db.session.scalar(select(VolunteersSignup).filter_by(
                activity_id=item.id, volunteer_id=volunteer.id))
            if mine is None:
                abort(404)
            services.cancel(mine)
            message = _("已取消报名。")
        else:
            services.sign_up(item, volunteer)
            message = _("报名成功。")
        db.session.commit()
        flash(message, "success")
        return redirect(url_for("volunteers.activity", activity_id=item.id))
    except VolunteerError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("volunteers.activity", activity_id=item.id)), 303


@bp.route("/activities/<int:activity_id>/scan/<token>", methods=["GET", "POST"])
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
                raise VolunteerError(_("您没有报名这个活动。"))
            if mine.checked_in_at is None:
                services.check_in(mine)
                flash(_("签到成功。"), "success")
            else:
                services.check_out(mine)
                flash(_("签退成功，服务时长待队长确认。"), "success")
            db.session.commit()
            return redirect(url_for("volunteers.activity", activity_id=item.id))
        except VolunteerError as refused:
            db.session.rollback()
            error = str(refused)
    return render("volunteers/scan.html", activity=item, mine=mine, error=error,
                  token=token), 400 if error else 200


@bp.route("/activities/<int:activity_id>/cancel", methods=["POST"])
@requires("volunteers.lead")
def activity_cancel(activity_id):
    item = visible_activity(activity_id)
    if not led(item.team_id):
        abort(403)
    try:
        services.cancel_activity(item, actor=current_user)
        db.session.commit()
        flash(_("活动已取消，已报名的志愿者会在活动页看到。"), "success")
    except VolunteerError as error:
        db.session.rollback()
        flash(str(error), "error")
    return redirect(url_for("volunteers.activity", activity_id=item.id))


@bp.route("/signups/<int:signup_id>/<any(checkin, checkout, confirm):action>", methods=["POST"])
@requires("volunteers.lead")
def signup_act(signup_id, action):
    item = db.session.get(VolunteersSignup, signup_id)
    if item is None or not town_visible(item.activity.scope_code):
        abort(404)
    if not led(item.activity.team_id):
        abort(403)
    form = ConfirmForm()
    try:
        if action == "checkin":
            services.check_in(item)
        elif action == "checkout":
            services.check_out(item)
        elif form.validate_on_submit():
            services.confirm(item, actor=current_user, minutes=form.minutes.data)
        else:
            raise VolunteerError("；".join(str(e) for errors in form.errors.values() for e in errors))
        db.session.commit()
    except VolunteerError as error:
        db.session.rollback()
        flash(f"{item.volunteer.name}：{error}", "error")
    return redirect(url_for("volunteers.activity", activity_id=item.activity_id))


# ---------------------------------------------------------------- a volunteer's own page


@bp.route("/me", methods=["GET", "POST"])
@requires("volunteers.self")
def me():
    volunteer = services.volunteer_of(current_user)
    form = ClaimForm()
    teams_ = [m.team for m in volunteer.memberships if m.left_on is None] if volunteer else []
    form.team.choices = choices([(t.id, t.name) for t in teams_])
    status = 200
    if request.method == "POST":
        if volunteer is None:
            abort(403)
        if form.validate_on_submit():
            team_ = next(t for t in teams_ if t.id == form.team.data)
            try:
                services.submit_claim(volunteer, team_, form.worked_on.data, form.minutes.data,
                                      form.description.data)
                db.session.commit()
                flash(_("已提交，队长审核后计入服务时长。"), "success")
                return redirect(url_for("volunteers.me"))
            except VolunteerError as error:
                refuse(form, error)
        status = 400
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
                  claims=claims, minutes=minutes), status


@bp.route("/claims")
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


@bp.route("/claims/<int:claim_id>", methods=["POST"])
@requires("volunteers.lead")
def claim_decide(claim_id):
    item = db.session.get(VolunteersClaim, claim_id)
    if item is None or not town_visible(item.scope_code):
        abort(404)
    if not led(item.team_id):
        abort(403)
    form = DecideForm()
    if form.validate_on_submit():
        try:
            services.decide_claim(item, form.decision.data == "approve", actor=current_user,
                                  reason=form.reason.data or None)
            db.session.commit()
            flash(_("已审核。"), "success")
        except VolunteerError as error:
            db.session.rollback()
            flash(str(error), "error")
    else:
        flash(_("请选择审核结果。"), "error")
    return redirect(url_for("volunteers.claims"))


# ---------------------------------------------------------------- pairing help


@bp.route("/pairings")
@requires("volunteers.pairing")
def pairings():
    return render("volunteers/pairings.html",
                  rows=services.pairings_due(current_user.scope), today=local_today())


@bp.route("/pairings/new", methods=["GET", "POST"])
@requires("volunteers.pairing")
def pairing_new():
    form = PairingForm()
    q = request.args.get("q", "").strip()
    found, search_refusal = find_residents(current_user.scope, q, limit=20)
    volunteers_ = db.session.scalars(
        select(VolunteersVolunteer).join(Grid, Grid.id == VolunteersVolunteer.grid_id)
        .where(in_subtree_where_on("volunteers", town_of(current_user.scope) or current_user.scope),
               VolunteersVolunteer.left_on.is_(None)).order_by(VolunteersVolunteer.name)).all()
    if form.validate_on_submit():
        household = scoped(Household, form.household.data, lambda h: h.grid.code)
        volunteer = next((v for v in volunteers_ if v.id == form.volunteer.data), None)
        if volunteer is None:
            form.volunteer.errors.append(_("请选择本镇的志愿者。"))
        else:
            from portal import audit

            item = VolunteersPairing(volunteer_id=volunteer.id, household_id=household.id,
                                     need=form.need.data, visit_days=form.visit_days.data,
                                     notes=form.notes.data or None)
            db.session.add(item)
            db.session.flush()
            audit.record("volunteers.pairing_create", item, scope_code=household.grid.code,
                         volunteer=volunteer.number, household=household.address)
            db.session.commit()
            flash(_("已建立结对。"), "success")
            return redirect(url_for("volunteers.pairing", pairing_id=item.id))
    return render("volunteers/pairing_form.html", form=form, q=q, found=found,
                  search_refusal=search_refusal, volunteers=volunteers_), \
        refusal_status(search_refusal, 400 if form.errors else 200)


@bp.route("/pairings/<int:pairing_id>", methods=["GET", "POST"])
@requires("volunteers.pairing")
def pairing(pairing_id):
    item = scoped(VolunteersPairing, pairing_id, lambda p: p.scope_code)
    form = PairVisitForm()
    if request.method == "POST" and request.form.get("action") == "end":
        from portal import audit

        item.ended_on = local_today()
        audit.record("volunteers.pairing_end", item, scope_code=item.scope_code)
        db.session.commit()
        flash(_("已结束结对。"), "success")
        return redirect(url_for("volunteers.pairings"))
    if form.validate_on_submit():
        try:
            services.record_pair_visit(item, form.visited_on.data, form.found.data,
                                       actor=current_user)
            db.session.commit()
            flash(_("已记录走访。"), "success")
            return redirect(url_for("volunteers.pairing", pairing_id=item.id))
        except VolunteerError as error:
            refuse(form, error)
    due = next((d for d in services.pairings_due(item.household.grid) if d.pairing.id == item.id),
               None)
    return render("volunteers/pairing.html", pairing=item, form=form, due=due,
                  scope=item.household.grid), 400 if form.errors else 200


# ---------------------------------------------------------------- proxy services


@bp.route("/proxies")
@requires("volunteers.proxy")
def proxies():
    state = request.args.get("state") or None
    query = (select(VolunteersProxy).join(Grid, Grid.id == VolunteersProxy.grid_id)
             .where(in_subtree_where_on("volunteers", current_user.scope))
             .options(joinedload(VolunteersProxy.resident), joinedload(VolunteersProxy.volunteer)))
    if state:
        query = query.filter(VolunteersProxy.status == state)
    rows = db.session.scalars(query.order_by(VolunteersProxy.id.desc()).limit(200)).all()
    return render("volunteers/proxies.html", rows=rows, state=state)


def _case_by_number(number):
    from portal.cases.models import Case

    case = db.session.scalar(select(Case).filter_by(number=number))
    if case is None or not in_user_scope(case.grid.code):
        return None
    return case


@bp.route("/proxies/new", methods=["GET", "POST"])
@requires("volunteers.proxy")
def proxy_new():
    form = ProxyForm(case=request.args.get("case", ""))
    q = request.args.get("q", "").strip()
    found, search_refusal = find_residents(current_user.scope, q, limit=20)
    case = _case_by_number(form.case.data) if form.case.data else None
    if form.validate_on_submit():
        resident = scoped(Resident, form.resident.data, lambda r: r.grid.code)
        if form.case.data and case is None:
            form.case.errors.append(_("没有这个事件编号。"))
        else:
            item = services.request_proxy(resident, form.errand.data, form.description.data,
                                          actor=current_user, case=case)
            db.session.commit()
            flash(_("已登记代办事项。"), "success")
            return redirect(url_for("volunteers.proxy", proxy_id=item.id))
    return render("volunteers/proxy_form.html", form=form, q=q, found=found,
                  search_refusal=search_refusal, case=case), \
        refusal_status(search_refusal, 400 if form.errors else 200)


@bp.route("/proxies/<int:proxy_id>", methods=["GET", "POST"])
@requires("volunteers.proxy")
def proxy(proxy_id):
    item = scoped(VolunteersProxy, proxy_id, lambda p: p.grid.code)
    form = ProxyMoveForm()
    status = 200
    if request.method == "POST":
        to = request.form.get("to")
        if to not in ("accepted", "done", "cancelled"):
            abort(400)
        if form.validate_on_submit():
            volunteer = None
            if form.volunteer.data:
                volunteer = scoped(VolunteersVolunteer, form.volunteer.data,
                                   lambda v: v.town.code)
            try:
                services.move_proxy(item, to, actor=current_user, volunteer=volunteer,
                                    result=form.result.data or None,
                                    satisfaction=int(form.satisfaction.data)
                                    if form.satisfaction.data else None)
                db.session.commit()
                flash(_("已更新代办事项。"), "success")
                return redirect(url_for("volunteers.proxy", proxy_id=item.id))
            except VolunteerError as error:
                refuse(form, error)
        status = 400
    volunteers_ = db.session.scalars(
        select(VolunteersVolunteer).filter_by(town_id=item.town_id, left_on=None)
        .order_by(VolunteersVolunteer.name)).all()
    return render("volunteers/proxy.html", proxy=item, form=form, volunteers=volunteers_,
                  scope=item.grid), status
