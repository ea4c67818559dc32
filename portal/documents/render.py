"""One way to turn a document into HTML and PDF.

The HTML is the document's template, standalone (``documents/page.html``: print CSS with the
page size, the issuer and date in the header, page numbers in the footer), the same for the
browser and the PDF. WeasyPrint renders it on the server with the system's CJK font
(fonts-wqy-microhei, or Noto CJK); it fetches nothing over the network: the stylesheet is read
from the static folder, QR codes and photos are written into the page."""
from __future__ import annotations

import base64
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import segno
from flask import current_app, has_request_context, render_template, request
from markupsafe import Markup

from portal.documents import DocumentType, Period
from portal.timeutil import local_today

#: What WeasyPrint needs from the system (Debian names), said when it cannot load.
SYSTEM_PACKAGES = "libpango-1.0-0 libpangoft2-1.0-0 fonts-wqy-microhei"


class RendererMissing(RuntimeError):
    """WeasyPrint or the system libraries under it are not installed."""


def base_url() -> str:
    """The address printed QR codes point at: PUBLIC_BASE_URL, else the request's host."""
    configured = current_app.config.get("PUBLIC_BASE_URL")
    if configured:
        return configured.rstrip("/")
    if has_request_context():
        return request.host_url.rstrip("/")
    return "http://localhost"


def qr(url: str, scale: int = 3) -> Markup:
    """A QR code as inline SVG (printed sharp at any size, fetched from nowhere)."""
    return Markup(segno.make(url, error="m").svg_inline(scale=scale, border=1))


def photo_uri(name: str | None) -> str | None:
    """An uploaded photo as a data: URI for the page, or None when there is none."""
    from portal.uploads import photo_dir, read_upload

    found = read_upload(photo_dir(), name) if name else None
    if found is None:
        return None
    return "data:image/jpeg;base64," + base64.b64encode(found[0]).decode("ascii")


def html_of(kind: DocumentType, subject: Any, period: Period | None, *, pdf: bool = False,
            base: str | None = None) -> str:
    """The document as a standalone HTML page (``pdf``: without the browser's toolbar)."""
    context = kind.context(subject, period)
    context.setdefault("issued_on", local_today())
    return render_template(kind.template, doc=kind, subject=subject, period=period, pdf=pdf,
                           title=kind.title(subject, period), public_base=base or base_url(),
                           **context)


def stylesheet() -> Markup:
    """The documents' print CSS, written into the page for the PDF (nothing is fetched)."""
    path = Path(current_app.static_folder or "") / "css" / "documents.css"
    return Markup("<style>\n") + Markup(path.read_text(encoding="utf-8")) + Markup("\n</style>")


def _only_data_fetcher(weasyprint):
    """A fetcher that serves data: URIs (photos written into the page) and refuses anything
    else: a document never reaches out to the network, and user text can never make it."""
    from weasyprint.urls import URLFetcher

    class OnlyData(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            raise ValueError(f"documents fetch nothing from {url[:80]!r}")

    return OnlyData()


def _weasyprint():
    try:
        import weasyprint
    except (ImportError, OSError) as error:  # OSError: Pango missing under the Python package
        raise RendererMissing(
            f"PDF needs WeasyPrint and {SYSTEM_PACKAGES} (apt-get install them): {error}") from error
    return weasyprint


def render_one(html: str):
    """The laid-out pages of one HTML document (the slow part of a PDF)."""
    weasyprint = _weasyprint()
    return weasyprint.HTML(string=html, url_fetcher=_only_data_fetcher(weasyprint)).render()


def write(documents: list) -> bytes:
    """One PDF of laid-out documents, in order (a batch is many)."""
    if not documents:
        raise ValueError("no document to print")
    every_page = [page for document in documents for page in document.pages]
    return documents[0].copy(every_page).write_pdf()


def pdf_of(pages: Iterable[str]) -> bytes:
    return write([render_one(html) for html in pages])


def pdf_headers(filename: str) -> dict[str, str]:
    from urllib.parse import quote

    return {"Content-Type": "application/pdf",
            "Content-Disposition": f"inline; filename*=UTF-8''{quote(filename)}"}
