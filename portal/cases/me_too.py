"""Duplicate hints (我也遇到): while a case is being reported — on the staff form /cases/new and
the public form of a grid's QR code — the open cases of the same category within about 100 m
(or, without coordinates, in the same grid) are offered, so a person can join one instead of
filing the same problem again. Joining records a CaseMeToo (counted on the case's page and the
list; it notifies nobody yet) and leads a public reporter to that case's tracking page.

The query stays bounded whatever the county's size: the town's cases only, of one category,
open, inside a bounding box of the radius first (plain indexed comparisons on latitude and
longitude), then the exact great-circle distance on the few left, and at most HINTS shown.

The public form shows only what Open311 already publishes to anyone (portal.cases.
open311_publication): hints only for the town's public categories, and of each case only its
category, state, day and distance — never its title, description, address or reporter.
"""
from __future__ import annotations

import math

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from flask_wtf import FlaskForm
from wtforms import StringField

from portal.cases.loop_models import CaseMeToo
from portal.cases.models import Case
from portal.cases.workflow import OPEN_STATES
from portal.errors import DomainError
from portal.extensions import db
from portal.forms import strip
from portal.grids.models import GRID, SPECIAL, Grid
from portal.permissions import can, requires
from portal.rendering import render
from portal.tenancy import in_subtree, narrowed, town_of
from portal.web import run_action

bp = Blueprint("me_too", __name__)

#: "About 100 m": the radius of a hint, in metres.
RADIUS_M = 100.0
#: Hints shown at most; candidates read from the box at most.
HINTS = 5
CANDIDATES = 50
EARTH_RADIUS_M = 6_371_000.0
METRES_PER_DEGREE = 111_320.0  # of latitude (and of longitude at the equator)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle (haversine) distance in metres between two WGS84 points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def nearby_open(town: Grid | None, category: str | None, latitude: float | None = None,
                longitude: float | None = None, grid: Grid | None = None,
                categories: list[str] | None = None) -> list[tuple[Case, float | None]]:
    """Open cases of ``category`` in ``town`` near the point (within RADIUS_M) or, without a
    point, in ``grid``: (case, metres or None), nearest (or newest) first. ``categories``: the
    only ones allowed (the public form's public categories)."""
    if town is None or not category or (categories is not None and category not in categories):
        return []
    query = (db.select(Case).join(Grid, Grid.id == Case.grid_id)
             .where(Case.category == category, Case.state.in_(OPEN_STATES),
                    in_subtree(Grid.code, town)))
    if latitude is not None and longitude is not None:
        dlat = RADIUS_M / METRES_PER_DEGREE
        dlon = RADIUS_M / (METRES_PER_DEGREE * max(math.cos(math.radians(latitude)), 0.01))
        rows = db.session.scalars(query.where(
            Case.latitude.between(latitude - dlat, latitude + dlat),
            Case.longitude.between(longitude - dlon, longitude + dlon)).limit(CANDIDATES)).all()
        found: list[tuple[Case, float | None]] = []
        for case in rows:
            metres = distance_m(latitude, longitude, case.latitude, case.longitude)
            if metres <= RADIUS_M:
                found.append((case, metres))
        found.sort(key=lambda pair: pair[1] or 0.0)
        return found[:HINTS]
    if grid is None:
        return []
    rows = db.session.scalars(query.where(Case.grid_id == grid.id)
                              .order_by(Case.created_at.desc()).limit(HINTS)).all()
    return [(case, None) for case in rows]


def join(case: Case, *, user=None, name: str | None = None, phone: str | None = None,
         source: str) -> CaseMeToo:
    """Record one more person with ``case``'s problem; the caller commits."""
    if case.state not in OPEN_STATES:
        raise DomainError(_("这个事件已经办结，请另行反映。"))
    if user is not None:
        if case.reporter_id == user.id:
            raise DomainError(_("这是您自己反映的事件。"))
        if db.session.scalar(db.select(CaseMeToo.id).filter_by(case_id=case.id,
                                                               user_id=user.id).limit(1)):
            raise DomainError(_("您已经点过“我也遇到”。"))
    row = CaseMeToo(case_id=case.id, user_id=getattr(user, "id", None),
                    reporter_name=(name or "").strip()[:32] or None, reporter_phone=phone,
                    source=source)
    db.session.add(row)
    db.session.flush()
    return row


def _float_arg(name: str) -> float | None:
    try:
        value = float(request.values.get(name, ""))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _point() -> tuple[float | None, float | None]:
    latitude, longitude = _float_arg("latitude"), _float_arg("longitude")
    if latitude is None or longitude is None or not (-90 <= latitude <= 90
                                                     and -180 <= longitude <= 180):
        return None, None
    return latitude, longitude


# ---------------------------------------------------------------- the staff form (/cases/new)

