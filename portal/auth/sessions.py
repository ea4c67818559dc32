"""Sessions that can be ended: the session holds "<user id>:<session token>" (Flask-Login's
alternative id, User.get_id), and every request checks the token against the user's row. A new
token (User.end_sessions) ends every session of that user at once, on every worker."""
from functools import cache

from flask import session
from flask_login import login_user, logout_user

from portal.extensions import db


def load_session_user(session_id: str):
    """The user a session names, or None when its token is no longer the user's (logged out,
    password changed, disabled, role or scope changed) or the user is disabled. Sessions from
    before tokens existed hold a bare id and are refused too."""

    user_id, sep, token = (session_id or "").partition(":")
    if not sep or not token or not user_id.isascii() or not user_id.isdigit():
        return None
    user = _load_with_scope(int(user_id))
    if user is None or not user.is_active or not user.token_matches(token):
        return None
    return user


def _load_with_scope(user_id: int):
    """The user, their scope, their town and the modules switched on in their county's towns,
    in one statement: every page asks for all of them (the menus, the module guard, the lists'
    scope and town settings)."""
    from portal.tenancy.modules import remember_user_places

    row = db.session.execute(_user_statement(), {"user_id": user_id}).first()
    if row is None:
        return None
    user, town, switches = row
    remember_user_places(user.scope, town, switches)
    return user


@cache
def _user_statement():
    """Built once per process: building it (and its cache key) each request cost more than
    running it."""
    from sqlalchemy import and_, bindparam, func
    from sqlalchemy.orm import aliased, contains_eager

    from portal.auth.models import User
    from portal.grids.models import TOWN, TOWN_CODE_WIDTH, Grid
    from portal.tenancy.modules import county_switches

    town = aliased(Grid)
    return (db.select(User, town, county_switches(Grid.code))
            .join(Grid, Grid.id == User.scope_id).options(contains_eager(User.scope))
            # the town the scope lies in (none for a county's user)
            .outerjoin(town, and_(town.code == func.substr(Grid.code, 1, TOWN_CODE_WIDTH),
                                  town.level == TOWN))
            .where(User.id == bindparam("user_id")))


def start(user) -> None:
    """Log ``user`` in on a fresh session (no fixation); the chosen language stays."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    login_user(user)


def reissue(user) -> None:
    """After the user's own token changed (their own password, their own scope), this session
    carries the new token, so it stays logged in while every other session has ended."""
    start(user)


def end(user) -> None:
    """Log out here and everywhere: the user's token changes, then this session is emptied."""
    user.end_sessions()
    lang = session.get("lang")
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
