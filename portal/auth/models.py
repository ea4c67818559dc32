from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from portal.extensions import db
from portal.grids.models import Grid
from portal.timeutil import utcnow


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    #: Optional login alternatives; each unique when present.
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    id_number: Mapped[str | None] = mapped_column(String(18), unique=True)
    #: Stored lower-case, so a login by e-mail ignores case.
    email: Mapped[str | None] = mapped_column(String(120), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(256))
    #: One of portal.permissions.ROLES.
    role: Mapped[str] = mapped_column(String(32))
    #: The node of the grid tree this user sees and acts on, with everything under it.
    scope_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    is_active_flag: Mapped[bool] = mapped_column("is_active", default=True)
    #: Preferred interface language; NULL follows the browser.
    locale: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column()

    scope: Mapped[Grid] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return bool(self.is_active_flag)

    def set_password(self, password: str) -> None:
        from flask import current_app

        self.password_hash = generate_password_hash(
            password, method=current_app.config["PASSWORD_HASH_METHOD"])

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class LoginAttempt(db.Model):
    """One failed login, kept for the throttling window. Stored in the database so that every
    worker process behind a proxy sees the same count."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "account:<user id>" or "address:<client address>".
    key: Mapped[str] = mapped_column(String(80), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
