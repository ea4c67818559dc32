"""Patrols (巡查) and the daily work log (民情日志).

A patrol is a worker's walk through their grid: started and ended on the phone, with the points
passed on the way (the phone's location, or a QR code posted at a place the town chose — a
``GridWorkCheckpoint``), what was seen, photos, and the cases filed from it. The log day gathers a
worker's day (visits, cases, patrols, errands) with their own notes; closing it (日清) freezes
the day's figures in ``summary``."""
from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.extensions import db
from portal.grids.models import Grid
from portal.timeutil import utcnow


class GridWorkCheckpoint(db.Model):
    """A place a town posts a QR code at (a bridge, a pond, a school gate): a patrol that scans
    it records having passed there. ``token`` is the code's secret part (never an id one could
    guess); a checkpoint taken down is retired, never deleted (old patrols still name it)."""

    __tablename__ = "grid_work_checkpoints"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "grid.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    retired_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    grid: Mapped[Grid] = relationship()


class GridWorkPatrol(db.Model):
    """One patrol of one worker in their grid; ``ended_at`` None while under way.
    ``client_key``: the phone's own id for a patrol sent from the offline queue, so that a
    queue sent twice makes one patrol."""

    __tablename__ = "grid_work_patrols"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "grid.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    #: The local day the patrol started on (what the assessment counts as a patrol day).
    day: Mapped[date] = mapped_column(Date, index=True)
    started_at: Mapped[datetime] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()
    #: What was seen, written at the end.
    note: Mapped[str | None] = mapped_column(Text)
    client_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    worker: Mapped[User] = relationship()
    grid: Mapped[Grid] = relationship()
    points: Mapped[list["GridWorkPatrolPoint"]] = relationship(
        back_populates="patrol", order_by="GridWorkPatrolPoint.at")


class GridWorkPatrolPoint(db.Model):
    """A point passed: when, where (the phone's location and/or a scanned checkpoint), what was
    seen there, a photo, and the case filed from it ("发现问题")."""

    __tablename__ = "grid_work_patrol_points"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "patrol.grid.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    patrol_id: Mapped[int] = mapped_column(ForeignKey("grid_work_patrols.id"), index=True)
    checkpoint_id: Mapped[int | None] = mapped_column(ForeignKey("grid_work_checkpoints.id"),
                                                      index=True)
    at: Mapped[datetime] = mapped_column()
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(Text)
    photo: Mapped[str | None] = mapped_column(String(64), info={"upload": "photos"})
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    #: The phone's own id for a point (or a "发现问题") sent from the offline queue: the queue
    #: sent twice records one point (and files one case).
    client_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    patrol: Mapped[GridWorkPatrol] = relationship(back_populates="points")
    checkpoint: Mapped[GridWorkCheckpoint | None] = relationship()
    case = relationship("Case")


class GridWorkLogDay(db.Model):
    """A worker's 民情日志 for one local day: their free notes, and, once closed (日清), the day's
    figures as they were at closing (JSON), so that a later edit elsewhere does not rewrite a
    closed day."""

    __tablename__ = "grid_work_log_days"
    __table_args__ = (UniqueConstraint("worker_id", "day"),)
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "grid.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    notes: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    worker: Mapped[User] = relationship()
    grid: Mapped[Grid] = relationship()
