"""What a transaction's writes leave for its commit: the ids whose kept figures (each household's
visit due day, each grid's counts) are to be computed again before it, under a key of
``session.info``, and what the ORM's history says a flush changed."""
from typing import Any

from sqlalchemy import inspect


def mark(target: Any, key: str, *ids: int | None) -> None:
    """Add ``ids`` (None left out) to the marks under ``key`` of ``target``'s session."""
    session = inspect(target).session
    if session is not None:
        session.info.setdefault(key, set()).update(i for i in ids if i is not None)


def previous(target: Any, name: str) -> list:
    """The value(s) attribute ``name`` had before this flush changed it (none if unchanged)."""
    return list(getattr(inspect(target).attrs, name).history.deleted or ())


def changed(target: Any, *names: str) -> bool:
    """Whether this flush changed any of the attributes ``names``."""
    attrs: Any = inspect(target).attrs
    return any(getattr(attrs, name).history.has_changes() for name in names)
