"""QR checkpoints: an admin posts codes at places of a grid (list, add, retire, a printable page
of the codes); a worker on patrol scans one with the phone's camera, which opens its page:
with a patrol under way that records the point and shows the patrol, without one it offers to
start one there. The URL's token is unguessable; a checkpoint of another grid is refused with a
message, another town's is a 404 (load_scoped)."""
import segno
from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.errors import DomainError
from portal.extensions import db
from portal.forms import choices
from portal.grids.models import GRID, SPECIAL, Grid
from portal.permissions import requires
from portal.rendering import render
from portal.tenancy import (in_subtree_where_on, load_scoped, require_module_at,
                            scoped_grid_arg, town_code)
from portal.web import REFUSED, commit, rollback, run_action, submit_form

from . import services
from .forms import CheckpointForm
from .models import GridWorkCheckpoint
from .services import MODULE


def _grids() -> list[Grid]:
    return list(db.session.scalars(select(Grid).where(
        Grid.level.in_((GRID, SPECIAL)), Grid.retired_at.is_(None),
        in_subtree_where_on(MODULE, current_user.scope)).order_by(Grid.code)))


def _listed(node: Grid) -> list[GridWorkCheckpoint]:
    return list(db.session.scalars(
        select(GridWorkCheckpoint).join(Grid, Grid.id == GridWorkCheckpoint.grid_id)
        .where(in_subtree_where_on(MODULE, node))
        .options(joinedload(GridWorkCheckpoint.grid))
        .order_by(GridWorkCheckpoint.retired_at.is_not(None), Grid.code,
                  GridWorkCheckpoint.name, GridWorkCheckpoint.id)))


def scan_url(checkpoint: GridWorkCheckpoint) -> str:
    # printed codes outlive the request they were printed from: a configured base URL wins
    base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url
    return base.rstrip("/") + url_for("grid_work.scan",
                                      checkpoint_token=checkpoint.token)


def qr_svg(checkpoint: GridWorkCheckpoint) -> Markup:
    return Markup(segno.make(scan_url(checkpoint), error="m").svg_inline(scale=4, border=2))


@requires("grid_work.manage")
def checkpoints():
    node = scoped_grid_arg(request.values.get("grid")) or current_user.scope
    grids = _grids()
    form = CheckpointForm()
    form.grid.choices = choices([(0, "—"), *((g.id, f"{g.name} {g.code}") for g in grids)])
    if request.method == "GET" and node.level in (GRID, SPECIAL):
        form.grid.data = node.id

    def save():
        grid = load_scoped(Grid, form.grid.data)
        return services.add_checkpoint(grid, form.name.data, latitude=form.latitude.data,
                                       longitude=form.longitude.data, actor=current_user)

    return submit_form(form, save, done=lambda c: _("已添加巡查点“%(name)s”。", name=c.name),
                       then=lambda c: url_for("grid_work.checkpoints", grid=c.grid_id),
                       page=lambda: render("grid_work/patrols/checkpoints.html", form=form,
                                           node=node, grids=grids, rows=_listed(node),
                                           scope=node))


@requires("grid_work.manage")
def checkpoint_retire(checkpoint_id):
    item = load_scoped(GridWorkCheckpoint, checkpoint_id)
    return run_action(lambda: services.retire_checkpoint(item, actor=current_user),
                      done=_("巡查点已撤下，二维码不能再打卡。"),
                      then=url_for("grid_work.checkpoints", grid=item.grid_id))


@requires("grid_work.manage")
def checkpoint_print():
    node = scoped_grid_arg(request.args.get("grid")) or current_user.scope
    live = [c for c in _listed(node) if c.retired_at is None]
    return render("grid_work/patrols/checkpoints_print.html", node=node, scope=node,
                  codes=[(c, qr_svg(c)) for c in live])


def _by_token(token: str) -> GridWorkCheckpoint:
    if len(token) > 32:
        abort(404)
    found = db.session.scalar(select(GridWorkCheckpoint).filter_by(token=token))
    if found is None:
        abort(404)
    # another grid of the worker's own town is refused with a message (check_scan); another
    # town's checkpoint does not exist for them
    if town_code(found.grid.code) != town_code(current_user.scope.code):
        abort(404)
    require_module_at(found.grid.code)
    return found


@requires("grid_work.own")
def scan(checkpoint_token):
    """The page a checkpoint's code opens (GET, which writes nothing: a link alone never
    changes anything) and its one button (POST with its CSRF token: start a patrol here, or
    record the point when one is under way)."""
    item = _by_token(checkpoint_token)
    current = services.under_way(current_user)
    try:
        services.check_scan(item, current_user)
    except DomainError as error:
        return render("grid_work/patrols/scan.html", checkpoint=item, current=current,
                      error=str(error), scope=current_user.scope), REFUSED
    if request.method == "GET":
        return render("grid_work/patrols/scan.html", checkpoint=item, current=None, error=None,
                      scope=current_user.scope)
    try:
        started = False
        if current is None:
            current, started = services.start(current_user)
        services.scan(item, current_user, current)
        commit()
    except DomainError as error:
        rollback()
        return render("grid_work/patrols/scan.html", checkpoint=item, current=current,
                      error=str(error), scope=current_user.scope), REFUSED
    flash(_("巡查已开始，已在“%(name)s”打卡。", name=item.name) if started
          else _("已在“%(name)s”打卡。", name=item.name), "success")
    return redirect(url_for("grid_work.patrol", patrol_id=current.id), 303)
