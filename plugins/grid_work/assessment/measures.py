"""What the assessment measures, per worker, from the portal's own data: the grid_work tables of
the other parts (patrols, leave, meetings, trainings) and the core's (visits, cases). Nothing here
imports the other parts' code: their tables are read as they are.

Each measure gives, per worker, a ``Figure``: what was done against what was owed (or the
item's target), and whether there was anything to measure at all. The definitions, as the
sheet page states them:

- patrol_days: distinct days with a patrol in the period; owed = the town's patrol days a month
  × the months of the period (pro rata while it runs), less the worker's approved leave on
  working days;
- visits_on_time: each household of the worker's grid owes a visit each interval of the town's
  visit rules from its last visit (or its registration); a household overdue when the period
  starts is due on its first day; a visit on or before the due day is on time; a due day
  missed while the worker was on approved leave is not counted;
- cases_reported: cases the worker reported in the period (duplicates left out);
- cases_on_time: cases of the worker's grid resolved in the period, resolved by their deadline;
- satisfaction: those of them rated, rated satisfied (4 or 5 of 5);
- meetings: present / (invited − excused) at the meetings held in the period, not called off;
  an absence during approved leave counts as excused;
- training: the credits of the trainings of the scheme's year held up to the period's end,
  against the town's minimum;
- five_small: the worker's five-small rewards of the months of the period.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, exists, func, select

from portal.cases.models import Case
from portal.extensions import db
from portal.timeutil import local_date, utc_bounds

from ..duty.models import (GridWorkAttendance, GridWorkLeave, GridWorkMeeting, GridWorkTraining,
                           GridWorkTrainingAttendee)
from ..patrols.models import GridWorkPatrol
from .models import GridWorkEntry, GridWorkReward


@dataclass
class Figure:
    """``done`` against ``owed``; ``owed`` None: nothing to measure (no case, no meeting)."""

    done: float = 0
    owed: float | None = None
    #: Approved leave days on working days in the period (patrol days owed less these).
    leave: int = 0


def months_in(since: date, until: date) -> float:
    """The months of [since, until], each month counted by the share of its days inside."""
    total, day = 0.0, since
    while day <= until:
        first = day.replace(day=1)
        following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
        last = min(until, following - timedelta(days=1))
        total += ((last - day).days + 1) / (following - first).days
        day = following
    return total


def leave_days(worker_ids, since: date, until: date) -> dict[int, set[date]]:
    """{worker id: the days of [since, until] the worker was on approved leave}."""
    days: dict[int, set[date]] = defaultdict(set)
    for worker_id, starts, ends in db.session.execute(
            select(GridWorkLeave.worker_id, GridWorkLeave.starts_on, GridWorkLeave.ends_on)
            .where(GridWorkLeave.worker_id.in_(worker_ids), GridWorkLeave.state == "approved",
                   GridWorkLeave.starts_on <= until, GridWorkLeave.ends_on >= since)):
        day = max(starts, since)
        while day <= min(ends, until):
            days[worker_id].add(day)
            day += timedelta(days=1)
    return days


def patrol_days(workers, since: date, until: date, per_month: int,
                leave: dict[int, set[date]]) -> dict[int, Figure]:
    from portal.cases.calendar import WorkCalendar

    ids = [w.id for w in workers]
    done = dict(db.session.execute(
        select(GridWorkPatrol.worker_id, func.count(func.distinct(GridWorkPatrol.day)))
        .where(GridWorkPatrol.worker_id.in_(ids), GridWorkPatrol.day >= since,
               GridWorkPatrol.day <= until).group_by(GridWorkPatrol.worker_id)).all())
    calendar = WorkCalendar(since.year, until.year)
    owed = round(per_month * months_in(since, until))
    figures = {}
    for worker in workers:
        away = sum(1 for day in leave.get(worker.id, ()) if calendar.is_working_day(day))
        figures[worker.id] = Figure(done.get(worker.id, 0), max(0, owed - away), leave=away)
    return figures


def _visit_chain(anchor: date, interval: int, visits: list[date], since: date, until: date,
                 away: set[date]) -> tuple[int, int]:
    """(visits on time, visits owed) of one household in [since, until]."""
    made = owed = 0
    pending = [v for v in visits if v > anchor]
    while True:
        due = max(anchor + timedelta(days=interval), since)
        if due > until:
            return made, owed
        if pending and pending[0] <= due:
            made, owed = made + 1, owed + 1
            anchor = pending[0]
        else:
            if due not in away:
                owed += 1
            # the late visit (if any) starts the next interval; else the missed due day does
            anchor = pending[0] if pending and pending[0] <= until else due
        pending = [v for v in pending if v > anchor]


def visits_on_time(workers, since: date, until: date, days: dict[str, int],
                   leave: dict[int, set[date]]) -> dict[int, Figure]:
    from portal.people.models import Household, Resident, ResidentCare, Visit
    from portal.people.visits import VISIT_CARE_CATEGORIES, interval_for

    care = exists().where(ResidentCare.resident_id == Resident.id,
                          ResidentCare.category.in_(VISIT_CARE_CATEGORIES),
                          Resident.household_id == Household.id, Resident.left_at.is_(None))

    by_grid = defaultdict(list)
    for worker in workers:
        by_grid[worker.scope_id].append(worker)
    homes = db.session.execute(
        select(Household.id, Household.grid_id, Household.colour, Household.created_at,
               care.label("care"))
        .where(Household.grid_id.in_(list(by_grid)), Household.moved_out_at.is_(None))).all()
    ids = [h.id for h in homes]
    before = dict(db.session.execute(
        select(Visit.household_id, func.max(Visit.visited_on))
        .where(Visit.household_id.in_(ids), Visit.visited_on < since)
        .group_by(Visit.household_id)).all())
    during: dict[int, list[date]] = defaultdict(list)
    for household_id, day in db.session.execute(
            select(Visit.household_id, Visit.visited_on)
            .where(Visit.household_id.in_(ids), Visit.visited_on >= since,
                   Visit.visited_on <= until).order_by(Visit.visited_on)):
        during[household_id].append(day)
    figures = {w.id: Figure() for w in workers}
    for home in homes:
        # from its last visit before the period, else its registration (or a visit recorded
        # before the household was registered: the register was typed in later)
        anchor = before.get(home.id) or min([local_date(home.created_at),
                                             *during[home.id][:1]])
        if anchor > until:
            continue
        interval = interval_for(home.colour, bool(home.care), days)
        for worker in by_grid[home.grid_id]:
            made, owed = _visit_chain(anchor, interval, during[home.id], since, until,
                                      leave.get(worker.id, set()))
            figure = figures[worker.id]
            figure.done += made
            figure.owed = (figure.owed or 0) + owed
    for figure in figures.values():
        if not figure.owed:
            figure.owed = None
    return figures


def cases_reported(workers, since: date, until: date) -> dict[int, Figure]:
    start, end = utc_bounds(since, until)
    found = dict(db.session.execute(
        select(Case.reporter_id, func.count(Case.id))
        .where(Case.reporter_id.in_([w.id for w in workers]), Case.created_at >= start,
               Case.created_at < end, Case.state != "duplicate")
        .group_by(Case.reporter_id)).all())
    return {w.id: Figure(found.get(w.id, 0)) for w in workers}


def cases_handled(workers, since: date, until: date) -> tuple[dict[int, Figure],
                                                               dict[int, Figure]]:
    """(on time: resolved by the deadline of those resolved, satisfaction: rated 4 or 5 of
    those rated), per worker, from the cases of their grid resolved in the period."""
    start, end = utc_bounds(since, until)
    resolved: dict[int, int] = defaultdict(int)
    on_time: dict[int, int] = defaultdict(int)
    rated: dict[int, int] = defaultdict(int)
    satisfied: dict[int, int] = defaultdict(int)
    grids = {w.scope_id for w in workers}
    for grid_id, resolved_at, due, due_at, stars in db.session.execute(
            select(Case.grid_id, Case.resolved_at, Case.resolve_due, Case.resolve_due_at,
                   Case.satisfaction)
            .where(Case.grid_id.in_(grids), Case.resolved_at >= start, Case.resolved_at < end,
                   Case.state != "duplicate")):
        resolved[grid_id] += 1
        # an emergency's deadline is a moment; any other case's a working day
        on_time[grid_id] += resolved_at <= due_at if due_at else local_date(resolved_at) <= due
        if stars:
            rated[grid_id] += 1
            satisfied[grid_id] += stars >= 4
    timely = {w.id: Figure(on_time[w.scope_id], resolved[w.scope_id] or None) for w in workers}
    liked = {w.id: Figure(satisfied[w.scope_id], rated[w.scope_id] or None) for w in workers}
    return timely, liked


def meetings(workers, since: date, until: date,
             leave: dict[int, set[date]]) -> dict[int, Figure]:
    figures = {w.id: Figure() for w in workers}
    for worker_id, status, held_on in db.session.execute(
            select(GridWorkAttendance.worker_id, GridWorkAttendance.status,
                   GridWorkMeeting.held_on)
            .join(GridWorkMeeting, GridWorkMeeting.id == GridWorkAttendance.meeting_id)
            .where(GridWorkAttendance.worker_id.in_(list(figures)),
                   GridWorkMeeting.cancelled_at.is_(None), GridWorkMeeting.held_on >= since,
                   GridWorkMeeting.held_on <= until)):
        excused = status == "excused" or (status != "present"
                                          and held_on in leave.get(worker_id, ()))
        figure = figures[worker_id]
        if not excused:
            figure.owed = (figure.owed or 0) + 1
            figure.done += status == "present"
    return figures


def training(workers, year: int, until: date, min_credits: int) -> dict[int, Figure]:
    """Credits in tenths (GridWorkTraining.credit_tenths) against the town's minimum."""
    earned = dict(db.session.execute(
        select(GridWorkTrainingAttendee.worker_id, func.sum(GridWorkTraining.credit_tenths))
        .join(GridWorkTraining, GridWorkTraining.id == GridWorkTrainingAttendee.training_id)
        .where(GridWorkTrainingAttendee.worker_id.in_([w.id for w in workers]),
               GridWorkTraining.held_on >= date(year, 1, 1), GridWorkTraining.held_on <= until)
        .group_by(GridWorkTrainingAttendee.worker_id)).all())
    return {w.id: Figure(int(earned.get(w.id) or 0), min_credits * 10 or None) for w in workers}


