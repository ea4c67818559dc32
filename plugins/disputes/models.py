"""Disputes (矛盾纠纷): the monthly screening of each base grid (with its zero report), the register
of disputes with their parties, the mediation ladder's steps, agreements with their signatures,
and the follow-up visits after an agreement."""
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.grids.models import Grid
from portal.people.models import Resident
from portal.timeutil import utcnow


class DisputeScreening(db.Model):
    """A base grid's monthly screening (排查): the disputes found that month, or a zero report
    (零报告) saying there were none. One per grid and month; ``month`` is its first day."""

    __tablename__ = "disputes_screenings"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "grid.code"
    __table_args__ = (UniqueConstraint("grid_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    month: Mapped[date] = mapped_column(Date)
    #: Disputes registered in the grid that month when the report was made (0: a zero report).
    found: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str | None] = mapped_column(Text)
    reported_at: Mapped[datetime] = mapped_column(default=utcnow)
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Reported after the town's day of the month (迟报): supervised like a late case.
    late: Mapped[bool] = mapped_column(default=False)

    grid: Mapped[Grid] = relationship()
    reported_by = relationship("User")


class Dispute(db.Model):
    """One dispute of the register and where it stands on the ladder (``state``, see
    plugins.disputes.ladder)."""

    __tablename__ = "disputes_disputes"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "grid.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: MD + the town's code tail + year + a number in the town's year, e.g. MD-2026-0007.
    number: Mapped[str] = mapped_column(String(32), unique=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text)
    #: Money at stake in yuan, where there is any.
    amount: Mapped[int | None] = mapped_column(Integer)
    #: red / yellow / green: the town's rules' level, or higher when the officer raised it.
    risk: Mapped[str] = mapped_column(String(8))
    #: It may turn into a crime (民转刑) / involves a group (群体性): red by rule.
    criminal_risk: Mapped[bool] = mapped_column(default=False)
    group_risk: Mapped[bool] = mapped_column(default=False)
    responsible_unit: Mapped[str | None] = mapped_column(String(100))
    leading_cadre: Mapped[str | None] = mapped_column(String(64))  # 包案领导
    helpers: Mapped[str | None] = mapped_column(String(200))  # 协办单位
    found_on: Mapped[date] = mapped_column(Date, index=True)
    state: Mapped[str] = mapped_column(String(12), index=True)
    #: When the current step must be done (working days from when it began, the town's table).
    due_on: Mapped[date | None] = mapped_column(Date)
    #: Whether it ever climbed above the grid (for the statistics' "escalated").
    escalated: Mapped[bool] = mapped_column(default=False)
    #: How it ended: "agreed" (an agreement kept through its follow-ups) or "terminated"
    #: (调解不成, the parties sent to court, arbitration or petition channels).
    outcome: Mapped[str | None] = mapped_column(String(12))
    closed_on: Mapped[date | None] = mapped_column(Date)
    #: The case it came from (a case of the dispute category) and the case it became.
    source_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    grid: Mapped[Grid] = relationship()
    parties: Mapped[list["DisputeParty"]] = relationship(back_populates="dispute",
                                                         order_by="DisputeParty.id")
    steps: Mapped[list["DisputeStep"]] = relationship(back_populates="dispute",
                                                      order_by="DisputeStep.id")
    agreements: Mapped[list["DisputeAgreement"]] = relationship(
        back_populates="dispute", order_by="DisputeAgreement.id")
    source_case = relationship("Case", foreign_keys=[source_case_id])
    case = relationship("Case", foreign_keys=[case_id])
    registered_by = relationship("User")

    @property
    def agreement(self) -> "DisputeAgreement | None":
        """The agreement in force (the last one not broken)."""
        live = [a for a in self.agreements if a.broken_on is None]
        return live[-1] if live else None


class DisputeParty(db.Model):
    """A party (当事人): a resident of the register, or a person from outside it."""

    __tablename__ = "disputes_parties"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "dispute.grid.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes_disputes.id"), index=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(String(200))
    #: "a" (the side that raised it, 申请方) or "b" (the other side, 被申请方).
    side: Mapped[str] = mapped_column(String(1), default="a")

    dispute: Mapped[Dispute] = relationship(back_populates="parties")
    resident: Mapped[Resident | None] = relationship()


class DisputeStep(db.Model):
    """One line of a dispute's timeline: an action of the ladder, who took it, what was done."""

    __tablename__ = "disputes_steps"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "dispute.grid.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes_disputes.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    from_state: Mapped[str | None] = mapped_column(String(12))
    to_state: Mapped[str] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(Text)
    due_on: Mapped[date | None] = mapped_column(Date)
    #: The step was taken after the deadline of the step it ended.
    late: Mapped[bool] = mapped_column(default=False)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    dispute: Mapped[Dispute] = relationship(back_populates="steps")
    by = relationship("User")


class DisputeAgreement(db.Model):
    """A mediation agreement (调解协议书): its terms, the mediator, the parties' signatures; a
    broken one stays on the record and reopens the dispute."""

    __tablename__ = "disputes_agreements"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "dispute.grid.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes_disputes.id"), index=True)
    terms: Mapped[str] = mapped_column(Text)
    mediator: Mapped[str] = mapped_column(String(64))
    signed_on: Mapped[date] = mapped_column(Date)
    #: The ladder's state it was reached at (a broken agreement reopens the dispute there).
    level: Mapped[str] = mapped_column(String(12))
    broken_on: Mapped[date | None] = mapped_column(Date)
    broken_note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    dispute: Mapped[Dispute] = relationship(back_populates="agreements")
    signatures: Mapped[list["DisputeSignature"]] = relationship(
        back_populates="agreement", order_by="DisputeSignature.id")
    followups: Mapped[list["DisputeFollowup"]] = relationship(
        back_populates="agreement", order_by="DisputeFollowup.due_on")


class DisputeSignature(db.Model):
    """A party's signature on an agreement, as recorded by the mediator (the paper keeps the ink)."""

    __tablename__ = "disputes_signatures"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "agreement.dispute.grid.code"
    __table_args__ = (UniqueConstraint("agreement_id", "party_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("disputes_agreements.id"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("disputes_parties.id"), index=True)
    signed_on: Mapped[date] = mapped_column(Date)

    agreement: Mapped[DisputeAgreement] = relationship(back_populates="signatures")
    party: Mapped[DisputeParty] = relationship()


class DisputeFollowup(db.Model):
    """A follow-up visit (回访) due after an agreement: was it kept?"""

    __tablename__ = "disputes_followups"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "agreement.dispute.grid.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("disputes_agreements.id"), index=True)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    done_on: Mapped[date | None] = mapped_column(Date)
    kept: Mapped[bool | None] = mapped_column()
    note: Mapped[str | None] = mapped_column(Text)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    agreement: Mapped[DisputeAgreement] = relationship(back_populates="followups")
    by = relationship("User")
