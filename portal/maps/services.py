"""Storing boundaries and drawing a scope's map: the features with the chosen measure."""
from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal import audit
from portal.cases.models import Case
from portal.cases.queries import light_condition
from portal.cases.workflow import OPEN_STATES
from portal.extensions import db
from portal.grids.models import GRID, SPECIAL, Grid
from portal.maps.geojson import Checked, check_geometry
from portal.maps.models import GridBoundary
from portal.dashboard.figures import cases_in
from portal.people import visit_due
from portal.tenancy import in_subtree

if TYPE_CHECKING:
    from portal.auth.models import User

#: What the map can colour the grids by: key → label. Higher is worse for every one of them.
MEASURES = {
    "red": _l("红灯事件"),
    "open": _l("在办事件"),
    "overdue": _l("走访逾期户数"),
}


def _store(grid: Grid, geometry: dict, bbox: tuple[float, float, float, float], source: str,
           user: User) -> GridBoundary:
    boundary = db.session.scalar(select(GridBoundary).filter_by(grid_id=grid.id))
    if boundary is None:
        boundary = GridBoundary(grid_id=grid.id)
        db.session.add(boundary)
    boundary.geometry = json.dumps(geometry, separators=(",", ":"))
    boundary.min_lon, boundary.min_lat, boundary.max_lon, boundary.max_lat = bbox
    boundary.source = source
    boundary.updated_by_id = user.id if user else None
    return boundary


def save_imported(features: list[Checked], grids_by_code: dict[str, Grid], user: User) -> int:
    """Store checked features (the caller commits; the check has passed for all of them)."""
    for feature in features:
        _store(grids_by_code[feature.code], feature.geometry, feature.bbox, "import", user)
    db.session.flush()
    audit.record("map.import", None, scope_code=user.scope.code, user=user,
                 grids=[f.code for f in features])
    return len(features)


def save_drawn(grid: Grid, geometry_json: str, user: User) -> GridBoundary:
    """A boundary drawn on the map; raises GeometryError with the reason when it is not valid."""
    from flask_babel import gettext as _

    from portal.maps.geojson import GeometryError

    try:
        geometry = json.loads(geometry_json or "")
    except json.JSONDecodeError:
        raise GeometryError(_("请先在地图上画出边界。")) from None
    if isinstance(geometry, dict) and geometry.get("type") == "Feature":
        geometry = geometry.get("geometry")
    clean, bbox = check_geometry(geometry)
    boundary = _store(grid, clean, bbox, "drawn", user)
    db.session.flush()
    audit.record("map.draw", grid, scope_code=grid.code, user=user)
    return boundary


def remove(grid: Grid, user: User) -> bool:
    boundary = db.session.scalar(select(GridBoundary).filter_by(grid_id=grid.id))
    if boundary is None:
        return False
    db.session.delete(boundary)
    audit.record("map.remove", grid, scope_code=grid.code, user=user)
    return True


def leaf_measure(scope: Grid, measure: str, today: date) -> dict[int, int]:
    """The measure for every base grid under ``scope``: grid id → value (absent means 0)."""
    if measure in ("red", "open"):
        condition = light_condition("red", today) if measure == "red" else Case.state.in_(OPEN_STATES)
        grid_id = Case.grid_id + 0  # see cases_in()
        return dict(db.session.execute(
            select(grid_id, func.count()).where(cases_in(scope), condition)
            .group_by(grid_id)).all())
    if measure == "overdue":
        return {grid_id: late for grid_id, (late, _near) in visit_due.due_counts(scope, today).items()
                if late}
    raise ValueError(measure)


