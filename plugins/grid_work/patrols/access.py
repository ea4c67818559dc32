"""Who sees whose work: a worker (grid_work.own) only their own patrols and log — a colleague's
is a 404 as another town's is —, an admin (grid_work.view) the workers of their scope."""
from datetime import date
from functools import wraps

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from portal.auth.models import User
from portal.extensions import db
from portal.grids.models import Grid
from portal.permissions import can
from portal.tenancy import in_subtree_where_on, load_scoped

from .models import GridWorkPatrol
from .services import MODULE

WORKER_ROLE = "grid_worker"


def is_worker(user=None) -> bool:
    return can(user or current_user, "grid_work.own")


def requires_own_or_view(view):
    """A page a worker opens for their own work and an admin for a worker of their scope."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not (can(current_user, "grid_work.own") or can(current_user, "grid_work.view")):
            abort(403)
        return view(*args, **kwargs)

    wrapped.required_permission = "grid_work.view"
    return wrapped


def own(worker_id: int | None = None) -> User:
    """The worker whose work the page shows: for a worker themselves (any other id is a 404),
    for an admin a grid worker of their scope."""
    if is_worker() and not can(current_user, "grid_work.view"):
        if worker_id is not None and worker_id != current_user.id:
            abort(404)
        return current_user
    worker = load_scoped(User, worker_id)
    if worker.role != WORKER_ROLE:
        abort(404)
    return worker


def patrol_seen(patrol_id) -> GridWorkPatrol:
    patrol = load_scoped(GridWorkPatrol, patrol_id)
    if is_worker() and patrol.worker_id != current_user.id:
        abort(404)
    return patrol


def own_patrol(patrol_id) -> GridWorkPatrol:
    """A patrol the worker acts on: their own only."""
    patrol = load_scoped(GridWorkPatrol, patrol_id)
    if patrol.worker_id != current_user.id:
        abort(404)
    return patrol


def workers_in(scope: Grid) -> list[User]:
    """The active grid workers of ``scope`` where the module is on, by grid code and name."""
    return list(db.session.scalars(
        select(User).join(Grid, Grid.id == User.scope_id)
        .where(User.role == WORKER_ROLE, User.is_active_flag.is_(True),
               in_subtree_where_on(MODULE, scope))
        .options(contains_eager(User.scope))  # the list names each worker's grid
        .order_by(Grid.code, User.display_name, User.id)))


def parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        abort(404)
