"""Figures per scope and period: received, resolved, on time, handling time, satisfaction; by
category and by the scope's children. Counting is done in SQL; the on-time and working-day figures
are computed over the resolved cases' dates (one row each, no ORM objects)."""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from portal.cases.calendar import WorkCalendar
from portal.cases.deadlines import local_date
from portal.cases.models import Case
from portal.extensions import db
from portal.grids.models import SEGMENT_WIDTH, Grid
from portal.tenancy import in_subtree
from portal.timeutil import utc_bounds


@dataclass
class Figures:
    received: int = 0
    resolved: int = 0
    on_time: int = 0
    working_days: int = 0
    rated: int = 0
    stars: int = 0
    satisfied: int = 0

    @property
    def on_time_rate(self):
        return self.on_time / self.resolved if self.resolved else None

    @property
    def average_days(self):
        return self.working_days / self.resolved if self.resolved else None

    @property
    def satisfaction(self):
        return self.stars / self.rated if self.rated else None

    @property
    def satisfied_rate(self):
        return self.satisfied / self.rated if self.rated else None


@dataclass
class Report:
    total: Figures = field(default_factory=Figures)
    by_category: dict = field(default_factory=lambda: defaultdict(Figures))
    by_child: dict = field(default_factory=lambda: defaultdict(Figures))


def figures(scope: Grid, since: date, until: date) -> Report:
    report = Report()
    start, end = utc_bounds(since, until)
    width = len(scope.code) + SEGMENT_WIDTH
    child = func.substr(Grid.code, 1, width)
    base = select().select_from(Case).join(Grid, Grid.id == Case.grid_id).where(
        in_subtree(Grid.code, scope), Case.state != "duplicate")
    for category, prefix, count in db.session.execute(
            base.add_columns(Case.category, child, func.count())
            .where(Case.created_at >= start, Case.created_at < end)
            .group_by(Case.category, child)):
        for bucket in (report.total, report.by_category[category], report.by_child[prefix]):
            bucket.received += count
    rows = db.session.execute(
        base.add_columns(Case.category, child, Case.created_at, Case.resolved_at,
                         Case.resolve_due, Case.satisfaction)
        .where(Case.resolved_at >= start, Case.resolved_at < end)).all()
    calendar = WorkCalendar(since.year - 1, until.year + 1)
    for category, prefix, created, resolved, due, stars in rows:
        done = local_date(resolved)
        days = calendar.working_days_between(local_date(created), done)
        for bucket in (report.total, report.by_category[category], report.by_child[prefix]):
            bucket.resolved += 1
            bucket.on_time += done <= due
            bucket.working_days += days
            if stars:
                bucket.rated += 1
                bucket.stars += stars
                bucket.satisfied += stars >= 4
    return report


def children_names(scope: Grid) -> dict[str, str]:
    return {g.code: g.name for g in scope.children}


@dataclass
class StepFigures:
    """One step of 13710 over the cases received in a period."""
    done_on_time: int = 0
    done_late: int = 0
    pending: int = 0
    overdue: int = 0

    @property
    def on_time_rate(self):
        done = self.done_on_time + self.done_late
        return self.done_on_time / done if done else None


def by_step(scope: Grid, since: date, until: date) -> dict[str, StepFigures]:
    """For the cases received in the period: each step done in time or late, and still pending
    (and of those, overdue today) — the same rule as the lights (deadlines.step_light)."""
    from types import SimpleNamespace

    from portal.cases import deadlines

    start, end = utc_bounds(since, until)
    columns = [Case.state] + [getattr(Case, c) for step in deadlines.STEPS
                              for c in deadlines.STEP_COLUMNS[step]]
    names = ["state"] + [c for step in deadlines.STEPS for c in deadlines.STEP_COLUMNS[step]]
    rows = db.session.execute(
        select(*columns).join(Grid, Grid.id == Case.grid_id)
        .where(in_subtree(Grid.code, scope), Case.state != "duplicate",
               Case.created_at >= start, Case.created_at < end)).all()
    today = deadlines.today()
    calendar = WorkCalendar.around(today)
    result = {step: StepFigures() for step in deadlines.STEPS}
    for row in rows:
        case = SimpleNamespace(**dict(zip(names, row, strict=True)))
        for step in deadlines.STEPS:
            figures_ = result[step]
            lt = deadlines.step_light(case, step, today, calendar,  # type: ignore[arg-type]
                                      yellow_days=deadlines.DEFAULT_DEADLINES["yellow_days"])
            if deadlines.done_at(case, step) is not None:  # type: ignore[arg-type]
                figures_.done_on_time += lt == deadlines.GREEN
                figures_.done_late += lt == deadlines.RED
            elif lt is not None:
                figures_.pending += 1
                figures_.overdue += lt == deadlines.RED
    return result
