"""The 样板间 page: export a town's settings as one file, import one into a town after a
preview of what changes (nothing is written until confirmed; then all of it in one transaction,
or none). A town admin exports and imports their own town; a county admin any town of the
county; any other town is a 404."""
from urllib.parse import quote

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.extensions import db
from portal.forms import choices
from portal.grids.models import TOWN, Grid
from portal.grids.services import grids_in
from portal.permissions import requires
from portal.rendering import render
from portal.town_templates import TemplateDataError, parts_for, pending, service
from portal.town_templates.forms import ApplyForm, UploadForm
from portal.web import REFUSED, commit, rollback

bp = Blueprint("town_templates", __name__, url_prefix="/admin/town-template")


def _towns() -> list[Grid]:
    """The towns the user may export and import: their own, or those of their county."""
    return list(db.session.scalars(grids_in(current_user.scope).where(Grid.level == TOWN)))


def _town(code: str | None, towns: list[Grid]) -> Grid:
    """The town ``code`` names among ``towns`` (404 for any other); the first without one."""
    if not code:
        if not towns:
            abort(404)
        return towns[0]
    found = next((t for t in towns if t.code == code), None)
    if found is None:
        abort(404)
    return found


def _upload_form(towns: list[Grid], town: Grid | None) -> UploadForm:
    form = UploadForm(town=town.code if town else None)
    form.town.choices = choices([(t.code, t.name) for t in towns])
    return form


def _page(town, towns, form, *, result=None, target=None, apply_form=None):
    return render("town_templates/index.html", town=town, towns=towns, form=form,
                  parts=list(parts_for(town).values()), result=result, target=target,
                  apply_form=apply_form)


@bp.route("")
@requires("settings.template")
def index():
    towns = _towns()
    town = _town(request.args.get("town"), towns)
    return _page(town, towns, _upload_form(towns, town))


@bp.route("/export.json")
@requires("settings.template")
def export():
    town = _town(request.args.get("town"), _towns())
    body = service.to_bytes(service.export_document(town))
    return body, 200, {
        "Content-Type": "application/json; charset=utf-8",
        # RFC 5987: the town's Chinese name survives in every browser
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(service.file_name(town))}"}


@bp.route("/preview", methods=["POST"])
@requires("settings.template")
def preview():
    """Read the upload, list what it would change in the chosen town, try it and undo it; the
    file is kept (portal.town_templates.pending) for the confirmation."""
    towns = _towns()
    form = _upload_form(towns, None)
    # a town outside one's scope is a 404 whatever else was sent (checked before the file)
    target = _town(form.town.data, towns) if form.town.data else None
    page_town = target or _town(None, towns)
    if not form.validate_on_submit() or target is None:
        return _page(page_town, towns, form), REFUSED
    try:
        document = service.read_document(form.file.data.read(service.MAX_BYTES + 1))
        result = service.check(target, document, current_user)
    except TemplateDataError as error:
        form.file.errors = [*form.file.errors, str(error)]
        return _page(page_town, towns, form), REFUSED
    token = pending.keep(target, document)
    return _page(target, towns, form, result=result, target=target,
                 apply_form=ApplyForm(token=token))


@bp.route("/apply", methods=["POST"])
@requires("settings.template")
def apply():
    """Write every part of the previewed template in one transaction: a refusal anywhere leaves
    the town as it was."""
    towns = _towns()
    form = ApplyForm()
    upload = _upload_form(towns, _town(None, towns))
    kept = pending.take(form.token.data) if form.validate_on_submit() else None
    if kept is None:
        upload.file.errors = [*form.token.errors] or [_("上传的文件已过期或已导入，请重新上传。")]
        return _page(_town(None, towns), towns, upload), REFUSED
    town_id, document = kept
    target = next((t for t in towns if t.id == town_id), None)
    if target is None:
        abort(404)
    try:
        result = service.apply(target, document, current_user)
        commit()
    except TemplateDataError as error:
        rollback()
        upload.town.data = target.code
        upload.file.errors = [str(error)]
        return _page(target, towns, upload), REFUSED
    pending.forget(form.token.data)
    if result.nothing_changes:
        flash(_("%(town)s的设置与样板间相同，没有改动。", town=target.name), "success")
    else:
        flash(_("已把样板间导入%(town)s：%(n)d项改动。", town=target.name,
                n=len(result.changes)), "success")
    return redirect(url_for("town_templates.index", town=target.code), 303)
