"""Loading one record only when it lies in the user's scope: anything else does not exist for
them (404, never 403, so another town's records cannot even be probed for)."""
from flask import abort
from flask_login import current_user

from portal.extensions import db
from portal.plugins import require_module_at


def in_user_scope(code: str) -> bool:
    return code.startswith(current_user.scope.code)


def scoped(model, record_id, code_of):
    """The ``model`` row with ``record_id`` if ``code_of(row)`` lies in the user's scope."""
    record = db.session.get(model, record_id)
    if record is None or not in_user_scope(code_of(record)):
        abort(404)
    require_module_at(code_of(record))  # a module's record of a town where it is off
    return record


def in_or_above_user_scope(code: str) -> bool:
    """The record lies in the user's subtree, or hangs on a node above the user (a village's
    association seen by a grid worker of that village)."""
    return in_user_scope(code) or current_user.scope.code.startswith(code)


def scoped_near(model, record_id, code_of):
    """Like ``scoped``, but a record of a node above the user is visible too."""
    record = db.session.get(model, record_id)
    if record is None or not in_or_above_user_scope(code_of(record)):
        abort(404)
    require_module_at(code_of(record))
    return record
