"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) under /open311/v2/.

``jurisdiction_id`` is a town's code; services are the case categories; a request is a case.
Its location is, as the specification allows, any one of ``address_id`` (a base grid's code: it
wins when given), ``lat`` + ``long`` (the case goes into the base grid whose boundary holds the
point, portal/cases/placement.py) or ``address_string``; a request with only an address, or with a
point outside every boundary, waits in the town's intake queue (待分派, portal/cases/intake.py)
and answers an empty ``address_id`` until a person places it. Every service has the attributes
of ATTRIBUTES (紧急程度, 重大问题), sent as ``attribute[code]=key``. Every answer comes in JSON or
XML by the extension, and every error as the standard list of {code, description}.

Two kinds of client (portal/cases/open311_publication.py): a client with the town's ``api_key``
sees every case of that town in full; any other client sees only the town's public categories,
and of those only category, status, base grid, rounded coordinates and dates (FixMyStreet's
model): no title, description, address, notes, department or reporter. A case of a category that
is not public does not exist for it (404, like an unknown number).
"""
from datetime import datetime, time, timedelta
from xml.etree.ElementTree import Element, SubElement, tostring

from flask import Blueprint, Response, jsonify, request, url_for
from flask_babel import force_locale
from werkzeug.exceptions import HTTPException

from portal.cases import open311_publication as publication
from portal.cases.forms import CATEGORY_LABELS, LEVEL_LABELS, STATE_LABELS
from portal.cases.models import CATEGORIES, Case
from portal.cases.open311_keys import town_for_key
from portal.cases.workflow import OPEN_STATES
from portal.errors import DomainError
from portal.extensions import csrf, db
from portal.grids.models import GRID, SPECIAL, TOWN, Grid
from portal.tenancy import in_subtree
from portal.timeutil import local_zone, to_local, to_utc, utcnow
from portal.web import commit

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
csrf.exempt(bp)  # machine clients authenticate with an api_key, not a session
FORMATS = ("json", "xml")
SPEC = "http://wiki.open311.org/GeoReport_v2"


class ApiError(Exception):
    def __init__(self, code: int, description: str):
        super().__init__(description)
        self.code, self.description = code, description


def _xml(root: str, item: str, rows) -> bytes:
    top = Element(root)
    for row in rows:
        node = SubElement(top, item)
        _fill(node, row)
    return b'<?xml version="1.0" encoding="utf-8"?>' + tostring(top, encoding="utf-8")


def _fill(node, mapping):
    for key, value in mapping.items():
        child = SubElement(node, key)
        if isinstance(value, list):
            for entry in value:
                sub = SubElement(child, key[:-1] if key.endswith("s") else key)
                if isinstance(entry, dict):
                    _fill(sub, entry)
                else:
                    sub.text = str(entry)
        elif isinstance(value, dict):
            _fill(child, value)
        elif value is not None:
            child.text = str(value).lower() if isinstance(value, bool) else str(value)


def answer(fmt: str, root: str, item: str, rows, status=200):
    if fmt == "xml":
        return Response(_xml(root, item, rows), status=status, mimetype="text/xml")
    return jsonify(rows), status


def http_error(error: HTTPException):
    """Refusals before the view (a NUL character, a request too large) answer in GeoReport too
    (registered per code: the app's own pages for these codes would win over a class)."""
    return api_error(ApiError(error.code, error.description or error.name))


for _code in (400, 403, 404, 405, 413, 429):
    bp.register_error_handler(_code, http_error)


@bp.errorhandler(ApiError)
def api_error(error: ApiError):
    fmt = request.view_args.get("fmt", "json") if request.view_args else "json"
    return answer(fmt if fmt in FORMATS else "json", "errors", "error",
                  [{"code": error.code, "description": error.description}], error.code)


def _format(fmt):
    if fmt not in FORMATS:
        raise ApiError(404, "format must be json or xml")


def _town() -> Grid:
    code = request.values.get("jurisdiction_id", "").strip()
    if not code:
        raise ApiError(400, "jurisdiction_id is required (a town's code)")
    town = db.session.scalar(db.select(Grid).filter_by(code=code, level=TOWN))
    if town is None or not town.active:
        raise ApiError(404, f"unknown jurisdiction_id {code}")
    return town


def _keyed(town: Grid) -> bool:
    """True for a client holding a valid key of ``town``; False for one without a key. A key that
    is wrong, revoked or another town's is refused rather than quietly read as anonymous, so a
    misconfigured client learns why it sees less."""
    key = request.values.get("api_key", "").strip()
    if not key:
        return False
    if town_for_key(key) != town:
        raise ApiError(403, "the api_key is not valid for this jurisdiction")
    return True


def _visible_categories(town: Grid, keyed: bool) -> list[str]:
    return list(CATEGORIES) if keyed else publication.public_categories(town)


def _w3c(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return to_local(moment, aware=True).isoformat(timespec="seconds")


#: The attributes every service takes (GeoReport v2 service definitions): code → (description,
#: {key: name}); each is an optional single-value list, sent as ``attribute[code]=key``.
ATTRIBUTES = {
    "urgency": ("紧急程度", {"normal": "一般", "emergency": "紧急（突发性事件，直接报镇里）"}),
    "major": ("重大问题（办理时限一个月）", {"no": "否", "yes": "是"}),
}


def _attribute_definitions() -> list[dict]:
    return [{"variable": True, "code": code, "datatype": "singlevaluelist", "required": False,
             "datatype_description": None, "order": order, "description": description,
             "values": [{"key": key, "name": name} for key, name in values.items()]}
            for order, (code, (description, values)) in enumerate(ATTRIBUTES.items(), start=1)]


def _attributes(form) -> dict[str, str]:
    """The ``attribute[code]`` values of a POST, checked against ATTRIBUTES (code → key)."""
    chosen = {}
    for name, value in form.items():
        if not (name.startswith("attribute[") and name.endswith("]")):
            continue
        code, value = name[len("attribute["):-1], value.strip()
        if code not in ATTRIBUTES:
            raise ApiError(400, f"unknown attribute {code}; the attributes are "
                                f"{', '.join(ATTRIBUTES)}")
        if value and value not in ATTRIBUTES[code][1]:
            raise ApiError(400, f"attribute[{code}] must be one of "
                                f"{', '.join(ATTRIBUTES[code][1])}, not {value}")
        if value:
            chosen[code] = value
    return chosen


def _service(code: str) -> dict:
    with force_locale("zh_CN"):
        name = str(CATEGORY_LABELS[code])
    return {"service_code": code, "service_name": name, "description": name,
            "metadata": bool(ATTRIBUTES),
            "type": "realtime", "keywords": code, "group": "五小" if CATEGORIES.index(code) < 5 else "服务"}


def _request_row(case: Case, keyed: bool) -> dict:
    return _full_row(case) if keyed else _public_row(case)


def _address_id(case: Case) -> str | None:
    """The base grid's code; none for a case still waiting in the town's intake queue."""
    return None if case.grid.level == TOWN else case.grid.code


def _public_row(case: Case) -> dict:
    """What anyone may read: nothing typed by a person (title, description, address, notes,
    department) and nothing about the reporter; the place only as its base grid and coordinates
    rounded to about a kilometre; a summary and status note made from labels."""
    followed = case.duplicate_of or case
    with force_locale("zh_CN"):
        service_name = str(CATEGORY_LABELS[case.category])
        summary = f"{service_name} · {case.grid.name}"
        agency = f"{case.grid.name} · {LEVEL_LABELS[case.level]}"
        status_notes = str(STATE_LABELS.get(followed.state, ""))
    due = datetime.combine(case.resolve_due, time(23, 59, 59), local_zone())
    return {
        "service_request_id": case.number,
        "status": "open" if followed.state in OPEN_STATES else "closed",
        "status_notes": status_notes,
        "service_name": service_name,
        "service_code": case.category,
        "description": summary,
        "agency_responsible": agency,
        "service_notice": None,
        "requested_datetime": _w3c(case.created_at),
        "updated_datetime": _w3c(case.events[-1].at if case.events else case.created_at),
        "expected_datetime": due.isoformat(timespec="seconds"),
        "address": None,
        "address_id": _address_id(case),
        "zipcode": None,
        "lat": publication.coarse(case.latitude),
        "long": publication.coarse(case.longitude),
        "media_url": None,
    }


def _full_row(case: Case) -> dict:
    followed = case.duplicate_of or case  # a duplicate follows its original
    last_note = next((e.note for e in reversed(followed.events) if e.note), None)
    with force_locale("zh_CN"):
        agency = case.department.name if case.department is not None \
            else f"{case.grid.name} · {LEVEL_LABELS[case.level]}"
    due = datetime.combine(case.resolve_due, time(23, 59, 59), local_zone())
    return {
        "service_request_id": case.number,
        "status": "open" if followed.state in OPEN_STATES else "closed",
        "status_notes": last_note,
        "service_name": _service(case.category)["service_name"],
        "service_code": case.category,
        "description": case.description,
        "agency_responsible": agency,
        "service_notice": None,
        "requested_datetime": _w3c(case.created_at),
        "updated_datetime": _w3c(case.events[-1].at if case.events else case.created_at),
        "expected_datetime": due.isoformat(timespec="seconds"),
        "address": case.address,
        "address_id": _address_id(case),
        "zipcode": None,
        "lat": case.latitude,
        "long": case.longitude,
        "media_url": None,
    }


@bp.route("/discovery.<fmt>")
def discovery(fmt):
    _format(fmt)
    base = url_for("open311.services", fmt="json", _external=True).rsplit("/", 1)[0]
    body = {"changeset": "2026-11-24T00:00:00+08:00", "contact": "各镇网格化管理中心",
            "key_service": "API keys are issued per town by the town admin; without a key only "
                           "the town's public categories are listed, without personal data",
            "endpoints": [{"specification": SPEC, "url": base, "changeset": "2026-11-24T00:00:00+08:00",
                           "type": "production", "formats": ["application/json", "text/xml"]}]}
    if fmt == "xml":
        top = Element("discovery")
        _fill(top, body)
        return Response(b'<?xml version="1.0" encoding="utf-8"?>' + tostring(top, encoding="utf-8"),
                        mimetype="text/xml")
    return jsonify(body)


@bp.route("/services.<fmt>")
def services(fmt):
    _format(fmt)
    town = _town()
    return answer(fmt, "services", "service",
                  [_service(code) for code in _visible_categories(town, _keyed(town))])


@bp.route("/services/<code>.<fmt>")
def service_definition(code, fmt):
    _format(fmt)
    town = _town()
    if code not in _visible_categories(town, _keyed(town)):
        raise ApiError(404, f"unknown service_code {code}")
    body = {"service_code": code, "attributes": _attribute_definitions()}
    if fmt == "xml":
        top = Element("service_definition")
        _fill(top, body)
        return Response(b'<?xml version="1.0" encoding="utf-8"?>' + tostring(top, encoding="utf-8"),
                        mimetype="text/xml")
    return jsonify(body)


def _parse_w3c(name):
    value = request.args.get(name)
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(400, f"{name} must be a W3C datetime, e.g. 2026-01-01T00:00:00Z") from None
    return to_utc(moment)  # a time without its offset is local time


@bp.route("/requests.<fmt>", methods=["GET", "POST"])
def requests_(fmt):
    _format(fmt)
    town = _town()
    if request.method == "POST":
        return _post_request(fmt, town)
    keyed = _keyed(town)
    query = db.select(Case).join(Grid, Grid.id == Case.grid_id).where(in_subtree(Grid.code, town))
    if not keyed:
        query = query.where(Case.category.in_(_visible_categories(town, keyed)))
    ids = [i.strip() for i in request.args.get("service_request_id", "").split(",") if i.strip()]
    if ids:
        query = query.where(Case.number.in_(ids))
    else:
        codes = [c.strip() for c in request.args.get("service_code", "").split(",") if c.strip()]
        if codes:
            query = query.where(Case.category.in_(codes))
        start, end = _parse_w3c("start_date"), _parse_w3c("end_date")
        end = end or utcnow()
        start = start or end - timedelta(days=90)
        if end - start > timedelta(days=90):
            raise ApiError(400, "start_date and end_date may not span more than 90 days")
        query = query.where(Case.created_at >= start, Case.created_at <= end)
        statuses = {s.strip() for s in request.args.get("status", "").split(",") if s.strip()}
        if statuses - {"open", "closed"}:
            raise ApiError(400, "status must be open or closed")
        if statuses == {"open"}:
            query = query.where(Case.state.in_(OPEN_STATES))
        elif statuses == {"closed"}:
            query = query.where(~Case.state.in_(OPEN_STATES))
    cases = db.session.scalars(query.order_by(Case.created_at.desc()).limit(1000)).all()
    return answer(fmt, "service_requests", "request", [_request_row(c, keyed) for c in cases])


def _post_request(fmt, town):
    from portal.cases.placement import place
    from portal.cases.services import report, report_unplaced

    if town_for_key(request.form.get("api_key")) != town:
        raise ApiError(403, "a valid api_key for this jurisdiction is required")
    form = request.form
    code = form.get("service_code", "")
    if code not in CATEGORIES:
        raise ApiError(400, "service_code is missing or unknown")
    attributes = _attributes(form)
    try:
        lat = float(form["lat"]) if form.get("lat", "").strip() else None
        lon = float(form["long"]) if form.get("long", "").strip() else None
    except ValueError:
        raise ApiError(400, "lat and long must be numbers") from None
    if (lat is None) != (lon is None):
        raise ApiError(400, "lat and long must be given together")
    address_id = form.get("address_id", "").strip()
    address = form.get("address_string", "").strip()
    if not (address_id or lat is not None or address):
        raise ApiError(400, "a location is required: address_id, lat and long, or address_string")
    grid = None
    if address_id:
        grid = db.session.scalar(db.select(Grid).where(
            Grid.code == address_id, in_subtree(Grid.code, town), Grid.level.in_((GRID, SPECIAL)),
            Grid.retired_at.is_(None)))
        if grid is None:
            raise ApiError(400, "address_id must be the code of a base grid in this jurisdiction")
    elif lat is not None:
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ApiError(400, "lat must lie within -90..90 and long within -180..180")
        grid = place(town, lat, lon)
    description = form.get("description", "").strip()
    name = " ".join(p for p in (form.get("last_name", ""), form.get("first_name", "")) if p).strip()
    fields = dict(category=code, title=description[:40] or code, description=description,
                  source="open311", address=address or None, latitude=lat, longitude=lon,
                  reporter_name=name or None, reporter_phone=form.get("phone"),
                  kind="emergency" if attributes.get("urgency") == "emergency" else "general",
                  major=attributes.get("major") == "yes")
    try:
        # no base grid found (only an address, or a point outside every boundary): the town's
        # intake queue, where a person places it
        case = report(grid, **fields) if grid is not None else report_unplaced(town, **fields)
    except DomainError as error:
        db.session.rollback()
        raise ApiError(400, f"{error.field or 'request'}: {error}") from None
    commit()
    return answer(fmt, "service_requests", "request",
                  [{"service_request_id": case.number, "service_notice": None,
                    "account_id": None, "address_id": _address_id(case)}], 201)


@bp.route("/requests/<number>.<fmt>")
def request_one(number, fmt):
    _format(fmt)
    town = _town()
    keyed = _keyed(town)
    case = db.session.scalar(db.select(Case).join(Grid, Grid.id == Case.grid_id).where(
        Case.number == number, in_subtree(Grid.code, town)))
    if case is None or case.category not in _visible_categories(town, keyed):
        raise ApiError(404, f"no service request {number}")
    return answer(fmt, "service_requests", "request", [_request_row(case, keyed)])
