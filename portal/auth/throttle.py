"""Login throttling: too many failures lock the account and the client address for a while.

Failures are rows in the database (not process memory) so that every gunicorn worker counts the
same attempts.
"""
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from portal.auth.models import LoginAttempt
from portal.extensions import db
from portal.timeutil import utcnow


def account_key(user) -> str:
    return f"account:{user.id}"


def address_key(address: str | None) -> str:
    return f"address:{address or 'unknown'}"


def seconds_locked(keys: list[str]) -> int:
    """How long the most restricted of ``keys`` is still locked; 0 when none is."""
    cfg = current_app.config
    now = utcnow()
    since = now - timedelta(seconds=cfg["LOGIN_WINDOW_SECONDS"])
    worst = 0
    for key in keys:
        recent = db.session.scalars(
            select(LoginAttempt.at).where(LoginAttempt.key == key, LoginAttempt.at >= since)
            .order_by(LoginAttempt.at.desc()).limit(cfg["LOGIN_MAX_FAILURES"])).all()
        if len(recent) >= cfg["LOGIN_MAX_FAILURES"]:
            # Locked from the last failure that reached the limit until the lockout has passed.
            until = recent[0] + timedelta(seconds=cfg["LOGIN_LOCKOUT_SECONDS"])
            worst = max(worst, int((until - now).total_seconds()) + 1)
    return worst


def record_failure(keys: list[str]) -> None:
    now = utcnow()
    horizon = now - timedelta(seconds=max(current_app.config["LOGIN_WINDOW_SECONDS"],
                                          current_app.config["LOGIN_LOCKOUT_SECONDS"]))
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.at < horizon))
    db.session.add_all(LoginAttempt(key=key, at=now) for key in keys)
    db.session.commit()


def clear(key: str) -> None:
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.key == key))


def failure_count(key: str) -> int:
    return db.session.scalar(select(func.count()).where(LoginAttempt.key == key))
