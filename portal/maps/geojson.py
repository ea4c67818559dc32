"""Checking GeoJSON boundaries before anything is stored.

Shapely (GEOS) decides whether a polygon is valid, the same test PostGIS and QGIS apply; we add
the checks that give a town official a message they can act on: which feature, which grid code,
what is wrong (a ring not closed, latitude and longitude swapped, a polygon crossing itself).
"""
import json
import math
from dataclasses import dataclass, field

from flask_babel import gettext as _

#: More vertices than this in one grid is a survey file, not a boundary: refuse it.
MAX_VERTICES = 20_000
MAX_FILE_BYTES = 5 * 1024 * 1024
#: CRS names that mean WGS84 longitude/latitude (GeoJSON's only coordinate system since RFC 7946).
WGS84_NAMES = ("urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:OGC::CRS84", "EPSG:4326",
               "urn:ogc:def:crs:EPSG::4326")
#: Keys under which a feature may name its grid's code.
CODE_KEYS = ("code", "grid_code", "编码", "网格编码")


class GeometryError(ValueError):
    pass


@dataclass
class FeatureError:
    #: 1-based position of the feature in the file (0: the file as a whole).
    number: int
    code: str | None
    message: str


@dataclass
class Checked:
    code: str
    geometry: dict
    bbox: tuple[float, float, float, float]


@dataclass
class ImportCheck:
    features: list[Checked] = field(default_factory=list)
    errors: list[FeatureError] = field(default_factory=list)


def _explain(reason: str) -> str:
    """GEOS's reason in Chinese where we know it, with the original for the specialist."""
    known = {
        "Self-intersection": _("边界自相交（线条交叉成“8”字形）"),
        "Ring Self-intersection": _("边界环自相交"),
        "Hole lies outside shell": _("内环（洞）在外环之外"),
        "Nested holes": _("内环互相嵌套"),
        "Interior is disconnected": _("多边形内部被分割成不相连的几块"),
        "Nested shells": _("多个多边形互相嵌套"),
        "Duplicate Rings": _("有重复的环"),
        "Too few points": _("点太少，构不成多边形"),
        "Invalid Coordinate": _("坐标无效"),
        "Ring is not closed": _("环没有闭合"),
    }
    name = reason.split("[", 1)[0].strip()
    return f"{known.get(name, _('几何图形无效'))} ({reason})"


def _position(value, where: str) -> tuple[float, float]:
    if (not isinstance(value, (list, tuple)) or len(value) < 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value[:2])):
        raise GeometryError(_("%(where)s 的坐标应为 [经度, 纬度] 两个数。", where=where))
    lon, lat = float(value[0]), float(value[1])
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise GeometryError(_("%(where)s 的坐标不是有限的数。", where=where))
    if abs(lat) > 90 and abs(lon) <= 90:
        raise GeometryError(_("%(where)s 的纬度 %(lat)s 超出范围：经度和纬度可能写反了，GeoJSON 的顺序是 [经度, 纬度]。",  # noqa: E501 (one message, one line)
                              where=where, lat=value[1]))
    if abs(lon) > 180 or abs(lat) > 90:
        raise GeometryError(_("%(where)s 的坐标 (%(lon)s, %(lat)s) 超出经纬度范围：文件应使用 WGS84 经纬度（不是投影坐标）。",  # noqa: E501 (one message, one line)
                              where=where, lon=value[0], lat=value[1]))
    return round(lon, 6), round(lat, 6)


def _ring(value, where: str) -> list[tuple[float, float]]:
    if not isinstance(value, list):
        raise GeometryError(_("%(where)s 应为坐标的列表。", where=where))
    points = [_position(p, _("%(where)s 第 %(n)d 个点", where=where, n=i + 1))
              for i, p in enumerate(value)]
    if len(points) < 4:
        raise GeometryError(_("%(where)s 只有 %(n)d 个点：一个多边形的环至少要 4 个点（首尾相同）。",
                              where=where, n=len(points)))
    if points[0] != points[-1]:
        raise GeometryError(_("%(where)s 没有闭合：最后一个点应与第一个点相同。", where=where))
    return points


def _polygon(value, where: str) -> list[list[tuple[float, float]]]:
    if not isinstance(value, list) or not value:
        raise GeometryError(_("%(where)s 没有坐标。", where=where))
    return [_ring(ring, _("%(where)s 第 %(n)d 个环", where=where, n=i + 1) if len(value) > 1 else where)
            for i, ring in enumerate(value)]


