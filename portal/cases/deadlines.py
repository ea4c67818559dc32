"""The "13710" deadlines and the traffic lights (三色亮灯), one per step.

Assign within 1 working day, procedural feedback within 3, a general problem solved within 7, a
major one within a month; each town may change the numbers (setting ``cases.deadlines``).
"Within N working days" means by the end of the N-th working day after the day the case was
received (or reopened): a case received on Monday at 09:00 is assigned in time until Tuesday at
midnight. A town may give emergencies hours instead (e.g. assign within 2 hours): such a step is
due at a moment, counted on the clock, weekends and holidays included, because an emergency does
not wait for Monday.

Each step has its light: green while in time, yellow when the limit is near (by default on its
last working day; in the last hour for a deadline in hours), red once it has passed. A step done
late stays red in the record. An open case's light is the worst of its pending steps; a resolved
case's is whether it was solved in time. Lights are computed from the dates every time they are
shown, so they are right whether or not `portal cases sweep` has run.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from portal.cases.calendar import WorkCalendar, add_months
from portal.settings import get_setting
from portal.tenancy import town_code, town_of
# The cases' days are the one clock's (local_date is kept here for the cases' modules).
from portal.timeutil import local_date as local_date, local_today, utcnow

#: 0 hours: the emergency's step counts working days like any other case.
DEFAULT_DEADLINES = {"assign": 1, "feedback": 3, "resolve": 7, "major_months": 1, "yellow_days": 1,
                     "emergency_assign_hours": 0, "emergency_feedback_hours": 0,
                     "emergency_resolve_hours": 0}
SETTING = "cases.deadlines"
GREEN, YELLOW, RED = "green", "yellow", "red"
#: The steps of 13710 that have a deadline, in order.
STEPS = ("assign", "feedback", "resolve")
#: Per step: the due date column, the due moment column (hours) and the column set when done.
STEP_COLUMNS = {"assign": ("assign_due", "assign_due_at", "assigned_at"),
                "feedback": ("feedback_due", "feedback_due_at", "feedback_at"),
                "resolve": ("resolve_due", "resolve_due_at", "resolved_at")}
#: A deadline in hours turns yellow this long before it passes.
YELLOW_BEFORE = timedelta(hours=1)
_SEVERITY = {GREEN: 0, YELLOW: 1, RED: 2}

if TYPE_CHECKING:
    from collections.abc import Iterable

    from portal.cases.models import Case
    from portal.grids.models import Grid


def today() -> date:
    return local_today()


def rules_for(grid: Grid) -> dict:
    """The town's rules; keys a town saved before they existed take their defaults."""
    return {**DEFAULT_DEADLINES, **get_setting(town_of(grid), SETTING, DEFAULT_DEADLINES)}


def set_deadlines(case: Case, start: date, calendar: WorkCalendar | None = None,
                  start_at: datetime | None = None) -> None:
    """Fill the case's due dates counted from ``start`` (the day it was received or reopened);
    an emergency's steps that the town counts in hours are due ``start_at`` (UTC, the moment it
    was received or reopened) plus those hours."""
    rules = rules_for(case.grid)
    calendar = calendar or WorkCalendar.around(start)
    case.assign_due = calendar.add_working_days(start, rules["assign"])
    case.feedback_due = calendar.add_working_days(start, rules["feedback"])
    if case.major:
        case.resolve_due = add_months(start, rules["major_months"])
        while not calendar.is_working_day(case.resolve_due):
            case.resolve_due += timedelta(days=1)
    else:
        case.resolve_due = calendar.add_working_days(start, rules["resolve"])
    for step in STEPS:
        due_column, at_column, _done = STEP_COLUMNS[step]
        hours = rules[f"emergency_{step}_hours"] if case.kind == "emergency" else 0
        due_at = (start_at or utcnow()) + timedelta(hours=hours) if hours else None
        setattr(case, at_column, due_at)
        if due_at is not None:
            setattr(case, due_column, local_date(due_at))
    case.calendar_warning = (
        "missing:" + ",".join(str(y) for y in sorted(calendar.missing)) if calendar.missing else None)


def done_at(case: Case, step: str) -> datetime | None:
    return getattr(case, STEP_COLUMNS[step][2])


def due_of(case: Case, step: str) -> date | datetime:
    """What the step is due by: a moment (UTC) for hours, else the last working day allowed."""
    due_column, at_column, _done = STEP_COLUMNS[step]
    return getattr(case, at_column) or getattr(case, due_column)


