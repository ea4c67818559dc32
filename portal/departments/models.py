"""Departments, the help one department asks of another (协办), and the cases a department
returned (退回)."""
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.grids.models import Grid
from portal.timeutil import utcnow


class Department(db.Model):
    """A department of a county (民政局, 公安局 …) or of a town (派出所, 司法所, 民政办 …). Its staff
    are users with the role ``dept_staff`` and this department (``User.department_id``)."""

    __tablename__ = "departments"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "owner.code"
    __table_args__ = (UniqueConstraint("owner_id", "name", name="uq_departments_owner_id_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The county or town the department belongs to.
    owner_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    #: e.g. "派出所"; unique within its owner.
    name: Mapped[str] = mapped_column(String(32))
    #: An optional short code (e.g. "police", "mz"), for exports and other systems.
    kind: Mapped[str | None] = mapped_column(String(16))
    #: An inactive department keeps its history but is offered for nothing new.
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    owner: Mapped[Grid] = relationship()

    def __repr__(self) -> str:
        return f"<Department {self.name}>"


class CaseAssist(db.Model):
    """协办: the department leading a case asks another department to help; the helper sees the
    case in its inbox and answers; the answer goes on the case's timeline. The lead department
    still resolves the case."""

    __tablename__ = "case_assists"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "case.grid.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    #: The department asked to help.
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: What help is asked for.
    note: Mapped[str] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column()
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answer: Mapped[str | None] = mapped_column(Text)

    case = relationship("Case")
    department: Mapped[Department] = relationship()
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    answered_by = relationship("User", foreign_keys=[answered_by_id])


class DepartmentReturn(db.Model):
    """退回: a department sent a case back to the level that assigned it, with its reason (the
    case keeps no department afterwards, so the statistics count returns here)."""

    __tablename__ = "department_returns"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "case.grid.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    reason: Mapped[str] = mapped_column(Text)

    case = relationship("Case")
    department: Mapped[Department] = relationship()
