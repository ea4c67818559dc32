"""Sessions that can be ended: the session holds "<user id>:<session token>" (Flask-Login's
alternative id, User.get_id), and every request checks the token against the user's row. A new
token (User.end_sessions) ends every session of that user at once, on every worker."""
from flask import session
from flask_login import login_user, logout_user

from portal.extensions import db


def load_session_user(session_id: str):
    """The user a session names, or None when its token is no longer the user's (logged out,
    password changed, disabled, role or scope changed) or the user is disabled. Sessions from
    before tokens existed hold a bare id and are refused too."""
    from portal.auth.models import User

    user_id, sep, token = (session_id or "").partition(":")
    if not sep or not token or not user_id.isascii() or not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active or not user.token_matches(token):
        return None
    return user


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
