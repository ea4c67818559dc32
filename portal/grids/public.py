"""Pages anyone may open without an account: the grid's public notice board (公示牌), reached
from the QR code on the service contact card."""
import segno
from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from markupsafe import Markup

from portal.errors import DomainError
from portal.extensions import db
from portal.grids.models import GRID, SPECIAL, Grid, GridStaff
from portal.rendering import render
from portal.tenancy import town_of
from portal.uploads import send_photo, store_at_commit
from portal.web import REFUSED, commit

bp = Blueprint("public", __name__, url_prefix="/g")


def public_url(grid: Grid) -> str:
    # Printed cards outlive the request they were printed from: a configured base URL wins.
    base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url
    return base.rstrip("/") + url_for("public.notice", grid_code=grid.code)


def qr_svg(url: str) -> Markup:
    return Markup(segno.make(url, error="m").svg_inline(scale=4, border=2))


def _public_grid(code: str) -> Grid:
    grid = db.session.scalar(db.select(Grid).filter_by(code=code))
    if grid is None or not grid.active or grid.level not in (GRID, SPECIAL):
        abort(404)
    return grid


@bp.route("/<grid_code>")
def notice(grid_code):
    grid = _public_grid(grid_code)
    staff = [s for s in grid.staff if s.ended_at is None]
    return render("public/notice.html", grid=grid, staff=staff, scope=grid)


@bp.route("/<grid_code>/qr.svg")
def qr(grid_code):
    grid = _public_grid(grid_code)
    svg = segno.make(public_url(grid), error="m")
    from io import BytesIO

    out = BytesIO()
    svg.save(out, kind="svg", scale=8, border=2)
    return out.getvalue(), 200, {"Content-Type": "image/svg+xml"}


@bp.route("/<grid_code>/photo/<int:staff_id>")
def photo(grid_code, staff_id):
    grid = _public_grid(grid_code)
    staff = db.session.get(GridStaff, staff_id)
    if staff is None or staff.grid_id != grid.id or staff.ended_at is not None:
        abort(404)
    return send_photo(staff.photo)


@bp.route("/<grid_code>/report", methods=["GET", "POST"])
def report_case(grid_code):
    """Anyone may report a case from the grid's QR code, leaving a phone number for the reply.

    Every POST from an address counts towards its throttle, refused or not (a refused report
    costs us the same photo decoding), and a locked address is refused before any photo is
    read. Photos are checked in memory and written only with the commit of the case."""
    from flask_babel import gettext as _

    from portal.auth import throttle
    from portal.cases.forms import CATEGORY_LABELS, PublicReportForm
    from portal.cases.placement import place
    from portal.cases.services import report
    from portal.cases.settings_views import town_categories
    from portal.forms import choices
    from portal.uploads import UploadError, coordinates, prepare_photos
    from portal.web import refuse

    grid = _public_grid(grid_code)
    form = PublicReportForm()
    form.category.choices = choices((c, CATEGORY_LABELS[c]) for c in town_categories(town_of(grid)))
    if request.method != "POST":
        return _report_page(grid, form)
    # the login throttle's table counts anonymous reports per address too
    key = f"report:{request.remote_addr or 'unknown'}"
    if throttle.seconds_locked([key]):
        form.form_errors.append(_("提交太频繁，请稍后再试，或直接拨打网格员电话。"))
        return _report_page(grid, form), 429
    throttle.record_failure([key])  # an attempt, whatever comes of it
    if form.validate():
        try:
            photos = prepare_photos(form.photos.data)
            latitude, longitude = coordinates(form, photos)
            # the QR code's grid, unless the position lies in another base grid of the town
            # (a card read away from home): the case goes where it happened
            found = place(town_of(grid), latitude, longitude)
            into = found if found is not None and found.id != grid.id else grid
            case = report(into, category=form.category.data, title=form.title.data,
                          description=form.description.data, address=form.address.data,
                          latitude=latitude, longitude=longitude,
                          reporter_name=form.reporter_name.data,
                          reporter_phone=form.reporter_phone.data, source="public",
                          photos=[p.name for p in photos])
            store_at_commit(*photos)
            commit()
            current_app.logger.info("public report %s for grid %s", case.number, into.code)
            if into is not grid:
                flash(_("您所在的位置属于“%(name)s”，问题已转给该网格办理。", name=into.name),
                      "success")
            # post/redirect/get: the receipt is a page of its own, so a refresh (or the back
            # button) files nothing again; this browser may follow the case at once
            from portal.cases.tracking import REPORTER, receipt_token, remember

            remember(case, REPORTER)
            return redirect(url_for("track.receipt", token=receipt_token(case)), 303)
        except UploadError as error:
            form.photos.errors = [*form.photos.errors, str(error)]
        except DomainError as error:
            db.session.rollback()
            refuse(form, error)
    return _report_page(grid, form), REFUSED


def _report_page(grid, form):
    from portal.uploads import limits_hint

    return render("public/report.html", grid=grid, form=form, scope=grid,
                  photo_hint=limits_hint())


@bp.errorhandler(413)
def too_large(error):
    """A report over MAX_CONTENT_LENGTH (refused before any view or CSRF check could read it):
    the same form again, the limits next to the photo field, instead of a bare error page."""
    from flask_babel import gettext as _

    from portal.cases.forms import PublicReportForm
    from portal.uploads import limits_hint

    if request.endpoint != "public.report_case":
        return error
    grid = _public_grid(request.view_args["grid_code"])
    form = PublicReportForm(formdata=None)  # the body was not read: nothing to refill
    form.photos.errors = [_("照片太大，整个表单不能超过%(mb)d MB。",
                            mb=current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)),
                          limits_hint()]
    return _report_page(grid, form), 413
