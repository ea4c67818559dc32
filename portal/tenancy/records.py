"""May this user see this record? A record lies where its grid code says; the model declares
how that code is reached, and a record whose model declares nothing lies nowhere (refused).

A model declares its scope with two class attributes::

    class BestGridContest(db.Model):
        #: tenancy: the grid code this record lies at (a dotted path from the record)
        scope_path = "town.code"
        #: tenancy: also seen by the users of the nodes below it (a town's contest by the
        #: staff of its villages and grids); False unless said
        scope_seen_from_below = True

Seeing is not acting: ``in_scope`` (what ``can`` checks) asks for the subtree only, whatever
the model says about being seen from below.

Anything the user may not see does not exist for them: 404, never 403, so that another town's
records cannot even be probed for.

Within a scope, a feature may narrow what some users see of a model (``narrow``): department
staff see their department's cases only. ``load_scoped`` applies it to one record and
``narrowed`` gives the SQL for lists, so that this too is decided here, once.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user

from portal.tenancy.codes import in_subtree, in_subtree_or_above
from portal.tenancy.modules import require_module_at

Record = TypeVar("Record")

#: model -> (sees(user, record) -> bool, condition(user) -> SQL or None): see ``narrow``.
_NARROWING: dict[type, tuple[Callable[[Any, Any], bool], Callable[[Any], Any]]] = {}


def narrow(model: type, *, sees: Callable[[Any, Any], bool],
           condition: Callable[[Any], Any]) -> None:
    """Let some users see only part of ``model``'s records in their scope: ``sees(user,
    record)`` answers for one record (``load_scoped``), ``condition(user)`` is the SQL for lists
    (None when the user is not narrowed). Registered once, at start-up."""
    _NARROWING[model] = (sees, condition)


def narrowed(model: type, user: Any = None) -> Any:
    """The SQL narrowing a query of ``model`` for ``user`` (the logged-in user unless given):
    ``true()`` when nothing narrows it."""
    from sqlalchemy import true

    rule = _NARROWING.get(model)
    condition = rule[1](current_user if user is None else user) if rule else None
    return true() if condition is None else condition


def scope_code_of(record: Any) -> str | None:
    """The grid code ``record`` lies at, by its model's ``scope_path``; None when the model
    declares no scope (or the path ends on nothing)."""
    path = getattr(type(record), "scope_path", None)
    return _follow(record, path) if path else None


def in_scope(user: Any, record: Any) -> bool:
    """Whether ``record`` lies in the subtree of ``user``'s scope. ``None`` means "no record"
    (a question about a kind of action, not a record) and is allowed; a record without a grid
    code is refused."""
    if record is None:
        return True
    return in_subtree(scope_code_of(record), user.scope)


def visible(record: Any, user: Any = None) -> bool:
    """Whether ``user`` (the logged-in user unless given) may see ``record``: in their subtree,
    or above it when the record's model says it is seen from below."""
    return _visible_at(scope_code_of(record), type(record), user)


def load_scoped(model: type[Record], record_id: Any, user: Any = None, via: str | None = None,
                from_below: bool | None = None) -> Record:
    """The ``model`` row with ``record_id``, if ``user`` (the logged-in user unless given) may
    see it and, on a module's page, the module is on in the record's town; 404 otherwise.

    Two exceptions a page may state instead of its model: ``via`` names another path to the grid
    code (the kiosk sees a redemption through its shop, not the account's grid), ``from_below``
    lets the nodes below see the record too (a village shop's goods photo, shown to its grid
    workers)."""
    from portal.extensions import db

    record = db.session.get(model, record_id) if record_id is not None else None
    if record is None:
        abort(404)
    code = _follow(record, via) if via else scope_code_of(record)
    if not _visible_at(code, model, user, from_below):
        abort(404)
    rule = _NARROWING.get(model)
    if rule and not rule[0](current_user if user is None else user, record):
        abort(404)
    require_module_at(code)  # a module's record of a town where it is off
    return record


def _follow(record: Any, path: str) -> str | None:
    value = record
    for name in path.split("."):
        value = getattr(value, name, None)
        if value is None:
            return None
    return value


def _visible_at(code: str | None, model: type, user: Any, from_below: bool | None = None) -> bool:
    user = current_user if user is None else user
    if from_below is None:
        from_below = getattr(model, "scope_seen_from_below", False)
    if from_below:
        return in_subtree_or_above(code, user.scope)
    return in_subtree(code, user.scope)


def scoped_grid_arg(value: Any) -> Any:
    """A ``grid`` query or form argument (an id) as the grid it names, in the user's scope: None
    when not given, 404 when it is not an id or names a grid the user may not see."""
    if not value:
        return None
    from portal.grids.models import Grid
    from portal.request_guard import parse_id

    grid_id = parse_id(value)
    if grid_id is None:
        abort(404)
    return load_scoped(Grid, grid_id)
