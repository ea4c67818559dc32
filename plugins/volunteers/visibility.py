"""What a volunteer-service page may show the current user: the grids and towns within their
scope with the module on, the activities they may see, the teams they lead, their own volunteer
record."""
from flask import abort
from flask_login import current_user

from portal.extensions import db
from portal.grids.models import GRID, SPECIAL, TOWN, VILLAGE, Grid
from portal.grids.services import grids_in
from portal.permissions import can
from portal.tenancy import (in_subtree, in_subtree_or_above, in_subtree_where_on,
                            module_on_for_request)

from . import services
from .models import VolunteersActivity, VolunteersTeam, VolunteersVolunteer


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
    if in_subtree_or_above(code, current_user.scope):
        return True
    volunteer = services.volunteer_of(current_user)
    return volunteer is not None and in_subtree(code, volunteer.town)


def visible_activity(activity_id) -> VolunteersActivity:
    activity = db.session.get(VolunteersActivity, activity_id)
    if activity is None or not town_visible(activity.scope_code):
        abort(404)
    return activity


def led(obj_team_id: int) -> bool:
    return can(current_user, "volunteers.lead", _TeamRef(obj_team_id))


class _TeamRef:
    """What the permission hook is asked about: a team (by id) and where it is."""

    #: tenancy: where the team lies (portal.tenancy.records)
    scope_path = "scope_code"

    def __init__(self, team_id):
        self.team_id = team_id
        team = db.session.get(VolunteersTeam, team_id)
        self.scope_code = team.grid.code if team else None
