"""Import from and export to Excel."""
import re
import secrets
import time
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import audit
from portal.extensions import db
from portal.people import transfer
from portal.people.forms import ImportForm
from portal.people.import_limits import read_capped
from portal.permissions import can, requires
from portal.rendering import render, xlsx_download
from portal.tenancy import scoped_grid_arg
from portal.timeutil import local_today
from portal.web import REFUSED, commit

bp = Blueprint("transfer", __name__, url_prefix="/people/xlsx")

TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def _pending_dir() -> Path:
    path = Path(current_app.instance_path) / "uploads" / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def pending_expired(path: Path, now: float | None = None) -> bool:
    """Whether a pending upload is older than IMPORT_PENDING_SECONDS (then it is refused at
    confirmation and removed by `portal uploads clean`)."""
    age = (now or time.time()) - path.stat().st_mtime
    return age > current_app.config["IMPORT_PENDING_SECONDS"]


def _pending_path(token: str) -> Path:
    if not TOKEN.match(token):
        abort(404)
    # the user id is part of the name: one user can never confirm another's upload
    return _pending_dir() / f"{current_user.id}-{token}.xlsx"


def _xlsx(data: bytes, name: str):
    return xlsx_download(data, name)


@bp.route("/template.xlsx")
@requires("people.import")
def template():
    return _xlsx(transfer.template_xlsx(), "居民导入模板.xlsx")


@bp.route("/import", methods=["GET", "POST"])
@requires("people.import")
def import_page():
    form = ImportForm()
    report = token = None
    if form.validate_on_submit():
        data = read_capped(form.file.data)  # never more than the ceiling in memory
        report = transfer.import_file(data, current_user.scope, current_user)
        if report.file_error:
            form.file.errors = [*form.file.errors, report.file_error]
            report = None
        elif report.errors:
            db.session.rollback()
            if report.good:
                token = secrets.token_urlsafe(24)
                _pending_path(token).write_bytes(data)
        else:
            commit()
            flash(_("导入完成：新增%(c)d人，更新%(u)d人。", c=report.residents_created,
                    u=report.residents_updated), "success")
    status = REFUSED if form.errors or (report and report.errors) else 200
    return render("people/import.html", form=form, report=report, token=token), status


@bp.route("/import/<token>", methods=["POST"])
@requires("people.import")
def import_good_rows(token):
    """The user saw the report and chose to import only the rows without errors."""
    path = _pending_path(token)
    if not path.exists():
        flash(_("上传的文件已过期，请重新上传。"), "error")
        return redirect(url_for("transfer.import_page"))
    if pending_expired(path):
        path.unlink(missing_ok=True)
        flash(_("上传的文件已超过%(m)d分钟未确认，已作废，请重新上传。",
                m=current_app.config["IMPORT_PENDING_SECONDS"] // 60), "error")
        return redirect(url_for("transfer.import_page"))
    report = transfer.import_file(path.read_bytes(), current_user.scope, current_user,
                                  good_rows_only=True)
    commit()
    path.unlink(missing_ok=True)
    flash(_("已导入没有错误的%(n)d行，跳过有错误的%(b)d行。", n=len(report.good),
            b=report.bad_rows), "success")
    return render("people/import.html", form=ImportForm(), report=report, token=None)


@bp.route("/export/<kind>.xlsx")
@requires("people.view")
def export(kind):
    grid = scoped_grid_arg(request.args.get("grid")) or current_user.scope
    unmasked = request.args.get("unmasked") == "1"
    if unmasked and not can(current_user, "people.sensitive"):
        abort(403)
    if kind == "residents":
        data = transfer.residents_xlsx(grid, masked=not unmasked)
        if unmasked:
            audit.record("people.export_unmasked", grid, scope_code=grid.code, user=current_user)
            commit()
    elif kind == "households":
        data = transfer.households_xlsx(grid)
    elif kind == "visits-due":
        data = transfer.visits_due_xlsx(grid)
    else:
        abort(404)
    return _xlsx(data, f"{grid.name}-{kind}-{local_today():%Y%m%d}.xlsx")
