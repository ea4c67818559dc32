"""Who opens the duty pages and how much they see: admins (grid_work.view) the records of their
scope, a grid worker (grid_work.own) only their own. Shared by the duty part's views."""
from functools import wraps

from flask import abort, request
from flask_login import current_user, login_required
from sqlalchemy import or_, select

from portal.extensions import db
from portal.grids.models import TOWN, VILLAGE, Grid
from portal.permissions import can
from portal.tenancy import codes_above, in_subtree_where_on
from portal.timeutil import local_today

from .figures import MODULE

VIEW, OWN, MANAGE = "grid_work.view", "grid_work.own", "grid_work.manage"


def requires_view_or_own(view):
    """Logged in and holding grid_work.view (an admin) or grid_work.own (a worker), else 403."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not (can(current_user, VIEW) or can(current_user, OWN)):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def admin_view() -> bool:
    """An admin's page (the scope's records); otherwise a worker's (their own)."""
    return can(current_user, VIEW)


def may_manage(record=None) -> bool:
    return can(current_user, MANAGE, record)


def require_manage(record) -> None:
    if not may_manage(record):
        abort(403)


def seen_nodes_condition(scope: Grid):
    """A meeting's or training's node as an admin sees it: in their subtree (where the module is
    on), or a node above them (their town's meeting, to which their workers were invited)."""
    above = codes_above(scope.code)[:-1]
    return or_(in_subtree_where_on(MODULE, scope), Grid.code.in_(above)) if above \
        else in_subtree_where_on(MODULE, scope)


def host_nodes() -> list[Grid]:
    """The towns and villages of the user's scope where the module is on: what a meeting or a
    training may be of."""
    return list(db.session.scalars(select(Grid).where(
        Grid.level.in_((TOWN, VILLAGE)), Grid.retired_at.is_(None),
        in_subtree_where_on(MODULE, current_user.scope)).order_by(Grid.code)))


def year_arg() -> int:
    today = local_today()
    year = request.args.get("year", type=int)
    return year if year and 2000 <= year <= today.year + 1 else today.year
