"""Printed documents (台账 and 公文): one service that renders a document's HTML template to PDF
on the server (WeasyPrint), A4 or A5, with the issuing level and date in the header and page
numbers in the footer; each document also viewable as HTML; one PDF for a whole village or grid
made by the background worker (portal.documents.batch).

A kind of document is a ``DocumentType``: what one document is of (a model the URL names by id,
loaded in the user's scope), who may make it, its template and the function that gives the
template its context. The core declares its own (portal.documents.core_types); a plugin offers
its documents through the ``document_types`` hook, and they exist only where the plugin is on.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

A4, A5 = "A4", "A5"


@dataclass(frozen=True)
class Period:
    """The days a ledger or report covers (both included), and how to name them."""

    since: date
    until: date

    @classmethod
    def month_of(cls, day: date) -> "Period":
        first = day.replace(day=1)
        return cls(first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1))

    @property
    def label(self) -> str:
        if self.since.day == 1 and self.until == Period.month_of(self.since).until:
            return f"{self.since:%Y-%m}"
        return f"{self.since.isoformat()} — {self.until.isoformat()}"

    @property
    def args(self) -> dict[str, str]:
        """The query arguments that name this period again."""
        return {"since": self.since.isoformat(), "until": self.until.isoformat()}


@dataclass(frozen=True)
class DocumentType:
    #: The URL's name for the kind (``grid_poster``); unique over the core and the plugins.
    code: str
    label: Any
    #: What one document is of: a model whose id the URL carries, loaded with load_scoped.
    model: type
    #: The permission that opens the document (checked on the record).
    permission: str
    #: The HTML template (it extends ``documents/page.html``).
    template: str
    #: ``context(subject, period)`` -> the template's variables (``period`` is None unless
    #: the type takes one).
    context: Callable[[Any, Period | None], dict]
    #: ``title(subject, period)`` -> the document's title: its heading and file name.
    title: Callable[[Any, Period | None], str]
    size: str = A4
    #: Landscape pages (a wide 台账).
    landscape: bool = False
    #: The document covers a period (``?month=`` or ``?since=&until=``; this month by default).
    period: bool = False
    #: For a grid node: the levels it may be of (empty: any).
    levels: tuple[str, ...] = ()
    #: ``batch(node)`` -> the subjects under ``node`` that one batch PDF holds, in order (a
    #: village's households for their letters); None: no batch of this kind.
    batch: Callable[[Any], Iterable[Any]] | None = None
    #: The levels of node a batch may be made for.
    batch_levels: tuple[str, ...] = ()
    #: Names and phones of residents, parties' names: every copy made is audited.
    sensitive: bool = False
    #: The plugin that offers it (set by the registry); None for the core's.
    plugin: str | None = None
    #: A short line of what it is, for the documents page.
    description: Any = ""
    #: Where its link is offered on the documents page: "node" (pick a grid node), or "record"
    #: (opened from the record's own page).
    offered: str = "node"
    extra: dict = field(default_factory=dict)


def document_types() -> dict[str, DocumentType]:
    """Every kind of document of this deployment: the core's and each loaded plugin's."""
    from flask import current_app

    from portal.plugins import host

    registry = current_app.extensions.get("portal_documents")
    if registry is None:
        from portal.documents.core_types import CORE_TYPES

        registry = {t.code: t for t in CORE_TYPES}
        plugins = host()
        for name, module in plugins.optional.items():
            for kind in plugins._call_one(module, "document_types") or []:
                if kind.code in registry:
                    raise ValueError(f"document type {kind.code!r} is declared twice")
                registry[kind.code] = replace(kind, plugin=name)
        current_app.extensions["portal_documents"] = registry
    return registry
