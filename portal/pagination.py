"""One way to cut a list page into pages.

Every list (users, audit log, cases, households, residents, points accounts) asks for one more
row than it shows, so it knows whether a next page exists without counting; a list that shows
"共N个" and "第2页 / 7" also counts (``count=True``). The ``page`` query argument is read by
portal.ui.page_number; templates get ``rows``, ``page``, ``has_more``, ``total`` and ``pages`` as
before (templates/macros/forms.html ``pager``).
"""
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select

from portal.extensions import db
from portal.ui import page_number


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    #: 1-based number of this page.
    number: int
    has_more: bool
    #: All rows over all pages, when the list counted them.
    total: int | None = None
    size: int = 50

    @property
    def pages(self) -> int | None:
        return None if self.total is None else max(1, -(-self.total // self.size))

    def context(self) -> dict[str, Any]:
        """What the list templates and their pager expect."""
        return {"rows": self.rows, "page": self.number, "has_more": self.has_more,
                "total": self.total, "pages": self.pages}


def paginate(query: Select, size: int, *, count: bool = False, rows: bool = False,
             unique: bool = False) -> Page:
    """This request's page of ``query`` (already ordered): ORM objects, or whole result rows
    with ``rows=True``; ``unique`` for a query that joins collections eagerly."""
    number = page_number()
    total = (db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
             if count else None)
    window = query.limit(size + 1).offset((number - 1) * size)
    result = db.session.execute(window) if rows else db.session.scalars(window)
    if unique:
        result = result.unique()
    fetched = list(result.all())
    return Page(rows=fetched[:size], number=number, has_more=len(fetched) > size, total=total,
                size=size)


def empty_page() -> Page:
    """No rows (a refused search), on the page the request asked for."""
    return Page(rows=[], number=page_number(), has_more=False)
