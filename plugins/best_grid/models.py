"""The best-grid contest (最美网格 擂台赛): the town's classes of grids, contests per period with
weighted criteria (measured from the portal's data, or judged), judges' scores, adjustments with
reasons, published (frozen) results, the rolling red flag and the best grid worker awards."""
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.grids.models import Grid
from portal.timeutil import utcnow

CONTEST_KINDS = ("quarterly", "yearly")


class BestGridClass(db.Model):
    """A class of grids ranked against each other (示范村, 安置社区, 优秀, 较强, 潜力 …)."""

    __tablename__ = "best_grid_classes"
    __table_args__ = (UniqueConstraint("town_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    name: Mapped[str] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(default=0)


class BestGridPlacement(db.Model):
    """Which class a grid is in now (a contest keeps its own copy when it is created)."""

    __tablename__ = "best_grid_placements"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "grid.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), unique=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("best_grid_classes.id"), index=True)

    grid: Mapped[Grid] = relationship()
    klass: Mapped[BestGridClass] = relationship()


class BestGridContest(db.Model):
    __tablename__ = "best_grid_contests"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "town.code"
    #: tenancy: a town's contest is seen by everyone in the town (a grid worker sees their
    #: grid's rank); acting on it still needs the town in one's subtree
    scope_seen_from_below = True

    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    title: Mapped[str] = mapped_column(String(64))
    #: One of CONTEST_KINDS: the quarterly arena, or the yearly safe-grid rating.
    kind: Mapped[str] = mapped_column(String(10))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    #: Prize in yuan by rank within a class, e.g. {"1": 3000, "2": 2000, "3": 1000}.
    prizes: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column()
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    town: Mapped[Grid] = relationship()
    criteria: Mapped[list["BestGridCriterion"]] = relationship(
        back_populates="contest", order_by="BestGridCriterion.position")
    entries: Mapped[list["BestGridEntry"]] = relationship(back_populates="contest")
    published_by = relationship("User")

    @property
    def scope_code(self) -> str:
        return self.town.code


class BestGridCriterion(db.Model):
    __tablename__ = "best_grid_criteria"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "contest.town.code"
    __table_args__ = (UniqueConstraint("contest_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("best_grid_contests.id"), index=True)
    #: A measured key ("cases.on_time", "volunteers.hours" …) or "judged:<n>".
    key: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(64))
    #: Percent of the total; a contest's weights add up to 100.
    weight: Mapped[int] = mapped_column()
    position: Mapped[int] = mapped_column(default=0)

    contest: Mapped[BestGridContest] = relationship(back_populates="criteria")

    @property
    def judged(self) -> bool:
        return self.key.startswith("judged:")


class BestGridEntry(db.Model):
    """A grid in a contest, in the class it had when the contest was created."""

    __tablename__ = "best_grid_entries"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "grid.code"
    __table_args__ = (UniqueConstraint("contest_id", "grid_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("best_grid_contests.id"), index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"))
    class_id: Mapped[int] = mapped_column(ForeignKey("best_grid_classes.id"))
    #: Frozen when the contest is published: rank in class, total, breakdown, prize.
    rank: Mapped[int | None] = mapped_column()
    total: Mapped[float | None] = mapped_column()
    breakdown: Mapped[dict | None] = mapped_column(JSON)
    prize: Mapped[int | None] = mapped_column()

    contest: Mapped[BestGridContest] = relationship(back_populates="entries")
    grid: Mapped[Grid] = relationship()
    klass: Mapped[BestGridClass] = relationship()


class BestGridJudgement(db.Model):
    """One judge's score (0-100) of one grid on one judged criterion."""

    __tablename__ = "best_grid_judgements"
    __table_args__ = (UniqueConstraint("criterion_id", "grid_id", "judge_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("best_grid_criteria.id"), index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"))
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    score: Mapped[float] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class BestGridAdjustment(db.Model):
    __tablename__ = "best_grid_adjustments"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "grid.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("best_grid_contests.id"), index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"))
    points: Mapped[float] = mapped_column()
    reason: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    grid: Mapped[Grid] = relationship()
    user = relationship("User")


class BestGridFlag(db.Model):
    """The rolling red flag (流动红旗) of a class: who holds it from which contest. The newest row
    of a class is its current holder; the rest is its history."""

    __tablename__ = "best_grid_flags"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "grid.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("best_grid_classes.id"), index=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("best_grid_contests.id"))
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"))
    awarded_at: Mapped[datetime] = mapped_column(default=utcnow)

    klass: Mapped[BestGridClass] = relationship()
    contest: Mapped[BestGridContest] = relationship()
    grid: Mapped[Grid] = relationship()


class BestGridWorkerAward(db.Model):
    """最美网格员: a grid worker of a grid in the contest, with the prize."""

    __tablename__ = "best_grid_worker_awards"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "grid.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("best_grid_contests.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("grid_staff.id"))
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"))
    name: Mapped[str] = mapped_column(String(32))
    prize: Mapped[int] = mapped_column(default=0)
    citation: Mapped[str | None] = mapped_column(Text)

    grid: Mapped[Grid] = relationship()
