"""Grid boundaries: the GeoJSON checks, the import (all or nothing), drawing, the map's data and
its scope."""
import io
import json

import pytest

from portal.extensions import db
from portal.maps.geojson import GeometryError, check_file, check_geometry
from portal.maps.models import GridBoundary

SQUARE = [[112.90, 28.60], [112.92, 28.60], [112.92, 28.62], [112.90, 28.62], [112.90, 28.60]]
BOWTIE = [[112.90, 28.60], [112.92, 28.62], [112.92, 28.60], [112.90, 28.62], [112.90, 28.60]]


def polygon(ring=SQUARE):
    return {"type": "Polygon", "coordinates": [ring]}


def feature(code, geometry, **props):
    return {"type": "Feature", "properties": {"code": code, **props}, "geometry": geometry}


def collection(*features):
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def shifted(dx):
    return [[x + dx, y] for x, y in SQUARE]


@pytest.mark.parametrize("geometry, message", [
    (None, "缺少几何图形"),
    ({"type": "Point", "coordinates": [112.9, 28.6]}, "Point"),
    (polygon(SQUARE[:-1]), "没有闭合"),
    (polygon(SQUARE[:2] + SQUARE[:1]), "至少要 4 个点"),
    (polygon(BOWTIE), "自相交"),
    (polygon([[28.60, 112.90], [28.62, 112.90], [28.62, 112.92], [28.60, 112.92], [28.60, 112.90]]),
     "写反"),
    (polygon([[512345.0, 3165432.0], [512400.0, 3165432.0], [512400.0, 3165500.0], [512345.0, 3165432.0]]),
     "WGS84"),
    (polygon([[112.9, 28.6], ["a", 28.6], [112.9, 28.7], [112.9, 28.6]]), "两个数"),
    (polygon([[112.9, 28.6], [112.9, 28.6], [112.9, 28.6], [112.9, 28.6]]), "面积为零"),
    ({"type": "MultiPolygon", "coordinates": []}, "没有坐标"),
])
def test_bad_geometry_is_refused_with_a_reason(app, geometry, message):
    with pytest.raises(GeometryError) as refused:
        check_geometry(geometry)
    assert message in str(refused.value)


def test_a_good_polygon_is_rounded_and_framed(app):
    clean, bbox = check_geometry(polygon([[112.9000004, 28.6], *SQUARE[1:]]))
    assert clean["coordinates"][0][0] == [112.9, 28.6]
    assert bbox == (112.9, 28.6, 112.92, 28.62)
    multi, _ = check_geometry({"type": "MultiPolygon", "coordinates": [[SQUARE], [shifted(0.05)]]})
    assert multi["type"] == "MultiPolygon"


def test_file_level_errors(app):
    assert "不是有效的 JSON" in check_file(b"{not json", set()).errors[0].message
    assert "FeatureCollection" in check_file(b'{"type": "Polygon"}', set()).errors[0].message
    assert "没有要素" in check_file(b'{"type": "FeatureCollection", "features": []}', set()).errors[0].message
    projected = json.dumps({"type": "FeatureCollection", "crs": {"type": "name", "properties": {
        "name": "urn:ogc:def:crs:EPSG::4549"}}, "features": [feature("1", polygon())]}).encode()
    assert "EPSG:4326" in check_file(projected, {"1"}).errors[0].message


def _upload(client, data, name="grids.geojson"):
    return client.post("/map/import", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_import_is_all_or_nothing_and_names_each_bad_feature(client, tree):
    client.login("town_admin")
    bad = collection(feature(tree.grid_a1.code, polygon()),
                     feature(tree.grid_a2.code, polygon(BOWTIE)),
                     feature(tree.grid_b1.code, polygon(shifted(0.1))),  # town B: not theirs
                     feature(None, polygon()),
                     feature(tree.grid_a3.code, polygon(shifted(0.2))),
                     feature(tree.grid_a3.code, polygon(shifted(0.3))))
    response = _upload(client, bad)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "没有保存任何边界" in page
    assert "自相交" in page and tree.grid_a2.code in page
    assert "不在您的管辖范围内" in page and tree.grid_b1.code in page
    assert "没有网格编码" in page and "出现了不止一次" in page
    assert db.session.scalar(db.select(db.func.count()).select_from(GridBoundary)) == 0

    good = collection(feature(tree.grid_a1.code, polygon()),
                      feature(tree.grid_a2.code, polygon(shifted(0.02))),
                      feature(tree.village_a1.code, polygon([[112.89, 28.59], [112.95, 28.59],
                                                             [112.95, 28.63], [112.89, 28.59]])))
    response = _upload(client, good)
    assert response.status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(GridBoundary)) == 3
    # Importing again replaces, never duplicates.
    assert _upload(client, collection(feature(tree.grid_a1.code, polygon(shifted(0.01))))).status_code == 302
    boundary = db.session.scalar(db.select(GridBoundary).filter_by(grid_id=tree.grid_a1.id))
    db.session.refresh(boundary)
    assert boundary.min_lon == pytest.approx(112.91)
    assert db.session.scalar(db.select(db.func.count()).select_from(GridBoundary)) == 3


