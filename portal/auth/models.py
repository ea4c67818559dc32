import hmac
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from portal.extensions import db
from portal.grids.models import Grid
from portal.timeutil import utcnow


def new_session_token() -> str:
    return secrets.token_urlsafe(32)  # 43 characters


class User(UserMixin, db.Model):
    __tablename__ = "users"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "scope.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    #: Optional login alternatives; each unique when present.
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    id_number: Mapped[str | None] = mapped_column(String(18), unique=True)
    #: Stored lower-case, so a login by e-mail ignores case.
    email: Mapped[str | None] = mapped_column(String(120), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(256))
    #: A role of the registry (portal.permissions.role_registry): the core's or a loaded
    #: plugin's. A role whose plugin is gone stays stored and holds no permission.
    role: Mapped[str] = mapped_column(String(32))
    #: The node of the grid tree this user sees and acts on, with everything under it.
    scope_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    #: The department of a department-staff user (role ``dept_staff``; portal.departments):
    #: they see and act on that department's cases.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    is_active_flag: Mapped[bool] = mapped_column("is_active", default=True)
    #: Preferred interface language; NULL follows the browser.
    locale: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column()
    #: Part of every session's user id ("<id>:<token>"): a new token ends every session of the
    #: user at once (logout, password change, disabling, a new role or scope).
    session_token: Mapped[str] = mapped_column(String(43), default=new_session_token)

    scope: Mapped[Grid] = relationship()
    department = relationship("Department")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return bool(self.is_active_flag)

    def get_id(self) -> str:
        """Flask-Login's "alternative id": what the session cookie holds."""
        if not self.session_token:  # a row made before the token was set (flushed later)
            self.session_token = new_session_token()
        return f"{self.id}:{self.session_token}"

    def token_matches(self, token: str) -> bool:
        return bool(self.session_token) and hmac.compare_digest(self.session_token, token)

    def end_sessions(self) -> None:
        """Every session issued so far stops working on its next request."""
        self.session_token = new_session_token()

    def set_password(self, password: str) -> None:
        """Hash and store ``password`` (checked against the policy by the caller: see
        portal.auth.passwords) and end every session of the user."""
        from flask import current_app

        self.password_hash = generate_password_hash(
            password, method=current_app.config["PASSWORD_HASH_METHOD"])
        self.end_sessions()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class LoginAttempt(db.Model):
    """One failed login, kept for the throttling window. Stored in the database so that every
    worker process behind a proxy sees the same count."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "account:<user id>@<client address>" or "address:<client address>".
    key: Mapped[str] = mapped_column(String(80), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class LoginLockout(db.Model):
    """One lockout of a throttle key: refused until ``until``. Kept for a day so that the next
    lockout of the same key lasts longer (see portal.auth.throttle)."""

    __tablename__ = "login_lockouts"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "account:<user id>@<client address>" or "address:<client address>".
    key: Mapped[str] = mapped_column(String(80), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    until: Mapped[datetime] = mapped_column()