def five_small(workers, since: date, until: date) -> dict[int, Figure]:
    found = dict(db.session.execute(
        select(GridWorkReward.worker_id, func.count(GridWorkReward.id))
        .where(GridWorkReward.worker_id.in_([w.id for w in workers]),
               GridWorkReward.month >= since.replace(day=1), GridWorkReward.month <= until)
        .group_by(GridWorkReward.worker_id)).all())
    return {w.id: Figure(found.get(w.id, 0)) for w in workers}


def recorded(item_ids, worker_ids, since: date, until: date) -> dict[tuple[int, int],
                                                                     tuple[int, int]]:
    """{(item id, worker id): (sum of the live entries' points, how many)} in the period."""
    if not item_ids:
        return {}
    return {(item_id, worker_id): (int(total), count) for item_id, worker_id, total, count
            in db.session.execute(
                select(GridWorkEntry.item_id, GridWorkEntry.worker_id,
                       func.sum(GridWorkEntry.points), func.count(GridWorkEntry.id))
                .where(GridWorkEntry.item_id.in_(item_ids),
                       GridWorkEntry.worker_id.in_(worker_ids),
                       GridWorkEntry.withdrawn_at.is_(None),
                       and_(GridWorkEntry.happened_on >= since,
                            GridWorkEntry.happened_on <= until))
                .group_by(GridWorkEntry.item_id, GridWorkEntry.worker_id))}


