"""Cases (事件): what residents and grid workers report, handled in a closed loop with deadlines.

收 → 交 → 办 → 督 → 结 → 评: received, assigned, in progress, (escalated), resolved, closed with
feedback, evaluated. Every transition is a CaseEvent: the case's timeline.
"""
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.grids.models import Grid
from portal.timeutil import utcnow

#: The "five small" (五小) and the service list; a town may add its own.
CATEGORIES = ("dispute", "hazard", "minor_case", "problem", "need", "info_collection",
              "public_opinion", "safety_hazard", "mediation", "psychological", "legal_publicity",
              "proxy_service")
#: Kinds by handling: general (on the spot), coordination, emergency, approval.
KINDS = ("general", "coordination", "emergency", "approval")
#: Where a case came from.
SOURCES = ("patrol", "resident", "public", "representative", "video", "department", "open311")
#: Handling levels, bottom up ("小事不出组、大事不出村").
LEVELS = ("grid", "village", "town", "county")


#: The workflow's open states (portal.cases.workflow.OPEN_STATES, checked equal by a test),
#: written out for the partial index below: its WHERE must read as a query's does.
OPEN_STATES_SQL = "state IN ('received', 'assigned', 'in_progress', 'escalated')"
#: Each step's due day, due moment and completion (portal.cases.deadlines.STEP_COLUMNS).
OPEN_STEP_COLUMNS = ("assign_due", "assign_due_at", "assigned_at", "feedback_due",
                     "feedback_due_at", "feedback_at", "resolve_due", "resolve_due_at",
                     "resolved_at")


