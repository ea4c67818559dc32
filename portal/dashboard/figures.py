"""The figures of a dashboard, for a scope and each of its children at once.

Every figure is one aggregate query, grouped by the children's code prefix (children of a node
share one code length) or by base grid and summed per child here (at most one row per grid), so a
county with 1,100 grids costs the same dozen queries as a village. What would read every case or
household of a county is kept instead: finished months per grid (portal.cases.monthly) and each
household's visit due day (portal.people.visit_due). A record hanging on the scope node itself
(not under a child) lands in the group of the scope's own code: it counts in the total, not in
any child.
"""
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import case, func, select

from portal.cases import monthly
from portal.cases.models import Case, CaseMonth
from portal.cases.queries import cases_in, light_condition, open_cases
from portal.cases.stats import Figures as CaseFigures
from portal.extensions import db
from portal.grids.models import GRID, SEGMENT_WIDTH, SPECIAL, Grid, GridStaff
from portal.people import visit_due
from portal.tenancy import in_subtree
from portal.timeutil import months_back, sql_local_date, sql_month

#: The figures of one node, in the order the tables show them.
FIELDS = ("base_grids", "unstaffed", "workers", "households", "residents", "visits_overdue",
          "visits_soon", "received", "open", "red", "resolved", "on_time", "rated", "stars",
          "satisfied")


@dataclass
class Figures(CaseFigures):
    """The case figures of the statistics page (received, resolved, on time, rated, stars,
    satisfied, with their rates) and what a dashboard adds about grids, people and visits."""

    base_grids: int = 0
    unstaffed: int = 0
    workers: int = 0
    households: int = 0
    residents: int = 0
    visits_overdue: int = 0
    visits_soon: int = 0
    open: int = 0
    red: int = 0

    def add(self, other: "Figures"):
        for name in FIELDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Node:
    grid: Grid
    figures: Figures


@dataclass
class TrendMonth:
    month: str
    received: int = 0
    resolved: int = 0
    on_time: int = 0

    @property
    def on_time_rate(self):
        return self.on_time / self.resolved if self.resolved else None


@dataclass
class Dashboard:
    scope: Grid
    since: date
    until: date
    total: Figures
    children: list[Node]
    trend: list[TrendMonth] = field(default_factory=list)


class _Grouped:
    """Collects grouped counts into the figures of each prefix."""

    def __init__(self):
        self.by_prefix: dict[str, Figures] = {}

    def put(self, prefix, **values):
        figures = self.by_prefix.setdefault(prefix, Figures())
        for name, value in values.items():
            setattr(figures, name, getattr(figures, name) + int(value or 0))