def check_geometry(geometry) -> tuple[dict, tuple[float, float, float, float]]:
    """A valid Polygon or MultiPolygon with rounded coordinates and its bounding box, or a
    GeometryError saying what is wrong."""
    from shapely.geometry import shape
    from shapely.validation import explain_validity

    if not isinstance(geometry, dict):
        raise GeometryError(_("缺少几何图形（geometry）。"))
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates")
    if kind == "Polygon":
        rings = _polygon(coordinates, _("边界"))
        clean = {"type": "Polygon", "coordinates": [[list(p) for p in r] for r in rings]}
        points = [p for r in rings for p in r]
    elif kind == "MultiPolygon":
        if not isinstance(coordinates, list) or not coordinates:
            raise GeometryError(_("边界没有坐标。"))
        polygons = [_polygon(poly, _("第 %(n)d 块", n=i + 1)) for i, poly in enumerate(coordinates)]
        clean = {"type": "MultiPolygon",
                 "coordinates": [[[list(p) for p in r] for r in poly] for poly in polygons]}
        points = [p for poly in polygons for r in poly for p in r]
    else:
        raise GeometryError(_("边界应为多边形（Polygon 或 MultiPolygon），这里是 %(kind)s。",
                              kind=kind or "—"))
    if len(points) > MAX_VERTICES:
        raise GeometryError(_("边界有 %(n)d 个点，超过上限 %(max)d：请先在 GIS 软件中简化。",
                              n=len(points), max=MAX_VERTICES))
    shaped = shape(clean)
    if not shaped.is_valid:
        reason = explain_validity(shaped)
        if not reason.startswith("Too few points") or shaped.area > 0:
            raise GeometryError(_explain(reason))
    if shaped.is_empty or shaped.area == 0:
        raise GeometryError(_("边界的面积为零。"))
    min_lon, min_lat, max_lon, max_lat = shaped.bounds
    return clean, (min_lon, min_lat, max_lon, max_lat)


def _feature_code(feature) -> str | None:
    properties = feature.get("properties") or {}
    if not isinstance(properties, dict):
        return None
    for key in CODE_KEYS:
        value = properties.get(key)
        if value not in (None, ""):
            return str(value).strip()
    return None


def check_file(data: bytes, known_codes: set[str]) -> ImportCheck:
    """Every feature of a FeatureCollection checked; ``known_codes`` are the grids the user may
    give a boundary to. Errors are collected for all features so one upload shows them all."""
    result = ImportCheck()
    if len(data) > MAX_FILE_BYTES:
        result.errors.append(FeatureError(0, None, _("文件超过 5 MB。")))
        return result
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        result.errors.append(FeatureError(0, None, _("文件不是 UTF-8 编码的文本。")))
        return result
    except json.JSONDecodeError as error:
        result.errors.append(FeatureError(0, None, _("不是有效的 JSON：第 %(line)d 行第 %(col)d 列，%(msg)s。",
                                                      line=error.lineno, col=error.colno,
                                                      msg=error.msg)))
        return result
    crs = document.get("crs") if isinstance(document, dict) else None
    if isinstance(crs, dict):
        name = str((crs.get("properties") or {}).get("name", ""))
        if name and name not in WGS84_NAMES:
            result.errors.append(FeatureError(0, None, _("坐标系是 %(name)s：请导出为 WGS84 经纬度（EPSG:4326）。",
                                                          name=name)))
            return result
    if isinstance(document, dict) and document.get("type") == "Feature":
        features = [document]
    elif isinstance(document, dict) and document.get("type") == "FeatureCollection":
        features = document.get("features")
    else:
        result.errors.append(FeatureError(0, None, _("文件应为 GeoJSON 的 FeatureCollection（要素集合）。")))
        return result
    if not isinstance(features, list) or not features:
        result.errors.append(FeatureError(0, None, _("文件中没有要素（features）。")))
        return result
    seen = set()
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            result.errors.append(FeatureError(number, None, _("不是 GeoJSON 要素（Feature）。")))
            continue
        code = _feature_code(feature)
        if code is None:
            result.errors.append(FeatureError(number, None, _("属性中没有网格编码（code）。")))
            continue
        if code not in known_codes:
            result.errors.append(FeatureError(number, code, _("没有这个网格编码，或它不在您的管辖范围内。")))
            continue
        if code in seen:
            result.errors.append(FeatureError(number, code, _("文件中这个网格编码出现了不止一次。")))
            continue
        seen.add(code)
        try:
            geometry, bbox = check_geometry(feature.get("geometry"))
        except GeometryError as error:
            result.errors.append(FeatureError(number, code, str(error)))
            continue
        result.features.append(Checked(code, geometry, bbox))
    return result