class Case(db.Model):
    __tablename__ = "cases"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "grid.code"
    __table_args__ = (
        Index("ix_cases_state_resolve_due", "state", "resolve_due"),
        Index("ix_cases_grid_created", "grid_id", "created_at"),
        # The grid after the state (and level) or the day of resolution: a town's open cases, or
        # its cases resolved in a month, are told apart from the county's in the index, before
        # any row is read, so a town's figures cost the town's cases whatever the county's size
        # (issue 20); the level picks the few resolved cases waiting at a user's level among the
        # many resolved. created_at keeps its own index: with the grid added, SQLite stopped
        # walking it for a list ordered by date (a category's cases: 0.2 ms → 15 ms).
        Index("ix_cases_state_grid", "state", "level", "grid_id"),
        Index("ix_cases_resolved_grid", "resolved_at", "grid_id"),
        # A scope's open cases of a rare kind (approval, emergency) for its home page.
        Index("ix_cases_kind_state", "kind", "state"),
        # The open cases with every step's deadline and completion: a county's late cases by
        # step (its home page) are counted from this index alone, not from 13,000 rows fetched
        # among 480,000 (32 ms → 8). Partial: the closed loop's many cases are not in it. A
        # query uses it when it names the open states as literals (cases.queries.open_cases).
        Index("ix_cases_open_steps", "state", "grid_id", *OPEN_STEP_COLUMNS,
              sqlite_where=text(OPEN_STATES_SQL), postgresql_where=text(OPEN_STATES_SQL)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Human number, e.g. "430624001-20261124-003": the town code, the day, a daily sequence.
    number: Mapped[str] = mapped_column(String(40), unique=True)
    #: Where it happened; the case belongs to this grid's tree for scoping.
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"))
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"))
    category: Mapped[str] = mapped_column(String(24), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="general")
    #: A major problem has a month to be solved instead of seven working days.
    major: Mapped[bool] = mapped_column(default=False)
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(String(200))
    latitude: Mapped[float | None] = mapped_column()
    longitude: Mapped[float | None] = mapped_column()
    source: Mapped[str] = mapped_column(String(16))
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: For reports without an account: who to reply to.
    reporter_name: Mapped[str | None] = mapped_column(String(32))
    reporter_phone: Mapped[str | None] = mapped_column(String(20))
    #: One of portal.cases.workflow.STATES.
    state: Mapped[str] = mapped_column(String(16), default="received")
    #: The level now handling it (grid → village → town → county).
    level: Mapped[str] = mapped_column(String(8), default="grid")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: The department (portal.departments) the case was passed to, whose inbox it is in.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    #: 包案领导: a town or county leader answerable for a hard case (portal.cases.consultations).
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    assigned_at: Mapped[datetime | None] = mapped_column()
    #: First reply to the reporter (procedural feedback).
    feedback_at: Mapped[datetime | None] = mapped_column()
    resolved_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    #: Deadlines (13710), as the last working day allowed.
    assign_due: Mapped[date] = mapped_column(Date)
    feedback_due: Mapped[date] = mapped_column(Date)
    resolve_due: Mapped[date] = mapped_column(Date, index=True)
    #: An emergency's deadlines in hours (a town's choice, see deadlines.DEFAULT_DEADLINES):
    #: the moment (UTC) each step is due; None where the step counts working days.
    assign_due_at: Mapped[datetime | None] = mapped_column()
    feedback_due_at: Mapped[datetime | None] = mapped_column()
    resolve_due_at: Mapped[datetime | None] = mapped_column()
    #: 1 for the first handling, +1 each time the case is reopened: supervision is per episode.
    episode: Mapped[int] = mapped_column(default=1, server_default="1")
    #: Set when a deadline was counted without the official calendar of its year.
    calendar_warning: Mapped[str | None] = mapped_column(String(64))
    #: 1-5, with a comment, from the reporter.
    satisfaction: Mapped[int | None] = mapped_column()
    evaluation: Mapped[str | None] = mapped_column(Text)
    #: Made on the phone for a report kept offline (portal/offline/replay.py): the upload sent
    #: again finds this case instead of filing a second one.
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    grid: Mapped[Grid] = relationship()
    reporter = relationship("User", foreign_keys=[reporter_id])
    assignee = relationship("User", foreign_keys=[assignee_id])
    department = relationship("Department")
    lead = relationship("User", foreign_keys=[lead_id])
    duplicate_of: Mapped["Case | None"] = relationship(remote_side=[id])
    events: Mapped[list["CaseEvent"]] = relationship(back_populates="case",
                                                     order_by="CaseEvent.id")
    photos: Mapped[list["CasePhoto"]] = relationship(back_populates="case")


class CaseEvent(db.Model):
    """One step of a case's timeline: who did what, when, with what note."""

    __tablename__ = "case_events"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "case.grid.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The action's name in portal.cases.workflow.ACTIONS ("report", "assign", ...).
    action: Mapped[str] = mapped_column(String(24))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    #: Staff's working note: never shown to the reporter (portal.cases.public_view).
    note: Mapped[str | None] = mapped_column(Text)
    #: 答复群众: what staff chose to tell the reporter on this step (feedback, resolve, close);
    #: the only text of the timeline a reporter reads.
    public_reply: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case] = relationship(back_populates="events")
    user = relationship("User")


class CasePhoto(db.Model):
    __tablename__ = "case_photos"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "case.grid.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    #: File name in the instance upload folder (re-encoded JPEG; ``info``: `portal uploads
    #: clean` keeps the files such columns name).
    filename: Mapped[str] = mapped_column(String(64), info={"upload": "photos"})

    case: Mapped[Case] = relationship(back_populates="photos")


class SupervisionNotice(db.Model):
    """督办: raised when one step of a case (assign, feedback, resolve) misses its deadline,
    addressed to the responsible level and its superior; shown on their pages until the step is
    done. One per step and episode: a case reopened and late again is supervised again."""

    __tablename__ = "supervision_notices"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "case.grid.code"
    __table_args__ = (
        UniqueConstraint("case_id", "episode", "step",
                         name="uq_supervision_notices_case_id_episode_step"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    #: The step that went red: one of portal.cases.deadlines.STEPS.
    step: Mapped[str] = mapped_column(String(8), default="resolve", server_default="resolve")
    #: The case's episode (Case.episode) when it went red.
    episode: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The level responsible when the case went red.
    level: Mapped[str] = mapped_column(String(8))
    #: When the step was done (or the case left the loop): the notice is settled.
    #: Indexed: a home page lists the scope's open notices (NULL here), a few among many.
    resolved_at: Mapped[datetime | None] = mapped_column(index=True)

    case: Mapped[Case] = relationship()


class ResponseTemplate(db.Model):
    """A town's ready-made reply for common cases (常用回复)."""

    __tablename__ = "case_response_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    title: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)


# ---------------------------------------------------------------- the working-day calendar
# (portal.cases.calendar counts with these)

#: CalendarDay.kind: a holiday on a weekday, or a make-up working day (调休) on a weekend.
HOLIDAY, WORKDAY = "holiday", "workday"


class CalendarDay(db.Model):
    """A day that differs from the weekday rule: a holiday on a weekday, or a make-up working day
    on a weekend."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    #: HOLIDAY or WORKDAY.
    kind: Mapped[str] = mapped_column(String(8))
    #: e.g. "国庆节", "春节".
    name: Mapped[str | None] = mapped_column(String(32))


class CalendarYear(db.Model):
    """A year whose official schedule is in ``calendar_days``."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(primary_key=True)
    #: Where the schedule came from: "chinese-calendar 1.11.0" or "entered by <user>".
    source: Mapped[str] = mapped_column(String(64))


# ---------------------------------------------------------------- Open311 clients
# (portal.cases.open311_keys issues and checks them)


class ApiKey(db.Model):
    __tablename__ = "open311_keys"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "town.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    #: Who uses it (an app, a hotline system ...).
    label: Mapped[str] = mapped_column(String(64))
    #: SHA-256 of the key; the key itself is never stored.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The first characters, so admins can tell keys apart.
    prefix: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column()

    town: Mapped[Grid] = relationship()


# ---------------------------------------------------------------- finished months, per grid
# (portal.cases.monthly keeps them; dashboards read them instead of every case)


class CaseMonth(db.Model):
    """The case figures of one grid in one finished (rolled) month: received by the month of
    ``created_at``, resolved, on time and rated by the month of ``resolved_at`` (local time);
    merged duplicates not counted, as everywhere in the statistics."""

    __tablename__ = "case_months"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "grid.code"
    # grid first: a town or a village reads its own grids' rows, whatever the county's size
    __table_args__ = (UniqueConstraint("grid_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"))
    #: "YYYY-MM", local time.
    month: Mapped[str] = mapped_column(String(7), index=True)
    received: Mapped[int] = mapped_column(default=0)
    resolved: Mapped[int] = mapped_column(default=0)
    on_time: Mapped[int] = mapped_column(default=0)
    rated: Mapped[int] = mapped_column(default=0)
    stars: Mapped[int] = mapped_column(default=0)
    satisfied: Mapped[int] = mapped_column(default=0)

    grid: Mapped[Grid] = relationship()


class RolledMonth(db.Model):
    """A finished month whose ``case_months`` rows are written: from then on they are kept exact
    and read instead of the cases."""

    __tablename__ = "rolled_months"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    rolled_at: Mapped[datetime] = mapped_column(default=utcnow)


# The events that keep the rolled months exact must listen wherever a case can be written.
from portal.cases import monthly as _monthly  # noqa: E402,F401
