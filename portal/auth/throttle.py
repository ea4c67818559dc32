"""Login throttling, per account-and-address and, with a much higher ceiling, per address.

A village office or a kiosk shares one address: one person's wrong passwords lock only that
account from that address, not everyone there, and nobody can lock an account out from
everywhere by typing wrong passwords from their own machine. The address alone is locked only
after many failures (LOGIN_ADDRESS_MAX_FAILURES, for someone trying many accounts from one
place). Each lockout of the same key within LOGIN_BACKOFF_MEMORY_SECONDS lasts twice as long as
the one before, up to LOGIN_LOCKOUT_MAX_SECONDS. An administrator can lift a user's locks.

Failures and lockouts are rows in the database (not process memory) so that every gunicorn
worker counts the same attempts.
"""
import hashlib
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from portal.auth.models import LoginAttempt, LoginLockout
from portal.extensions import db
from portal.timeutil import utcnow


def account_key(user, address: str | None) -> str:
    """The lock of one account tried from one address."""
    return f"account:{user.id}@{address or 'unknown'}"


def account_prefix(user) -> str:
    # the "@" ends the id, so user 1's prefix does not match user 12's keys
    return f"account:{user.id}@"


def address_key(address: str | None) -> str:
    return f"address:{address or 'unknown'}"


def name_key(login: str, address: str | None) -> str:
    """A login that names no account is throttled like one, so that the answers (wrong
    password, then locked) do not tell which names exist."""
    digest = hashlib.sha256(login.strip().lower().encode()).hexdigest()[:16]
    return f"login:{digest}@{address or 'unknown'}"


def keys_for(user, address: str | None, login: str = "") -> list[str]:
    """The keys a login attempt is counted under: the address, and the account from it."""
    return [address_key(address),
            account_key(user, address) if user is not None else name_key(login, address)]


def _limit(key: str) -> int:
    cfg = current_app.config
    return cfg["LOGIN_ADDRESS_MAX_FAILURES"] if key.startswith("address:") \
        else cfg["LOGIN_MAX_FAILURES"]


def seconds_locked(keys: list[str]) -> int:
    """How long the most restricted of ``keys`` is still locked; 0 when none is."""
    now = utcnow()
    until = db.session.scalar(select(func.max(LoginLockout.until)).where(
        LoginLockout.key.in_(keys), LoginLockout.until > now))
    return int((until - now).total_seconds()) + 1 if until else 0


def minutes(seconds: int) -> int:
    """Whole minutes to tell the person, rounded up."""
    return max(1, (seconds + 59) // 60)


def record_failure(keys: list[str]) -> list[str]:
    """Count a failed login under ``keys`` (committed at once: a failure must count even when
    the request goes on to fail); lock each key that reached its limit. Returns the keys locked
    by this failure. Other keys (the public report's "report:<address>") count against
    LOGIN_MAX_FAILURES like an account."""
    cfg = current_app.config
    now = utcnow()
    horizon = now - timedelta(seconds=max(cfg["LOGIN_WINDOW_SECONDS"],
                                          cfg["LOGIN_BACKOFF_MEMORY_SECONDS"]))
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.at < horizon))
    db.session.execute(delete(LoginLockout).where(LoginLockout.until < horizon))
    db.session.add_all(LoginAttempt(key=key, at=now) for key in keys)
    db.session.flush()
    locked = []
    for key in keys:
        previous = db.session.scalars(
            select(LoginLockout).where(LoginLockout.key == key,
                                       LoginLockout.at >= now - timedelta(
                                           seconds=cfg["LOGIN_BACKOFF_MEMORY_SECONDS"]))
            .order_by(LoginLockout.at.desc())).all()
        # failures count from the end of the last lockout: after waiting, the person has a full
        # set of tries again, and the next lockout is longer
        since = now - timedelta(seconds=cfg["LOGIN_WINDOW_SECONDS"])
        if previous:
            since = max(since, previous[0].until)
        failures = db.session.scalar(select(func.count()).where(
            LoginAttempt.key == key, LoginAttempt.at >= since))
        if failures >= _limit(key):
            seconds = min(cfg["LOGIN_LOCKOUT_SECONDS"] * 2 ** len(previous),
                          cfg["LOGIN_LOCKOUT_MAX_SECONDS"])
            db.session.add(LoginLockout(key=key, at=now, until=now + timedelta(seconds=seconds)))
            locked.append(key)
    db.session.commit()
    return locked


def clear(key: str) -> None:
    """A successful login: the account's failures and lockouts from this address are forgotten."""
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.key == key))
    db.session.execute(delete(LoginLockout).where(LoginLockout.key == key))


def locks_of(user) -> list[LoginLockout]:
    """The user's lockouts still in force, one per address (for the admin's user page)."""
    now = utcnow()
    rows = db.session.scalars(select(LoginLockout).where(
        LoginLockout.key.startswith(account_prefix(user), autoescape=True),
        LoginLockout.until > now).order_by(LoginLockout.until.desc())).all()
    return list({row.key: row for row in reversed(rows)}.values())


def address_of(key: str) -> str:
    return key.partition("@")[2] if key.startswith("account:") else key.partition(":")[2]


def unlock(user) -> int:
    """Lift every lock of ``user`` from every address and forget their failures (and so the
    backoff). Returns how many lockouts were in force."""
    in_force = len(locks_of(user))
    prefix = account_prefix(user)
    db.session.execute(delete(LoginAttempt).where(
        LoginAttempt.key.startswith(prefix, autoescape=True)))
    db.session.execute(delete(LoginLockout).where(
        LoginLockout.key.startswith(prefix, autoescape=True)))
    return in_force


def failure_count(key: str) -> int:
    return db.session.scalar(select(func.count()).where(LoginAttempt.key == key))
