"""The resident's own loop (issue 19): people who join an open case instead of filing the same
one again (我也遇到), and the information officer's call-backs (回访) to reporters who did not
rate their closed case. Read and written by portal.cases.me_too and portal.cases.callbacks."""
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.cases.models import Case
from portal.extensions import db
from portal.timeutil import utcnow


class CaseMeToo(db.Model):
    """One more person with the same problem (我也遇到): counted on the case, told nothing yet.
    The phone lets them follow the case at /track like its first reporter."""

    __tablename__ = "case_me_toos"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "case.grid.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The logged-in person who joined (a resident or a grid worker), if any.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    reporter_name: Mapped[str | None] = mapped_column(String(32))
    reporter_phone: Mapped[str | None] = mapped_column(String(20))
    #: Where it came from: one of portal.cases.models.SOURCES ("public", "resident", "patrol").
    source: Mapped[str] = mapped_column(String(16))

    case: Mapped[Case] = relationship()
    user = relationship("User")


#: CaseCallback.outcome: the reporter answered (their rating becomes the case's evaluation),
#: did not pick up (one try), or could not be reached after the tries (the case leaves the list).
ANSWERED, NO_ANSWER, UNREACHABLE = "answered", "no_answer", "unreachable"
OUTCOMES = (ANSWERED, NO_ANSWER, UNREACHABLE)


class CaseCallback(db.Model):
    """One call (回访) to the reporter of a closed case nobody rated: who called, when, and
    what came of it."""

    __tablename__ = "case_callbacks"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "case.grid.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: One of OUTCOMES.
    outcome: Mapped[str] = mapped_column(String(12))
    #: 1-5 when the reporter answered.
    satisfaction: Mapped[int | None] = mapped_column()
    comment: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case] = relationship()
    user = relationship("User")
