"""Finished months of case figures, kept per grid: a county's 12-month trend and a year's
figures read about a thousand rows a month instead of every case (issue 20: the county dashboard
spent 400 ms recounting its trend from 480,000 cases).

- **Rolling.** Once a month is over, :func:`roll_months` (the worker each night, ``portal cases
  months roll``, the demo) counts it once: one ``case_months`` row per grid with cases that month,
  and a ``rolled_months`` mark.
- **Kept exact.** From then on the events that change a rolled month's figures count that grid's
  month again in the same transaction: a case written, deleted, moved to another grid, merged as a
  duplicate (or no longer), resolved, reopened, rated or given another deadline, whose month of
  receipt or of resolution is rolled (:func:`_case_written`). A grid's month is a few dozen cases
  on the (grid_id, created_at) index, so this costs a query or two, and only for old cases.
- **Checked.** :func:`verify` counts every rolled month again from the cases and lists the
  rows that differ (``portal cases months verify``; the tests run it after the flows that
  touch old cases).
- **Read.** :func:`split` cuts a period into rolled months (read from the rows) and the days
  left (the current month, or everything when nothing is rolled yet), counted from the cases as
  before: slower there, never different.
"""
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, delete, event, func, inspect, insert, or_, select
from sqlalchemy.engine import Connection

from portal.cases.models import Case, CaseMonth, RolledMonth
from portal.extensions import db
from portal.timeutil import local_date, local_today, sql_local_date, utc_bounds, utcnow

#: The figures of a month row, in the order of the columns.
FIGURES = ("received", "resolved", "on_time", "rated", "stars", "satisfied")
#: The case's columns that decide which grid and month it counts in, and what it counts as.
_DECIDING = ("grid_id", "created_at", "resolved_at", "resolve_due", "satisfaction", "state")


# ---------------------------------------------------------------- months and periods


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_days(key: str) -> tuple[date, date]:
    """The first and the last local day of month "YYYY-MM"."""
    first = date.fromisoformat(key + "-01")
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, following - timedelta(days=1)


def finished(key: str, today: date | None = None) -> bool:
    return key < month_key(today or local_today())


def rolled(keys: Iterable[str] | None = None) -> set[str]:
    """The rolled months (among ``keys``); once per request."""
    from portal.tenancy.cache import request_cache

    known = request_cache("rolled_months")
    if "all" not in known:
        known["all"] = set(db.session.scalars(select(RolledMonth.month)))
    return known["all"] if keys is None else known["all"] & set(keys)


def split(since: date, until: date) -> tuple[list[str], list[tuple[date, date]]]:
    """``since`` .. ``until`` (both included) as the rolled months lying wholly inside it and
    the day ranges left over, each ``(first, last)`` and adjacent ones joined."""
    done = rolled()
    months: list[str] = []
    rest: list[tuple[date, date]] = []
    day = since
    while day <= until:
        key = month_key(day)
        first, last = month_days(key)
        if day == first and last <= until and key in done:
            months.append(key)
        else:
            end = min(last, until)
            if rest and rest[-1][1] + timedelta(days=1) == day:
                rest[-1] = (rest[-1][0], end)
            else:
                rest.append((day, end))
        day = last + timedelta(days=1)
    return months, rest


def within(column: Any, ranges: list[tuple[date, date]]) -> Any:
    """SQL: the timestamp ``column`` falls on a local day of one of ``ranges``."""
    return or_(*(and_(column >= start, column < end)
                 for start, end in (utc_bounds(first, last) for first, last in ranges)))


# ---------------------------------------------------------------- counting from the cases


def count(key: str, grid_ids: Iterable[int] | None = None,
          connection: Connection | None = None) -> dict[int, dict[str, int]]:
    """The figures of month ``key`` per grid (of ``grid_ids``, or every grid), from the cases."""
    run = (connection or db.session).execute
    start, end = utc_bounds(*month_days(key))
    counted = Case.state != "duplicate"
    grid: Any
    only: tuple[Any, ...]
    if grid_ids is None:
        # grouped over the whole month: start from the month's cases (created_at / resolved_at
        # index), not grid by grid through (grid_id, created_at)
        grid, only = Case.grid_id + 0, ()
    else:
        grid, only = Case.grid_id, (Case.grid_id.in_(list(grid_ids)),)
    rows: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(FIGURES, 0))
    for grid_id, received in run(
            select(grid, func.count())
            .where(counted, *only, Case.created_at >= start, Case.created_at < end)
            .group_by(grid)):
        rows[grid_id]["received"] = received
    on_time = case((sql_local_date(Case.resolved_at) <= Case.resolve_due, 1), else_=0)
    for grid_id, *values in run(
            select(grid, func.count(), func.sum(on_time),
                   func.sum(case((Case.satisfaction.is_not(None), 1), else_=0)),
                   func.sum(func.coalesce(Case.satisfaction, 0)),
                   func.sum(case((Case.satisfaction >= 4, 1), else_=0)))
            .where(counted, *only, Case.resolved_at >= start, Case.resolved_at < end)
            .group_by(grid)):
        rows[grid_id].update(zip(FIGURES[1:], (int(v or 0) for v in values)))
    return dict(rows)


