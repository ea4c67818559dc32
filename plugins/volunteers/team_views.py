"""Volunteer-service pages: teams, their members and leaders."""
from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from portal.extensions import db
from portal.forms import choices
from portal.grids.models import Grid
from portal.permissions import can, requires
from portal.rendering import render
from portal.tenancy import in_scope, in_subtree_where_on, load_scoped
from portal.web import run_action, submit_form

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

    def page():
        rows = db.session.scalars(
            select(VolunteersTeam).join(Grid, Grid.id == VolunteersTeam.grid_id)
            .where(in_subtree_where_on("volunteers", current_user.scope))).all()
        return render("volunteers/teams.html", rows=rows, form=form)

    return submit_form(
        form, lambda: services.create_team(next(g for g in places if g.id == form.grid.data),
                                           name=form.name.data, kind=form.kind.data),
        done=_("已建立队伍。"), then=lambda team: url_for("volunteers.team", team_id=team.id),
        page=page)


def scoped_team(team_id) -> VolunteersTeam:
    team = db.session.get(VolunteersTeam, team_id)
    if team is None or not town_visible(team.grid.code):
        abort(404)
    return team


@requires("volunteers.activities")
def team(team_id):
    team_ = scoped_team(team_id)
    form = MemberForm()
    if request.method == "POST":
        if not can(current_user, "volunteers.manage", team_) or not in_scope(current_user, team_):
            abort(403)
    return submit_form(
        form, lambda: services.add_member(team_, load_scoped(VolunteersVolunteer,
                                                             form.volunteer.data),
                                          leader=form.leader.data, actor=current_user),
        done=_("已加入队伍。"), then=url_for("volunteers.team", team_id=team_.id),
        page=lambda: _team_page(team_, form))


def _team_page(team_: VolunteersTeam, form: MemberForm):
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
                  scope=team_.grid)


def _change_member(member_id, change: str):
    item = load_scoped(VolunteersMember, member_id)
    return run_action(lambda: services.change_member(item, change),
                      done=None, then=url_for("volunteers.team", team_id=item.team_id))


@requires("volunteers.manage")
def member_leader(member_id):
    """Make the member the team's leader, or no longer."""
    return _change_member(member_id, "leader")


@requires("volunteers.manage")
def member_leave(member_id):
    return _change_member(member_id, "leave")
