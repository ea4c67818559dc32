"""Demo boundaries: the demo county's base grids as cells of a jittered lattice (neighbours share
their edges, as real grids do), villages and towns as the union of their cells. Special grids are
left without one, so the demo shows what a map with missing boundaries tells an admin."""
import json
import random

from shapely.geometry import Polygon, mapping
from shapely.ops import unary_union

from portal.extensions import db
from portal.grids.models import GRID, Grid
from portal.maps.geojson import Checked, check_geometry
from portal.maps.models import GridBoundary
from portal.maps.services import save_imported

#: South-west corner and cell size in degrees (about 2 km): somewhere south of Dongting Lake.
ORIGIN_LON, ORIGIN_LAT, CELL = 112.80, 28.60, 0.02


def _lattice(columns: int, rows: int, rng: random.Random) -> dict[tuple[int, int], tuple[float, float]]:
    points = {}
    for i in range(columns + 1):
        for j in range(rows + 1):
            inner = 0 < i < columns and 0 < j < rows
            jitter = CELL * 0.22 if inner else CELL * 0.08
            points[i, j] = (round(ORIGIN_LON + i * CELL + rng.uniform(-jitter, jitter), 6),
                            round(ORIGIN_LAT + j * CELL + rng.uniform(-jitter, jitter), 6))
    return points


def load_demo_boundaries(county: Grid, user=None) -> int:
    """Boundaries for every town, village and base grid of the demo county, once."""
    if db.session.scalar(db.select(GridBoundary.id).limit(1)):
        return 0
    rng = random.Random(20261125)
    towns = [t for t in county.children if t.active]
    # Each village is 2 × 2 cells; a town's villages stand in a row; towns are stacked.
    columns = 2 * max((len([v for v in t.children if v.level == "village"]) for t in towns), default=1)
    points = _lattice(columns, 2 * len(towns), rng)
    shapes: dict[str, Polygon] = {}
    for t_index, town in enumerate(towns):
        villages = [v for v in town.children if v.level == "village" and v.active]
        for v_index, village in enumerate(villages):
            cells = [g for g in village.children if g.level == GRID and g.active][:4]
            for c_index, grid in enumerate(cells):
                i, j = 2 * v_index + c_index % 2, 2 * t_index + c_index // 2
                ring = [points[i, j], points[i + 1, j], points[i + 1, j + 1], points[i, j + 1]]
                shapes[grid.code] = Polygon(ring)
            if cells:
                shapes[village.code] = unary_union([shapes[g.code] for g in cells])
        if villages:
            shapes[town.code] = unary_union([shapes[v.code] for v in villages if v.code in shapes])
    features = []
    for code, shape in shapes.items():
        geometry, bbox = check_geometry(json.loads(json.dumps(mapping(shape.buffer(0)))))
        features.append(Checked(code, geometry, bbox))
    grids = {g.code: g for g in db.session.scalars(db.select(Grid).where(Grid.code.in_(shapes)))}
    if user is not None:
        return save_imported(features, grids, user)
    from portal.maps.services import _store

    for feature in features:
        _store(grids[feature.code], feature.geometry, feature.bbox, "import", None)
    return len(features)