def build(scope: Grid, since: date, until: date, today: date, trend_months: int = 12) -> Dashboard:
    width = len(scope.code) + SEGMENT_WIDTH
    child = func.substr(Grid.code, 1, width)  # one object: PostgreSQL wants GROUP BY to match
    grouped = _Grouped()
    under = in_subtree(Grid.code, scope)

    base = (Grid.level.in_((GRID, SPECIAL)), Grid.retired_at.is_(None))
    staffed = select(GridStaff.grid_id).where(GridStaff.post == "worker",
                                              GridStaff.ended_at.is_(None))
    for prefix, grids, unstaffed in db.session.execute(
            select(child, func.count(), func.sum(case((Grid.id.not_in(staffed), 1), else_=0)))
            .where(under, *base).group_by(child)):
        grouped.put(prefix, base_grids=grids, unstaffed=unstaffed)

    for prefix, workers in db.session.execute(
            select(child, func.count()).select_from(GridStaff)
            .join(Grid, Grid.id == GridStaff.grid_id)
            .where(under, GridStaff.post == "worker", GridStaff.ended_at.is_(None))
            .group_by(child)):
        grouped.put(prefix, workers=workers)

    # Households and residents: the grids' kept counts (portal.people.grid_counts), read with
    # each grid's child prefix
    prefix_of: dict[int, str] = {}
    for grid_id, prefix, households, residents in db.session.execute(
            select(Grid.id, child, Grid.households_count, Grid.residents_count).where(under)):
        prefix_of[grid_id] = prefix
        if households or residents:  # a prefix appears where something was counted, as before
            grouped.put(prefix, households=households, residents=residents)

    for grid_id, (late, near) in visit_due.due_counts(scope, today).items():
        grouped.put(prefix_of[grid_id], visits_overdue=late, visits_soon=near)

    # Open cases too: ≤ one row per grid.
    gid = Case.grid_id + 0  # see cases_in(): grouping by the bare column would pick that index

    def per_grid(query, *names):
        for grid_id, *values in db.session.execute(query.group_by(gid)):
            grouped.put(prefix_of[grid_id], **dict(zip(names, values)))

    in_scope = cases_in(scope)
    # the open cases from their partial index, seeking each grid of the scope (the bare column:
    # every entry is an open case, so there is no walk through closed ones to avoid) instead of
    # reading the county's open cases to keep the town's
    per_grid(select(gid, func.count(),
                    func.sum(case((light_condition("red", today), 1), else_=0)))
             .where(Case.grid_id.in_(select(Grid.id).where(under)), open_cases()),
             "open", "red")

    # The period: its finished months from the rolled rows, the days left from the cases.
    months, rest = monthly.split(since, until)
    if months:
        for prefix, *values in db.session.execute(
                select(child, *(func.sum(getattr(CaseMonth, name)) for name in monthly.FIGURES))
                .select_from(CaseMonth).join(Grid, Grid.id == CaseMonth.grid_id)
                .where(under, CaseMonth.month.in_(months)).group_by(child)):
            grouped.put(prefix, **dict(zip(monthly.FIGURES, values)))
    if rest:
        counted = Case.state != "duplicate"
        per_grid(select(gid, func.count())
                 .where(in_scope, counted, monthly.within(Case.created_at, rest)), "received")
        on_time = case((sql_local_date(Case.resolved_at) <= Case.resolve_due, 1), else_=0)
        per_grid(select(gid, func.count(), func.sum(on_time),
                        func.sum(case((Case.satisfaction.is_not(None), 1), else_=0)),
                        func.sum(func.coalesce(Case.satisfaction, 0)),
                        func.sum(case((Case.satisfaction >= 4, 1), else_=0)))
                 .where(in_scope, counted, monthly.within(Case.resolved_at, rest)),
                 "resolved", "on_time", "rated", "stars", "satisfied")

    total = Figures()
    for figures in grouped.by_prefix.values():
        total.add(figures)
    children = [Node(node, grouped.by_prefix.get(node.code, Figures()))
                for node in scope.children if node.active]
    return Dashboard(scope, since, until, total, children,
                     trend(scope, until, trend_months) if trend_months else [])


def trend(scope: Grid, until: date, count: int) -> list[TrendMonth]:
    """Cases received, resolved and resolved on time in each of the ``count`` months up to
    ``until``'s month (local time): rolled months from their rows, the others from the cases."""
    keys = months_back(until, count)
    months = {key: TrendMonth(key) for key in keys}
    done, rest = monthly.split(date.fromisoformat(keys[0] + "-01"), until)
    if done:
        for month, received, resolved, in_time in db.session.execute(
                select(CaseMonth.month, func.sum(CaseMonth.received),
                       func.sum(CaseMonth.resolved), func.sum(CaseMonth.on_time))
                .join(Grid, Grid.id == CaseMonth.grid_id)
                .where(in_subtree(Grid.code, scope), CaseMonth.month.in_(done))
                .group_by(CaseMonth.month)):
            months[month] = TrendMonth(month, int(received or 0), int(resolved or 0),
                                       int(in_time or 0))
    if not rest:
        return list(months.values())
    where = (cases_in(scope), Case.state != "duplicate")
    received_month = sql_month(Case.created_at)
    for month, count_ in db.session.execute(
            select(received_month, func.count())
            .where(*where, monthly.within(Case.created_at, rest))
            .group_by(received_month)):
        if month in months:
            months[month].received += count_
    resolved_month = sql_month(Case.resolved_at)
    on_time = case((sql_local_date(Case.resolved_at) <= Case.resolve_due, 1), else_=0)
    for month, count_, in_time in db.session.execute(
            select(resolved_month, func.count(), func.sum(on_time))
            .where(*where, monthly.within(Case.resolved_at, rest))
            .group_by(resolved_month)):
        if month in months:
            months[month].resolved += count_
            months[month].on_time += int(in_time or 0)
    return list(months.values())
