"""The landing page: "what must I do today?" first (portal.today), then, for the staff of the
grid tree, a summary of their part of it, and the modules' cards."""
from flask import Blueprint, redirect
from flask_login import current_user, login_required
from sqlalchemy import func

from portal.extensions import db
from portal.grids.models import GRID, SPECIAL, Grid, GridStaff
from portal.grids.services import counts_under
from portal.local_redirect import local_target
from portal.plugins import host
from portal.rendering import render
from portal.tenancy import in_subtree
from portal.timeutil import local_today

bp = Blueprint("home", __name__)
#: Rows shown under each item of the today list; its number links to them all.
HOME_ROWS = 5


def level_counts(scope: Grid) -> dict[str, int]:
    rows = db.session.execute(
        db.select(Grid.level, func.count()).where(in_subtree(Grid.code, scope), Grid.retired_at.is_(None))
        .group_by(Grid.level))
    return dict(rows.all())


def grids_without_worker(scope: Grid) -> int:
    """Base and special grids with no current grid worker ("一格一员" not met)."""
    staffed = db.select(GridStaff.grid_id).where(GridStaff.post == "worker",
                                                 GridStaff.ended_at.is_(None))
    return db.session.scalar(
        db.select(func.count()).select_from(Grid).where(
            in_subtree(Grid.code, scope), Grid.retired_at.is_(None), Grid.level.in_((GRID, SPECIAL)),
            Grid.id.not_in(staffed)))


def landing_page(user) -> str | None:
    """Where ``user`` starts instead of the home page: a plugin's answer for the user's role
    (the kiosk for its operator), or None. A plugin switched off for the user's town is not
    asked, so its role falls back to the home page."""
    return host().hook(user.scope, "landing_page")(user=user)


@bp.route("/")
@login_required
def index():
    landing = local_target(landing_page(current_user))
    if landing:
        return redirect(landing)
    scope = current_user.scope
    from portal.cases.blueprint import open_emergencies
    from portal.cases.calendar import WorkCalendar, missing_next_year
    from portal.permissions import can

    from portal.today import items_for

    cards = host().collect(scope, "dashboard_cards", scope=scope, user=current_user)
    emergencies = open_emergencies(scope) if can(current_user, "cases.dispatch") else []
    # one working-day calendar for every emergency's light, not a query per row
    calendar = WorkCalendar.around(local_today()) if emergencies else None
    # the summary of the tree is for those who keep it; a resident or an officer gets their list
    summary = can(current_user, "grids.view")
    return render("home.html", scope=scope, levels=level_counts(scope) if summary else {},
                  counts=counts_under(scope) if summary else None,
                  unstaffed=grids_without_worker(scope) if summary else 0, cards=cards,
                  summary=summary, items=items_for(current_user), row_limit=HOME_ROWS,
                  emergencies=emergencies, today=local_today(),
                  calendar=calendar,
                  calendar_missing=missing_next_year() if can(current_user, "calendar.manage") else None)