def pending_steps(case: Case) -> list[str]:
    """The steps not done yet of an open case (none for a case out of the loop)."""
    from portal.cases.workflow import OPEN_STATES

    if case.state not in OPEN_STATES:
        return []
    return [step for step in STEPS if done_at(case, step) is None]


def step_light(case: Case, step: str, on: date | None = None,
               calendar: WorkCalendar | None = None, yellow_days: int | None = None,
               now: datetime | None = None) -> str | None:
    """The light of one step: whether it was done in time, or how near its deadline is."""
    due_column, at_column, done_column = STEP_COLUMNS[step]
    due_day, due_moment, done = (getattr(case, due_column), getattr(case, at_column),
                                 getattr(case, done_column))
    if done is not None:
        in_time = done <= due_moment if due_moment else local_date(done) <= due_day
        return GREEN if in_time else RED
    if step not in pending_steps(case):
        return None
    if due_moment is not None:
        now = now or utcnow()
        if now > due_moment:
            return RED
        return YELLOW if due_moment - now <= YELLOW_BEFORE else GREEN
    on = on or today()
    if on > due_day:
        return RED
    calendar = calendar or WorkCalendar.around(on)
    near = _yellow_days(case.grid) if yellow_days is None else yellow_days
    return YELLOW if calendar.working_days_between(on, due_day) < near else GREEN


def step_lights(case: Case, on: date | None = None,
                calendar: WorkCalendar | None = None) -> dict[str, str | None]:
    """Every step's light, for the case page."""
    if case.state == "duplicate":
        return {}
    on = on or today()
    calendar = calendar or WorkCalendar.around(on)
    return {step: step_light(case, step, on, calendar) for step in STEPS}


def light(case: Case, on: date | None = None, calendar: WorkCalendar | None = None,
          yellow_days: int | None = None) -> str | None:
    """green / yellow / red for a case, as of ``on`` (today in China by default): the worst of
    its pending steps while open; whether it was solved in time once resolved."""
    if case.state == "duplicate":
        return None
    if case.resolved_at is not None:
        return step_light(case, "resolve")
    pending = pending_steps(case)
    if not pending:
        return None
    on = on or today()
    calendar = calendar or WorkCalendar.around(on)
    lights = [step_light(case, step, on, calendar, yellow_days) for step in pending]
    return max((lt for lt in lights if lt), key=_SEVERITY.__getitem__, default=None)


def worst_pending_step(case: Case, on: date | None = None,
                       calendar: WorkCalendar | None = None,
                       yellow_days: int | None = None) -> str | None:
    """The pending step that decides the case's light (the earliest due among the worst);
    ``yellow_days``: the town's window when the caller looked it up once for many cases."""
    on = on or today()
    calendar = calendar or WorkCalendar.around(on)
    pending = [(step, step_light(case, step, on, calendar, yellow_days))
               for step in pending_steps(case)]
    ranked = [(-_SEVERITY[lt], n, step) for n, (step, lt) in enumerate(pending) if lt]
    return min(ranked)[2] if ranked else None


def prepare(cases: Iterable[Case]) -> None:
    """Look up, for the towns of ``cases`` together, what their lights need (each town's yellow
    window): two statements for a page of a county's cases from many towns, not two per town.
    The cases' grids are to be loaded with them (joinedload)."""
    from flask import g, has_request_context

    from portal.settings import stored_settings
    from portal.tenancy.codes import remember_towns

    if not has_request_context():
        return
    cache = g.setdefault("_yellow_days", {})
    codes = {town_code(case.grid.code) for case in cases} - set(cache)
    towns = remember_towns(code for code in codes if code is not None)
    kept = stored_settings([town for town in towns.values() if town is not None], SETTING)
    for code in codes:
        town = towns.get(code) if code is not None else None
        saved = kept.get(town.id, {}) if town is not None else {}
        cache[code] = {**DEFAULT_DEADLINES, **saved}["yellow_days"]


def _yellow_days(grid: Grid) -> int:
    """The town's yellow window, looked up once per town and request."""
    from flask import g, has_request_context

    cache = g.setdefault("_yellow_days", {}) if has_request_context() else {}
    key = town_code(grid.code)  # a county's own grids have none: they all take the defaults
    if key not in cache:
        cache[key] = rules_for(grid)["yellow_days"]
    return cache[key]