@bp.route("/cases/similar")
@requires("cases.report")
def hints():
    """The hints fragment of /cases/new (htmx, on a change of category, grid or position)."""
    from portal.grids.services import grids_in

    town = town_of(current_user.scope)
    grid = None
    if (request.args.get("grid") or "").isdigit():
        grid = db.session.scalar(grids_in(current_user.scope).where(
            Grid.id == int(request.args["grid"]), Grid.level.in_((GRID, SPECIAL))))
    if town is None and grid is not None:  # a county user: the chosen grid's town
        town = town_of(grid)
    latitude, longitude = _point()
    found = nearby_open(town, request.args.get("category"), latitude, longitude, grid)
    found = [(c, m) for c, m in found if db.session.scalar(
        db.select(Case.id).where(Case.id == c.id, narrowed(Case)))]
    return render("me_too/_hints.html", found=found, public=False,
                  join=lambda case: url_for("me_too.join_case", case_id=case.id))


def _joinable(case_id: int) -> Case:
    """An open case of the user's town (a resident's town too, beyond their own grid)."""
    case = db.session.get(Case, case_id)
    if case is None:
        abort(404)
    town = town_of(current_user.scope)
    if not (in_subtree(case.grid.code, current_user.scope)
            or (town is not None and in_subtree(case.grid.code, town))):
        abort(404)
    return case


@bp.route("/cases/<int:case_id>/me-too", methods=["POST"])
@requires("cases.report")
def join_case(case_id):
    """我也遇到 from /cases/new: the user joins the case instead of filing a new one."""
    case = _joinable(case_id)
    source = "resident" if current_user.role == "resident" else "patrol"
    page = "cases.show" if can(current_user, "cases.view", case) else "my_cases.show"
    return run_action(lambda: join(case, user=current_user, source=source),
                      done=_("已记录“我也遇到”：事件 %(n)s。", n=case.number),
                      then=lambda row: url_for(page, case_id=case.id) if row is not None
                      else url_for("cases.new"))


# ---------------------------------------------------------------- the public form (/g/<code>/report)

def _public_grid(code: str) -> Grid:
    from portal.grids.public import _public_grid as public_grid

    return public_grid(code)


@bp.route("/g/<grid_code>/similar")
def public_hints(grid_code):
    """The hints fragment of the public form: only the town's public categories, and of each
    case what Open311 publishes (category, state, day, distance)."""
    from portal.cases.open311_publication import public_categories

    grid = _public_grid(grid_code)
    town = town_of(grid)
    latitude, longitude = _point()
    found = nearby_open(town, request.args.get("category"), latitude, longitude, grid,
                        categories=public_categories(town))
    return render("me_too/_hints.html", found=found, public=True,
                  join=lambda case: url_for("me_too.public_join", grid_code=grid.code,
                                            case_id=case.id))


class JoinForm(FlaskForm):
    """Who joins from the public form: its name and phone fields (checked in the view)."""
    reporter_name = StringField(filters=[strip])
    reporter_phone = StringField(filters=[strip])


@bp.route("/g/<grid_code>/report/join/<int:case_id>", methods=["POST"])
def public_join(grid_code, case_id):
    """我也遇到 from the public form (its fields come along: the phone is required, as for a
    report): counted on the case, and this browser may follow it at /track."""
    from portal.auth import throttle
    from portal.cases.open311_publication import public_categories
    from portal.cases.tracking import JOINED, remember
    from portal.validators import is_phone, normalise_phone

    grid = _public_grid(grid_code)
    town = town_of(grid)
    case = db.session.get(Case, case_id)
    if case is None or town is None or not in_subtree(case.grid.code, town) \
            or case.category not in public_categories(town):
        abort(404)
    key = f"report:{request.remote_addr or 'unknown'}"  # the public report's own throttle
    back = url_for("public.report_case", grid_code=grid.code)
    if throttle.seconds_locked([key]):
        flash(_("提交太频繁，请稍后再试，或直接拨打网格员电话。"), "error")
        return redirect(back, 303)
    throttle.record_failure([key])
    form = JoinForm()  # the public form's own fields come along; these two are read
    phone = normalise_phone(form.reporter_phone.data or "")
    if not is_phone(phone):
        flash(_("点“我也遇到”也请留下联系电话，以便把办理结果告诉您。"), "error")
        return redirect(back, 303)

    def work():
        row = join(case, name=form.reporter_name.data, phone=phone, source="public")
        remember(case, JOINED)
        return row

    return run_action(work, done=_("已记录：您也遇到了这个问题(事件 %(n)s)。凭事件编号和您电话的后四位可以查询进度。",
                                   n=case.number),
                      then=lambda row: url_for("track.show", number=case.number)
                      if row is not None else back)