def _write(key: str, rows: dict[int, dict[str, int]], connection: Connection | None = None,
           grid_ids: Iterable[int] | None = None) -> None:
    """Replace the month's rows (of ``grid_ids``, or all) by ``rows``."""
    run = (connection or db.session).execute
    table = CaseMonth.__table__
    gone = delete(table).where(table.c.month == key)
    if grid_ids is not None:
        gone = gone.where(table.c.grid_id.in_(list(grid_ids)))
    run(gone)
    if rows:
        run(insert(table), [{"grid_id": grid_id, "month": key, **figures}
                            for grid_id, figures in sorted(rows.items())])


# ---------------------------------------------------------------- rolling and checking


def roll(key: str) -> int:
    """Count month ``key`` (finished) from the cases and mark it rolled; again if it was.
    Returns the rows written. The caller commits."""
    if not finished(key):
        raise ValueError(f"month {key} is not over yet")
    rows = count(key)
    _write(key, rows)
    table = RolledMonth.__table__
    db.session.execute(delete(table).where(table.c.month == key))
    db.session.execute(insert(table).values(month=key, rolled_at=utcnow()))
    from portal.tenancy.cache import request_cache

    request_cache("rolled_months").clear()
    return len(rows)


def roll_months(since: str | None = None, again: bool = False) -> list[str]:
    """Roll every finished month with cases (from ``since``, "YYYY-MM") not rolled yet (with
    ``again``, the rolled ones too: after cases written without the ORM), oldest first. The
    caller commits."""
    first = db.session.scalar(select(func.min(Case.created_at)))
    if first is None:
        return []
    key = max(month_key(local_date(first)), since or "")
    done = set() if again else set(db.session.scalars(select(RolledMonth.month)))
    this_month = month_key(local_today())
    rolled_now = []
    while key < this_month:
        if key not in done:
            roll(key)
            rolled_now.append(key)
        key = month_key(month_days(key)[1] + timedelta(days=1))
    return rolled_now


def verify() -> list[str]:
    """Every rolled month counted again from the cases: the differences, as lines (none when the
    rows are exact)."""
    differences = []
    for key in db.session.scalars(select(RolledMonth.month).order_by(RolledMonth.month)):
        stored = {row.grid_id: {name: getattr(row, name) for name in FIGURES}
                  for row in db.session.scalars(select(CaseMonth).where(CaseMonth.month == key))}
        counted = count(key)
        for grid_id in sorted(stored.keys() | counted.keys()):
            have = stored.get(grid_id, dict.fromkeys(FIGURES, 0))
            want = counted.get(grid_id, dict.fromkeys(FIGURES, 0))
            if have != want:
                differences.append(f"{key} grid {grid_id}: stored {have}, cases say {want}")
    return differences


# ---------------------------------------------------------------- kept exact by the case events


def _months_of(values: Iterable[datetime | None], today: date) -> set[str]:
    keys = {month_key(local_date(value)) for value in values if value is not None}
    return {key for key in keys if finished(key, today)}


def _touched(case_: Case, deleted: bool = False) -> set[tuple[int, str]]:
    """The (grid, finished month) pairs whose figures ``case_``'s change may alter."""
    attrs: Any = inspect(case_).attrs
    today = local_today()
    if deleted:
        grids = {case_.grid_id}
        months = _months_of((case_.created_at, case_.resolved_at), today)
        return {(grid, key) for grid in grids for key in months}
    history = {name: getattr(attrs, name).history for name in _DECIDING}
    if not any(h.has_changes() for h in history.values()):
        return set()
    if set(n for n, h in history.items() if h.has_changes()) == {"state"}:
        states = {*history["state"].deleted, *history["state"].added}
        if "duplicate" not in states:
            return set()  # a step of the loop: counted the same before and after
    grids = {case_.grid_id, *history["grid_id"].deleted} - {None}
    months = _months_of((case_.created_at, *history["created_at"].deleted,
                         case_.resolved_at, *history["resolved_at"].deleted), today)
    return {(grid, key) for grid in grids for key in months}


def _recount(connection: Connection, pairs: set[tuple[int, str]]) -> None:
    if not pairs:
        return
    table = RolledMonth.__table__
    keys = {key for _grid, key in pairs}
    done = set(connection.scalars(select(table.c.month).where(table.c.month.in_(keys))))
    for key in sorted(done):
        grids = sorted(grid for grid, k in pairs if k == key)
        _write(key, count(key, grids, connection), connection, grids)


@event.listens_for(Case, "after_insert")
def _case_added(mapper: Any, connection: Connection, case_: Case) -> None:
    # a case written now is received this month: no query unless it is dated in a past month
    _recount(connection, {(case_.grid_id, key) for key in
                          _months_of((case_.created_at, case_.resolved_at), local_today())})


@event.listens_for(Case, "after_update")
def _case_written(mapper: Any, connection: Connection, case_: Case) -> None:
    _recount(connection, _touched(case_))


@event.listens_for(Case, "after_delete")
def _case_removed(mapper: Any, connection: Connection, case_: Case) -> None:
    _recount(connection, _touched(case_, deleted=True))
