"""The records of the two kinds of case the articles describe beyond the loop itself.

Coordination (协调性): a consultation (会商) is held with the departments and people involved, on a
date, with a plan; its minutes (纪要) and decisions (决定事项) are recorded afterwards. Approval
(审批性): each step of the approval (受理 → 审核 → 批准 / 退回) with who decided, when and why.
The rules live in portal.cases.consultations and portal.cases.approval.
"""
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.cases.models import Case
from portal.departments.models import Department
from portal.extensions import db
from portal.timeutil import utcnow

#: The departments (records) invited to a consultation: their staff see the case and find it in
#: their inbox until its minutes are recorded.
consultation_departments = Table(
    "case_consultation_departments", db.metadata,
    Column("consultation_id", Integer, ForeignKey("case_consultations.id"), primary_key=True),
    Column("department_id", Integer, ForeignKey("departments.id"), primary_key=True,
           index=True),
)


class Consultation(db.Model):
    """会商: scheduled on a case (a coordination case, or any open case a dispatcher consults
    on); minutes and decisions recorded once it has taken place."""

    __tablename__ = "case_consultations"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "case.grid.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    #: When it takes place (naive UTC, as every time is stored).
    scheduled_at: Mapped[datetime] = mapped_column()
    place: Mapped[str] = mapped_column(String(100))
    #: Other units involved that are no department record (镇水利站, 供电所 …), by name.
    departments: Mapped[str | None] = mapped_column(String(200))
    #: The people involved (the parties, the village's cadres, the grid worker …).
    participants: Mapped[str] = mapped_column(Text)
    #: 方案: what the consultation is to settle and how.
    plan: Mapped[str] = mapped_column(Text)
    scheduled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: 纪要 and 决定事项, recorded after it took place.
    minutes: Mapped[str | None] = mapped_column(Text)
    decisions: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime | None] = mapped_column()

    case: Mapped[Case] = relationship()
    #: The departments invited (records of the case's town and county).
    invited: Mapped[list[Department]] = relationship(secondary=consultation_departments,
                                                     order_by=Department.name)
    scheduled_by = relationship("User", foreign_keys=[scheduled_by_id])
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])


class ApprovalStep(db.Model):
    """One step of an approval case: which step (portal.cases.approval.STEPS), whether it passed
    or returned the application, who decided, when, and why."""

    __tablename__ = "case_approval_steps"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "case.grid.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    #: "accept" (受理), "review" (审核) or "approve" (批准).
    step: Mapped[str] = mapped_column(String(12))
    #: "passed" or "returned" (退回).
    decision: Mapped[str] = mapped_column(String(12))
    #: The opinion (意见), or the reason for returning it.
    note: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship()
    user = relationship("User")