def all_figures(workers, since: date, until: date, *, year: int, town,
                measures) -> dict[str, dict[int, Figure]]:
    """{measure: {worker id: Figure}} for the ``measures`` asked for."""
    from portal.people.visits import visit_days

    from ..town_settings import rules

    if not workers:
        return {m: {} for m in measures}
    town_rules = rules(town)
    if until < since:  # a period not begun: nothing measured yet
        return {m: {w.id: Figure() for w in workers} for m in measures}
    ids = [w.id for w in workers]
    leave = leave_days(ids, since, until)
    found: dict[str, dict[int, Figure]] = {}
    wanted = set(measures)
    if "patrol_days" in wanted:
        found["patrol_days"] = patrol_days(workers, since, until, town_rules["patrol_days"], leave)
    if "visits_on_time" in wanted:
        found["visits_on_time"] = visits_on_time(workers, since, until, visit_days(town), leave)
    if "cases_reported" in wanted:
        found["cases_reported"] = cases_reported(workers, since, until)
    if wanted & {"cases_on_time", "satisfaction"}:
        found["cases_on_time"], found["satisfaction"] = cases_handled(workers, since, until)
    if "meetings" in wanted:
        found["meetings"] = meetings(workers, since, until, leave)
    if "training" in wanted:
        found["training"] = training(workers, year, until, town_rules["min_credits"])
    if "five_small" in wanted:
        found["five_small"] = five_small(workers, since, until)
    return found

