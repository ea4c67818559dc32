"""The assessment of grid workers (百分制考核, "两正一负") and the five-small rewards.

A town's scheme for a quarter or a year holds weighted items: measured ones (computed from the
portal's data every time the sheet is shown: ``measure`` names the figure) and recorded ones
(positive or negative entries a village or the town writes with a reason and evidence, capped
per item). Publishing freezes every worker's score (``GridWorkScore``: total, the breakdown with
each item's raw figure, and the subsidy from the town's bands). A worker may appeal an item
once. A five-small case found and solved by a worker earns the town's amount once
(``GridWorkReward``, one per case)."""
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.extensions import db
from portal.grids.models import Grid
from portal.timeutil import utcnow


class GridWorkScheme(db.Model):
    """A town's assessment of one period: ``quarter`` 1–4, or None for the whole ``year``.
    ``bands``: JSON list of {"min": score, "amount": yuan} (highest first), the subsidy bands;
    ``state`` draft (items may change) or published (frozen)."""

    __tablename__ = "grid_work_schemes"
    __table_args__ = (UniqueConstraint("town_id", "year", "quarter"),)
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "town.code"
    #: a town's scheme is read by its villages' admins and its grid workers (their own score)
    scope_seen_from_below = True

    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(100))
    bands: Mapped[str] = mapped_column(Text, default="[]")
    state: Mapped[str] = mapped_column(String(16), default="draft")
    published_at: Mapped[datetime | None] = mapped_column()
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    town: Mapped[Grid] = relationship()
    items: Mapped[list["GridWorkItem"]] = relationship(
        back_populates="scheme", order_by="GridWorkItem.position")


class GridWorkItem(db.Model):
    """One item of a scheme. ``kind``: "measured" (``measure`` names the figure, ``target`` the
    figure that earns the full ``weight``), "positive" or "negative" (recorded entries, at most
    ``cap`` points in all per worker)."""

    __tablename__ = "grid_work_items"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "scheme.town.code"
    #: read with its scheme by the villages and the workers
    scope_seen_from_below = True

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("grid_work_schemes.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(16))
    measure: Mapped[str | None] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(64))
    weight: Mapped[int] = mapped_column(Integer, default=0)
    target: Mapped[int | None] = mapped_column(Integer)
    cap: Mapped[int | None] = mapped_column(Integer)

    scheme: Mapped[GridWorkScheme] = relationship(back_populates="items")


class GridWorkEntry(db.Model):
    """A recorded positive or negative entry for a worker ("受到县级表彰 +5", "瞒报 −10"): signed
    ``points``, the reason and a photo of the evidence; withdrawn entries stay listed."""

    __tablename__ = "grid_work_entries"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "grid.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("grid_work_items.id"), index=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    points: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200))
    happened_on: Mapped[date] = mapped_column(Date)
    evidence: Mapped[str | None] = mapped_column(String(64), info={"upload": "photos"})
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdrawn_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[GridWorkItem] = relationship()
    worker: Mapped[User] = relationship(foreign_keys=[worker_id])
    grid: Mapped[Grid] = relationship()


class GridWorkAppeal(db.Model):
    """A worker's appeal of one item of one scheme (once per item): upheld or rejected by an
    admin with a note."""

    __tablename__ = "grid_work_appeals"
    __table_args__ = (UniqueConstraint("item_id", "worker_id"),)
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "grid.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("grid_work_items.id"), index=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="open", index=True)
    #: What an upheld appeal changes: the points the item gives instead (None: as measured).
    corrected_points: Mapped[int | None] = mapped_column(Integer)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column()
    decision_note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[GridWorkItem] = relationship()
    worker: Mapped[User] = relationship(foreign_keys=[worker_id])
    grid: Mapped[Grid] = relationship()


class GridWorkScore(db.Model):
    """A worker's frozen score of a published scheme: the total in tenths of a point, the
    breakdown (JSON: per item its raw figure and points), and the subsidy in yuan."""

    __tablename__ = "grid_work_scores"
    __table_args__ = (UniqueConstraint("scheme_id", "worker_id"),)
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "grid.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("grid_work_schemes.id"), index=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    total_tenths: Mapped[int] = mapped_column(Integer)
    breakdown: Mapped[str] = mapped_column(Text)
    subsidy: Mapped[int] = mapped_column(Integer, default=0)

    scheme: Mapped[GridWorkScheme] = relationship()
    worker: Mapped[User] = relationship()
    grid: Mapped[Grid] = relationship()


class GridWorkReward(db.Model):
    """The reward for one five-small case found and solved by a worker: at most one per case
    (the unique case_id). ``major``: an admin decides the amount within the town's range;
    ``month`` the first day of the month the case was closed in (the payment list's month)."""

    __tablename__ = "grid_work_rewards"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "grid.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    month: Mapped[date] = mapped_column(Date, index=True)
    amount: Mapped[int] = mapped_column(Integer)
    major: Mapped[bool] = mapped_column(default=False)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    worker: Mapped[User] = relationship(foreign_keys=[worker_id])
    grid: Mapped[Grid] = relationship()
