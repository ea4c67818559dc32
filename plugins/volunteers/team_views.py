"""Volunteer-service pages: teams, their members and leaders."""
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from portal.errors import DomainError
from portal.extensions import db
from portal.forms import choices, refuse
from portal.grids.models import Grid
from portal.permissions import can, requires
from portal.plugins import in_subtree_where_on
from portal.rendering import render
from portal.scoping import in_user_scope, scoped
from portal.timeutil import local_today

from . import services
from .forms import MemberForm, TeamForm
from .models import VolunteersActivity, VolunteersMember, VolunteersTeam, VolunteersVolunteer
from .visibility import led, team_grids, town_visible


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
            except DomainError as error:
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
