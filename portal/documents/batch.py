"""One PDF of many documents (every household's letter of a village, every grid's poster of a
town): asked for on the documents page, made by the background worker (``documents`` task) with
its progress kept on the row, then downloaded. Each document is laid out on its own (the slow
part, counted as progress) and the pages are put together into one file at the end."""
from __future__ import annotations

import json
import logging
import secrets
from pathlib import Path

from flask import current_app
from flask_login import login_user
from flask_babel import gettext as _

from portal import audit
from portal.documents import DocumentType, Period, document_types
from portal.documents.models import DocumentBatch
from portal.errors import DomainError
from portal.extensions import db
from portal.timeutil import utcnow

log = logging.getLogger(__name__)

#: A batch holds at most this many documents (a town's letters are several villages' batches).
MAX_DOCUMENTS = 3000
#: Progress is written every this many documents.
PROGRESS_EVERY = 10


def folder() -> Path:
    """Where the batches' PDFs are kept: beside the uploads, served by their one safe reader
    (portal.uploads.read_upload), backed up with them."""
    from portal.uploads import uploads_root

    path = uploads_root() / "documents"
    path.mkdir(parents=True, exist_ok=True)
    return path


def start(kind: DocumentType, node, period: Period | None, base_url: str, actor) -> DocumentBatch:
    """Ask for one PDF of ``kind`` for everything under ``node`` (the caller commits, then
    enqueues ``run``)."""
    if kind.batch is None or node.level not in kind.batch_levels:
        raise DomainError(_("这种文书不能为这一级批量打印。"), field="kind")
    total = len(list(kind.batch(node)))
    if total == 0:
        raise DomainError(_("%(node)s 下没有可打印的文书。", node=node.name), field="kind")
    if total > MAX_DOCUMENTS:
        raise DomainError(_("一次最多打印 %(n)d 份，请按村或网格分批打印。", n=MAX_DOCUMENTS),
                          field="kind")
    batch = DocumentBatch(kind=kind.code, node_id=node.id, total=total, base_url=base_url,
                          params=json.dumps(period.args) if period else None,
                          created_by_id=getattr(actor, "id", None))
    db.session.add(batch)
    db.session.flush()
    audit.record("documents.batch", batch, scope_code=node.code, user=actor, kind=kind.code,
                 total=total)
    return batch


def period_of(batch: DocumentBatch) -> Period | None:
    if not batch.params:
        return None
    from datetime import date

    args = json.loads(batch.params)
    return Period(date.fromisoformat(args["since"]), date.fromisoformat(args["until"]))


def run(batch_id: int) -> str:
    """Make the batch's PDF (the worker's ``documents`` task); returns its final state."""
    from portal.documents.render import html_of, render_one, write

    batch = db.session.get(DocumentBatch, batch_id)
    if batch is None or batch.state not in ("queued", "running"):
        return batch.state if batch is not None else "gone"
    kind = document_types()[batch.kind]
    period = period_of(batch)
    batch.state, batch.done = "running", 0
    db.session.commit()
    try:
        # a request of the asker's site, so links, QR codes and translations are as on the page,
        # made as the asker: a document that shows what its reader may see (the household file's
        # key-person flags, the modules' parts) shows the asker's view, and audits it in their name
        with current_app.test_request_context(base_url=batch.base_url):
            if batch.created_by is not None:
                login_user(batch.created_by)
            laid_out = []
            for number, subject in enumerate(kind.batch(batch.node), start=1):
                laid_out.append(render_one(html_of(kind, subject, period, pdf=True,
                                                   base=batch.base_url)))
                if number % PROGRESS_EVERY == 0:
                    batch.done = number
                    db.session.commit()
            data = write(laid_out)
        name = f"{batch.id}-{secrets.token_hex(8)}.pdf"
        (folder() / name).write_bytes(data)
        batch.pdf_name, batch.done, batch.state = name, len(laid_out), "done"
    except Exception as error:  # kept on the row for the page; the worker goes on
        db.session.rollback()
        batch = db.session.get(DocumentBatch, batch_id)
        log.exception("document batch %s failed", batch_id)
        batch.state, batch.error = "failed", f"{type(error).__name__}: {error}"[:500]
    batch.finished_at = utcnow()
    db.session.commit()
    return batch.state


def enqueue(batch: DocumentBatch) -> None:
    """Hand the batch to the worker (after the commit that wrote it). Where the queue keeps
    tasks in the process (tests) nothing runs until told; ``immediate`` runs it now."""
    from portal.worker import task

    try:
        task("documents")(batch.id)
    except Exception:
        log.warning("could not enqueue document batch %s; `portal documents run` makes it",
                    batch.id, exc_info=True)
