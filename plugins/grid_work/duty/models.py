"""The duties around the work: meetings (例会) with attendance, trainings with credits (学分),
leave requests (外出请假) and the yearly responsibility letters (责任书).

Meetings and trainings belong to a village or a town (``node``); attendance and credits are per
worker (a user of role grid worker). Nothing is deleted: a meeting called off is cancelled, a
leave withdrawn is cancelled, a letter replaced stays listed."""
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.extensions import db
from portal.grids.models import Grid
from portal.timeutil import utcnow


class GridWorkMeeting(db.Model):
    """A meeting of a village's or a town's grid workers: when, the agenda, the minutes and the
    decisions; ``checkin_token`` is the secret of the QR code shown at the meeting."""

    __tablename__ = "grid_work_meetings"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "node.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    node_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    title: Mapped[str] = mapped_column(String(100))
    held_on: Mapped[date] = mapped_column(Date, index=True)
    place: Mapped[str | None] = mapped_column(String(100))
    agenda: Mapped[str | None] = mapped_column(Text)
    minutes: Mapped[str | None] = mapped_column(Text)
    decisions: Mapped[str | None] = mapped_column(Text)
    host_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    checkin_token: Mapped[str] = mapped_column(String(32), unique=True)
    cancelled_at: Mapped[datetime | None] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    node: Mapped[Grid] = relationship()
    host: Mapped[User | None] = relationship(foreign_keys=[host_id])
    attendance: Mapped[list["GridWorkAttendance"]] = relationship(
        back_populates="meeting", order_by="GridWorkAttendance.id")


class GridWorkAttendance(db.Model):
    """One worker at one meeting: ``status`` present, absent or excused (an absence excused
    by the host, or covered by approved leave, does not count against the assessment)."""

    __tablename__ = "grid_work_attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "worker_id"),)
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "meeting.node.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("grid_work_meetings.id"), index=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="absent")
    checked_in_at: Mapped[datetime | None] = mapped_column()
    note: Mapped[str | None] = mapped_column(String(200))

    meeting: Mapped[GridWorkMeeting] = relationship(back_populates="attendance")
    worker: Mapped[User] = relationship()


class GridWorkTraining(db.Model):
    """A training of a village or a town, worth ``credits`` tenths of a credit (学分, kept in
    tenths so that half a credit is exact in every database)."""

    __tablename__ = "grid_work_trainings"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "node.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    node_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    title: Mapped[str] = mapped_column(String(100))
    held_on: Mapped[date] = mapped_column(Date, index=True)
    hours: Mapped[int | None] = mapped_column(Integer)
    credit_tenths: Mapped[int] = mapped_column(Integer, default=10)
    note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    node: Mapped[Grid] = relationship()
    attendees: Mapped[list["GridWorkTrainingAttendee"]] = relationship(
        back_populates="training", order_by="GridWorkTrainingAttendee.id")


class GridWorkTrainingAttendee(db.Model):
    """A worker who completed a training and earned its credits."""

    __tablename__ = "grid_work_training_attendees"
    __table_args__ = (UniqueConstraint("training_id", "worker_id"),)
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "training.node.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    training_id: Mapped[int] = mapped_column(ForeignKey("grid_work_trainings.id"), index=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)

    training: Mapped[GridWorkTraining] = relationship(back_populates="attendees")
    worker: Mapped[User] = relationship()


class GridWorkLeave(db.Model):
    """A worker's request to be away (外出请假), from ``starts_on`` to ``ends_on`` inclusive,
    decided by the village: ``state`` pending, approved, rejected or cancelled. ``cover_id``: the
    colleague who covers the grid meanwhile (shown on the grid's page)."""

    __tablename__ = "grid_work_leaves"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "grid.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date, index=True)
    ends_on: Mapped[date] = mapped_column(Date, index=True)
    reason: Mapped[str] = mapped_column(String(200))
    cover_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    state: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column()
    decision_note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    worker: Mapped[User] = relationship(foreign_keys=[worker_id])
    cover: Mapped[User | None] = relationship(foreign_keys=[cover_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    grid: Mapped[Grid] = relationship()


class GridWorkLetter(db.Model):
    """A signed responsibility letter (责任书) of a worker for a year: a photo of the signed
    page (several rows when it has several pages)."""

    __tablename__ = "grid_work_letters"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "grid.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    photo: Mapped[str] = mapped_column(String(64), info={"upload": "photos"})
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    worker: Mapped[User] = relationship(foreign_keys=[worker_id])
    grid: Mapped[Grid] = relationship()