def test_import_needs_a_file_and_the_permission(client, tree):
    client.login("town_admin")
    response = client.post("/map/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 422 and "请选择" in response.get_data(as_text=True)
    client.logout()
    client.login("grid_worker")
    assert _upload(client, collection(feature(tree.grid_a1.code, polygon()))).status_code == 403
    assert client.post("/map/import", csrf=False).status_code == 400


def test_draw_saves_a_valid_boundary_and_refuses_a_crossing_one(client, tree):
    client.login("village_admin")
    url = f"/map/grids/{tree.grid_a1.id}/boundary"
    page = client.get(url).get_data(as_text=True)
    assert "data-draw=" in page and "leaflet-geoman" in page
    refused = client.post(url, data={"geometry": json.dumps(polygon(BOWTIE))})
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert "自相交" in body and 'aria-invalid="true"' in body
    assert db.session.scalar(db.select(GridBoundary.id)) is None
    assert client.post(url, data={"geometry": ""}).status_code == 422
    assert client.post(url, data={"geometry": json.dumps(feature("x", polygon()))}).status_code == 302
    assert db.session.scalar(db.select(GridBoundary.source)) == "drawn"
    assert client.post(f"{url}/remove").status_code == 302
    assert db.session.scalar(db.select(GridBoundary.id)) is None
    assert client.get(f"/map/grids/{tree.grid_b1.id}/boundary").status_code == 404
    assert client.get(f"/map/grids/{tree.grid_a3.id}/boundary").status_code == 404  # other village


def test_map_data_carries_the_measure_and_stays_in_scope(client, tree):
    from portal.cases.services import report
    from portal.maps import services

    for grid in (tree.grid_a1, tree.grid_a3, tree.grid_b1):
        services.save_drawn(grid, json.dumps(polygon(shifted(0.01 * grid.id))), tree.users["county_admin"])
    for _ in range(2):
        report(tree.grid_a1, category="hazard", title="井盖缺失", description="—", source="patrol",
               reporter=tree.users["grid_worker"])
    db.session.commit()
    client.login("town_admin")
    data = client.get("/map/data.geojson?measure=open")
    assert data.mimetype == "application/geo+json"
    features = {f["properties"]["code"]: f["properties"] for f in data.get_json()["features"]}
    assert set(features) == {tree.grid_a1.code, tree.grid_a3.code}  # not town B's
    assert features[tree.grid_a1.code]["value"] == 2 and features[tree.grid_a3.code]["value"] == 0
    assert features[tree.grid_a1.code]["url"] == f"/grids/{tree.grid_a1.id}"
    page = client.get("/map/?measure=open").get_data(as_text=True)
    assert "还有 2 个网格没有边界" in page  # grid_a2 and the special grid
    assert 'id="map-table"' in page and "井盖" not in page
    assert client.get(f"/map/data.geojson?grid={tree.town_b.id}").status_code == 404
    assert client.get("/map/?measure=nonsense").status_code == 200


def test_tiles_only_when_configured(make_app, app_config):
    from portal.security import content_security_policy

    plain = make_app(app_config)
    assert "tiles" not in content_security_policy(plain)
    tiled = make_app({**app_config, "MAP_TILE_URL": "https://tiles.example.cn/{z}/{x}/{y}.png"})
    assert "img-src 'self' data: blob: https://tiles.example.cn;" in content_security_policy(tiled)
    with tiled.test_client() as client:
        assert "https://tiles.example.cn" in client.get("/healthz").headers["Content-Security-Policy"]
