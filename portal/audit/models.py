"""The audit log's one table: who did what to which record (written by portal.audit.record)."""
import json
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.timeutil import utcnow


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