def feature_collection(scope: Grid, measure: str, today: date) -> dict:
    """The scope's grids that have a boundary, as GeoJSON: base grids carry the measure and a
    link to their page; towns and villages are outlines (``kind`` "area")."""
    values = leaf_measure(scope, measure, today)
    rows = db.session.execute(
        select(Grid.id, Grid.code, Grid.name, Grid.level, GridBoundary.geometry)
        .join(GridBoundary, GridBoundary.grid_id == Grid.id)
        .where(in_subtree(Grid.code, scope), Grid.retired_at.is_(None)).order_by(Grid.code)).all()
    features = []
    for grid_id, code, name, level, geometry in rows:
        leaf = level in (GRID, SPECIAL)
        features.append({
            "type": "Feature",
            "geometry": json.loads(geometry),
            "properties": {
                "id": grid_id, "code": code, "name": name, "level": level,
                "kind": "grid" if leaf else "area",
                "value": values.get(grid_id, 0) if leaf else None,
                "url": url_for("grids.show", grid_id=grid_id),
                "dashboard": url_for("dashboard.index", grid=grid_id),
            },
        })
    return {"type": "FeatureCollection", "features": features,
            "measure": {"key": measure, "label": str(MEASURES[measure])}}


def missing_boundaries(scope: Grid) -> int:
    """Base grids under ``scope`` without a boundary yet."""
    return db.session.scalar(  # type: ignore[return-value]  # a count is never NULL
        select(func.count()).select_from(Grid)
        .outerjoin(GridBoundary, GridBoundary.grid_id == Grid.id)
        .where(in_subtree(Grid.code, scope), Grid.retired_at.is_(None), Grid.level.in_((GRID, SPECIAL)),
               GridBoundary.id.is_(None)))


def leaf_table(scope: Grid, measure: str, today: date) -> list[tuple[Grid, int, bool]]:
    """Every base grid under ``scope`` with the measure and whether it has a boundary, worst
    first: the map's numbers as a table (for screen readers, and for grids not drawn yet)."""
    values = leaf_measure(scope, measure, today)
    rows = db.session.execute(
        select(Grid, GridBoundary.id.is_not(None))
        .outerjoin(GridBoundary, GridBoundary.grid_id == Grid.id)
        .where(in_subtree(Grid.code, scope), Grid.retired_at.is_(None), Grid.level.in_((GRID, SPECIAL)))
        .order_by(Grid.code)).all()
    table = [(grid, values.get(grid.id, 0), bool(drawn)) for grid, drawn in rows]
    return sorted(table, key=lambda row: -row[1])


#: Metres in a degree of latitude (and of longitude at the equator), near enough for "how far
#: from the boundary" against a phone's stated accuracy.
METRES_PER_DEGREE = 111_320


def locate(grid: Grid, latitude: float, longitude: float,
           accuracy: float | None = None) -> tuple[bool | None, str]:
    """Does the point lie in ``grid``'s boundary? (True, False, or None when the grid has no
    boundary or the point is within the phone's ``accuracy`` metres of it) and the sentence that
    says so."""
    import math

    from flask_babel import gettext as _
    from shapely.geometry import Point, shape

    boundary = db.session.scalar(select(GridBoundary).filter_by(grid_id=grid.id))
    if boundary is None:
        return None, _("“%(name)s”还没有划定边界，无法判断位置是否在网格内。", name=grid.name)
    area = shape(json.loads(boundary.geometry))
    point = Point(longitude, latitude)
    inside = area.covers(point)
    if accuracy:
        # the distance to the edge in degrees, counted in metres of longitude (the shorter
        # degree): never more than the real distance, so "near the edge" errs on the safe side
        edge = area.boundary.distance(point) * METRES_PER_DEGREE * math.cos(math.radians(latitude))
        if edge < accuracy:
            return None, _("该位置在“%(name)s”的边界附近（定位误差约%(m)d米），请核对是否在网格内。",
                           name=grid.name, m=round(accuracy))
    if inside:
        return True, _("该位置在“%(name)s”范围内。", name=grid.name)
    return False, _("该位置不在“%(name)s”范围内，请核对网格或位置。", name=grid.name)
