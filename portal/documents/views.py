"""Documents pages: the documents a node offers (with drill-down and the period), one document as
HTML or PDF, and a batch's progress and file."""
from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, after_this_request, current_app, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal import audit
from portal.documents import DocumentType, Period, document_types
from portal.documents.models import DocumentBatch
from portal.extensions import db
from portal.grids.models import Grid
from portal.permissions import can, requires
from portal.rendering import render
from portal.security import content_security_policy
from portal.request_guard import parse_id
from portal.tenancy import load_scoped, module_on_at, scope_code_of
from portal.timeutil import local_today
from portal.uploads import read_upload
from portal.web import commit, run_action

bp = Blueprint("documents", __name__, url_prefix="/documents")


def period_arg() -> Period:
    """``?month=YYYY-MM``, or ``?since=&until=`` (dates), else this month; never reversed."""
    args = request.args
    try:
        if args.get("since") and args.get("until"):
            since, until = (date.fromisoformat(args["since"]), date.fromisoformat(args["until"]))
            if since <= until and (until - since).days <= 366:
                return Period(since, until)
        elif args.get("month"):
            year, month = (int(part) for part in args["month"].split("-"))
            return Period.month_of(date(year, month, 1))
    except ValueError:
        pass
    return Period.month_of(local_today())


def kind_or_404(code: str) -> DocumentType:
    kind = document_types().get(code)
    if kind is None:
        abort(404)
    return kind


def subject_of(kind: DocumentType, subject_id: int):
    """The record the document is of, in the user's scope, where the kind exists and the user
    may make it."""
    # as the record's own page: the permission, then the record as the model's scope rules
    # show it (an association is seen from the grids below its village too)
    if not can(current_user, kind.permission):
        abort(403)
    subject: Any = load_scoped(kind.model, subject_id)
    if kind.plugin and not module_on_at(kind.plugin, scope_code_of(subject) or ""):
        abort(404)
    if kind.levels and getattr(subject, "level", None) not in kind.levels:
        abort(404)
    return subject


def offered(node: Grid) -> list[DocumentType]:
    """The kinds a node's page offers: those of the node itself, and the batches under it."""
    kinds = []
    for kind in document_types().values():
        if kind.plugin and not module_on_at(kind.plugin, node.code):
            continue
        if not can(current_user, kind.permission, node):
            continue
        own = kind.model is Grid and (not kind.levels or node.level in kind.levels)
        if own or (kind.batch is not None and node.level in kind.batch_levels):
            kinds.append(kind)
    return sorted(kinds, key=lambda k: str(k.label))


@bp.route("/")
@requires("grids.view")
def index():
    """The documents of a node: for the staff who keep the grid tree (a plugin's own role
    opens its documents from its records' pages)."""
    node_id = request.args.get("node", type=parse_id)
    node = load_scoped(Grid, node_id) if node_id else current_user.scope
    kinds = offered(node)
    children = sorted((c for c in node.children if c.retired_at is None), key=lambda c: c.code)
    batches = db.session.scalars(db.select(DocumentBatch).filter_by(
        node_id=node.id).order_by(DocumentBatch.id.desc()).limit(10)).all()
    return render("documents/index.html", node=node, scope=node, kinds=kinds, children=children,
                  period=period_arg(), batches=batches, Grid=Grid, every_kind=document_types())


def _answer(kind: DocumentType, subject, *, pdf: bool):
    from portal.documents import render as documents

    period = period_arg() if kind.period else None
    html = documents.html_of(kind, subject, period, pdf=pdf)
    if kind.sensitive or pdf:
        audit.record("documents.print", subject, scope_code=scope_code_of(subject),
                     user=current_user, kind=kind.code, pdf=pdf)
        commit()
    if not pdf:
        # a print preview: the document's own layout rules (widths of a 台账's columns) are
        # written in the page for the PDF, so its styles may be inline; scripts stay our files
        return html, 200, {"Content-Security-Policy": content_security_policy(current_app)
                           .replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")}
    try:
        data = documents.pdf_of([html])
    except documents.RendererMissing as error:
        return render("errors.html", code=503, title=_("暂时不能生成PDF"),
                      message=_("服务器缺少PDF组件，请联系管理员：%(e)s", e=str(error))), 503
    title = kind.title(subject, period)
    return data, 200, documents.pdf_headers(f"{title}.pdf")


@bp.route("/<code>/<int:subject_id>")
@login_required
def show(code, subject_id):
    kind = kind_or_404(code)
    return _answer(kind, subject_of(kind, subject_id), pdf=False)


@bp.route("/<code>/<int:subject_id>.pdf")
@login_required
def pdf(code, subject_id):
    kind = kind_or_404(code)
    return _answer(kind, subject_of(kind, subject_id), pdf=True)


@bp.route("/<code>/batches/<int:node_id>", methods=["POST"])
@login_required
def batch_new(code, node_id):
    from portal.documents import batch as batches
    from portal.documents.render import base_url

    kind = kind_or_404(code)
    if not can(current_user, kind.permission):
        abort(403)
    node = load_scoped(Grid, node_id)
    if kind.plugin and not module_on_at(kind.plugin, node.code):
        abort(404)
    if not can(current_user, kind.permission, node):
        abort(403)
    period = period_arg() if kind.period else None

    def work():
        made = batches.start(kind, node, period, base_url(), current_user)

        @after_this_request
        def hand_over(response):  # after run_action's commit: the worker reads the saved row
            batches.enqueue(made)
            return response

        return made

    return run_action(work, done=_("已开始批量生成，完成后可以下载。"),
                      then=lambda made: url_for("documents.batch", batch_id=made.id) if made
                      else url_for("documents.index", node=node.id))


def _batch(batch_id: int) -> DocumentBatch:
    """A batch the user may read: the permission of its kind first (403), then the scope (a
    batch of another town is a 404)."""
    found = db.session.get(DocumentBatch, batch_id)
    if found is None:
        abort(404)
    if not can(current_user, kind_or_404(found.kind).permission):
        abort(403)
    return load_scoped(DocumentBatch, batch_id)


@bp.route("/batches/<int:batch_id>")
@login_required
def batch(batch_id):
    item = _batch(batch_id)
    kind = document_types()[item.kind]
    return render("documents/batch.html", "documents/_batch_progress.html", batch=item,
                  kind=kind, scope=item.node)


@bp.route("/batches/<int:batch_id>.pdf")
@login_required
def batch_file(batch_id):
    from portal.documents import batch as batches
    from portal.documents.render import pdf_headers

    item = _batch(batch_id)
    found = read_upload(batches.folder(), item.pdf_name) if item.state == "done" else None
    if found is None:
        abort(404)
    audit.record("documents.download", item, scope_code=item.node.code, user=current_user,
                 kind=item.kind)
    commit()
    kind = document_types()[item.kind]
    return found[0], 200, pdf_headers(f"{item.node.name}-{kind.label}.pdf")
