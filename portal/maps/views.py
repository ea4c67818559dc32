"""The grid map, its data, and the admin's ways of giving grids a boundary: importing a GeoJSON
file or drawing on the map."""
from flask import current_app, flash, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.cases import deadlines
from portal.dashboard.views import chosen_scope
from portal.extensions import db
from portal.grids.models import Grid
from portal.maps import services
from portal.maps.forms import BoundaryForm
from portal.maps.geojson import FeatureError, GeometryError, check_file
from portal.maps.models import GridBoundary
from portal.permissions import can, requires
from portal.rendering import render
from portal.tenancy import in_subtree, load_scoped
from portal.web import commit


def _measure() -> str:
    value = request.args.get("measure")
    return value if value in services.MEASURES else "red"


def _map_config() -> dict:
    return {"tiles": current_app.config.get("MAP_TILE_URL") or None,
            "attribution": current_app.config.get("MAP_TILE_ATTRIBUTION") or ""}


@requires("grids.view")
def index():
    scope = chosen_scope()
    measure = _measure()
    data_url = url_for("maps.data", grid=scope.id, measure=measure)
    return render("maps/index.html", scope=scope, measure=measure, measures=services.MEASURES,
                  data_url=data_url, config=_map_config(),
                  missing=services.missing_boundaries(scope),
                  table=services.leaf_table(scope, measure, deadlines.today()),
                  breadcrumb=[a for a in scope.ancestors()
                              if in_subtree(a.code, current_user.scope)])


@requires("grids.view")
def data():
    collection = services.feature_collection(chosen_scope(), _measure(), deadlines.today())
    response = jsonify(collection)
    response.mimetype = "application/geo+json"
    return response


@requires("grids.manage")
def import_boundaries():
    """Boundaries from a GeoJSON file whose features name their grid by ``code``. Either every
    feature is good and all are stored, or nothing is and each bad feature is listed."""
    errors: list[FeatureError] = []
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            errors = [FeatureError(0, None, _("请选择一个 GeoJSON 文件。"))]
        else:
            grids = {g.code: g for g in db.session.scalars(
                select(Grid).where(in_subtree(Grid.code, current_user.scope),
                                   Grid.retired_at.is_(None)))}
            checked = check_file(upload.read(), set(grids))
            errors = checked.errors
            if not errors:
                count = services.save_imported(checked.features, grids, current_user)
                commit()
                flash(_("已导入 %(n)d 个网格的边界。", n=count), "success")
                return redirect(url_for("maps.index"))
    status = 422 if errors else 200
    return render("maps/import.html", errors=errors), status


@requires("grids.manage")
def draw(grid_id):
    grid = load_scoped(Grid, grid_id)
    form = BoundaryForm()
    error = None
    if form.is_submitted() and not form.validate():
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    elif form.is_submitted():
        try:
            services.save_drawn(grid, form.geometry.data or "", current_user)
            commit()
            flash(_("“%(name)s”的边界已保存。", name=grid.name), "success")
            return redirect(url_for("maps.draw", grid_id=grid.id))
        except GeometryError as problem:
            db.session.rollback()
            error = str(problem)
    boundary = db.session.scalar(select(GridBoundary).filter_by(grid_id=grid.id))
    context_grid = grid.parent if grid.parent and in_subtree(grid.parent.code,
                                                             current_user.scope) else grid
    return render("maps/draw.html", grid=grid, boundary=boundary, error=error,
                  config=_map_config(), scope=grid,
                  neighbours_url=url_for("maps.data", grid=context_grid.id, measure="open"),
                  submitted=(form.geometry.data or "") if error else None), (422 if error else 200)


@requires("grids.manage")
def remove(grid_id):
    grid = load_scoped(Grid, grid_id)
    if services.remove(grid, current_user):
        commit()
        flash(_("“%(name)s”的边界已删除。", name=grid.name), "success")
    return redirect(url_for("maps.draw", grid_id=grid.id))


def map_helpers():
    return {"can_draw": lambda grid: can(current_user, "grids.manage", grid)}


def _coordinate(name: str, low: float, high: float) -> float | None:
    import math

    try:
        value = float(request.args.get(name, ""))
    except ValueError:
        return None
    return value if math.isfinite(value) and low <= value <= high else None


@requires("grids.view")
def contains():
    """``?grid=&lat=&lon=[&acc=]``: whether a point (a phone's position) lies in the grid's
    boundary, as JSON ``{"inside": true | false | null, "message": …}`` for "使用当前位置"
    (static/js/geo.js). The grid is one the user may see (404 otherwise)."""
    from portal.tenancy import scoped_grid_arg

    grid = scoped_grid_arg(request.args.get("grid"))
    latitude, longitude = _coordinate("lat", -90, 90), _coordinate("lon", -180, 180)
    if latitude is None or longitude is None:
        return jsonify(inside=None, message=_("坐标无效。")), 400
    if grid is None:
        return jsonify(inside=None, message=_("选择网格后可判断位置是否在网格内。"))
    inside, message = services.locate(grid, latitude, longitude,
                                      _coordinate("acc", 0, 100_000))
    return jsonify(inside=inside, message=message)
