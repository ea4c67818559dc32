"""Who did what to which record, and who looked at sensitive data.

Entries are written in the same transaction as the change they describe, so a rolled-back change
leaves no audit entry behind and a committed one always has its entry.
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.timeutil import utcnow

if TYPE_CHECKING:
    from portal.auth.models import User


class AuditEntry(db.Model):
    __tablename__ = "audit_log"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "scope_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    #: NULL for the command line and for anonymous actions.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: Dotted verb, e.g. "grid.move", "module.enable", "resident.view_sensitive".
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64))
    #: Code of the grid node the record belongs to, so admins see the audit of their own subtree.
    scope_code: Mapped[str | None] = mapped_column(String(32), index=True)
    #: JSON details: old and new values, reasons.
    detail: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(String(64))

    user = relationship("User")

    @property
    def detail_dict(self) -> dict:
        return json.loads(self.detail) if self.detail else {}


def record(action: str, obj: Any = None, *, scope_code: str | None = None,
           user: User | None = None, **detail: Any) -> AuditEntry:
    """Add an audit entry to the current session (the caller commits)."""
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user
    entry = AuditEntry(
        action=action,
        user_id=getattr(user, "id", None),
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=str(obj.id) if obj is not None and getattr(obj, "id", None) is not None else None,
        scope_code=scope_code,
        detail=json.dumps(detail, ensure_ascii=False, default=str) if detail else None,
        address=request.remote_addr if has_request_context() else None,
    )
    db.session.add(entry)
    return entry
