"""Placement: which base grid of a town a point lies in, from the grids' boundaries.

A case that comes with coordinates (Open311 ``lat``/``long``, "使用当前位置", a photo's GPS) is
put into the active base grid (level GRID or SPECIAL) whose boundary covers the point; a point on
no boundary is placed nowhere (None) and the case waits in the town's intake queue
(portal/cases/intake.py).

Speed: a town's boundaries are parsed once into a shapely STRtree and kept in the app (one index
per town), so placing a point costs a tree query and a covers test on the few polygons whose box
holds it, not parsing every polygon of the county. The index is per process: each gunicorn worker
builds its own on first use (a county's few hundred polygons parse in well under a second), and
nothing has to be shared or invalidated across processes, because every use first reads a cheap
fingerprint of the town's boundaries in SQL (how many, the newest ``updated_at``, the sums of the
boundary and grid ids, over the active base grids of the town): drawing, importing or removing a
boundary, retiring, restoring or moving a grid changes it, and the index is rebuilt on the next
use in every worker. The cache lives in ``app.extensions`` (not a module global) so two apps in
one process (the tests) never see each other's towns.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from portal.extensions import db
from portal.grids.models import GRID, SPECIAL, Grid
from portal.maps.models import GridBoundary
from portal.tenancy import in_subtree

#: The key of the per-app cache in ``app.extensions``: town id → (fingerprint, index).
CACHE_KEY = "portal.cases.placement"


@dataclass(frozen=True)
class TownIndex:
    """A town's base-grid boundaries in an STRtree; ``grid_ids[i]`` owns ``geometries[i]``."""

    tree: Any  # shapely.STRtree (untyped library)
    geometries: tuple
    grid_ids: tuple[int, ...]
    codes: tuple[str, ...]


def _base_boundaries(town: Grid):
    return (select(GridBoundary, Grid.code)
            .join(Grid, Grid.id == GridBoundary.grid_id)
            .where(in_subtree(Grid.code, town), Grid.level.in_((GRID, SPECIAL)),
                   Grid.retired_at.is_(None)))


def fingerprint(town: Grid) -> tuple:
    """What changes whenever the town's placeable boundaries change (one aggregate query)."""
    row = db.session.execute(
        select(func.count(GridBoundary.id), func.max(GridBoundary.updated_at),
               func.sum(GridBoundary.id), func.sum(Grid.id))
        .join(Grid, Grid.id == GridBoundary.grid_id)
        .where(in_subtree(Grid.code, town), Grid.level.in_((GRID, SPECIAL)),
               Grid.retired_at.is_(None))).one()
    return tuple(row)


def _build(town: Grid) -> TownIndex:
    from shapely import STRtree
    from shapely.geometry import shape

    geometries, ids, codes = [], [], []
    for boundary, code in db.session.execute(_base_boundaries(town)).all():
        geometries.append(shape(json.loads(boundary.geometry)))
        ids.append(boundary.grid_id)
        codes.append(code)
    return TownIndex(STRtree(geometries), tuple(geometries), tuple(ids), tuple(codes))


def town_index(town: Grid) -> TownIndex:
    """The town's index, rebuilt when its fingerprint has changed."""
    cache: dict[int, tuple[tuple, TownIndex]] = current_app.extensions.setdefault(CACHE_KEY, {})
    mark = fingerprint(town)
    cached = cache.get(town.id)
    if cached is not None and cached[0] == mark:
        return cached[1]
    index = _build(town)
    cache[town.id] = (mark, index)
    return index


def place(town: Grid, latitude: float | None, longitude: float | None) -> Grid | None:
    """The active base grid of ``town`` whose boundary covers the point (its edge included), or
    None (no coordinates, or the point lies in no boundary). Where boundaries overlap or share
    the edge the point is on, the smallest area wins (a special grid drawn inside a residential
    one), then the lowest code, so the answer never depends on the order of the rows."""
    if latitude is None or longitude is None:
        return None
    from shapely.geometry import Point

    index = town_index(town)
    if not index.grid_ids:
        return None
    point = Point(longitude, latitude)
    hits = index.tree.query(point, predicate="covered_by")
    if len(hits) == 0:
        return None
    best = min(hits, key=lambda i: (index.geometries[i].area, index.codes[i]))
    return db.session.get(Grid, index.grid_ids[best])
