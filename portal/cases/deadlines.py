"""The "13710" deadlines and the traffic lights (三色亮灯).

Assign within 1 working day, procedural feedback within 3, a general problem solved within 7, a
major one within a month; each town may change the numbers (setting ``cases.deadlines``). The light
is green while in time, yellow when the limit is near (by default on its last working day), red
once it has passed. Lights are computed from the dates every time they are shown, so they are
right whether or not `portal cases sweep` has run.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from portal.cases.calendar import WorkCalendar, add_months
from portal.settings import get_setting
from portal.tenancy import town_code, town_of
# The cases' days are the one clock's (local_date is kept here for the cases' modules).
from portal.timeutil import local_date as local_date, local_today

DEFAULT_DEADLINES = {"assign": 1, "feedback": 3, "resolve": 7, "major_months": 1, "yellow_days": 1}
SETTING = "cases.deadlines"
GREEN, YELLOW, RED = "green", "yellow", "red"

if TYPE_CHECKING:
    from portal.cases.models import Case
    from portal.grids.models import Grid


def today() -> date:
    return local_today()


def rules_for(grid: Grid) -> dict:
    return get_setting(town_of(grid), SETTING, DEFAULT_DEADLINES)


def set_deadlines(case: Case, start: date, calendar: WorkCalendar | None = None) -> None:
    """Fill the case's due dates counted from ``start`` (the day it was received or reopened)."""
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
    case.calendar_warning = (
        "missing:" + ",".join(str(y) for y in sorted(calendar.missing)) if calendar.missing else None)


def light(case: Case, on: date | None = None, calendar: WorkCalendar | None = None,
          yellow_days: int | None = None) -> str | None:
    """green / yellow / red for a case, as of ``on`` (today in China by default)."""
    if case.state == "duplicate":
        return None
    if case.resolved_at is not None:
        return GREEN if local_date(case.resolved_at) <= case.resolve_due else RED
    on = on or today()
    due = case.assign_due if case.state == "received" else case.resolve_due
    if on > due:
        return RED
    calendar = calendar or WorkCalendar.around(on)
    near = _yellow_days(case.grid) if yellow_days is None else yellow_days
    return YELLOW if calendar.working_days_between(on, due) < near else GREEN


def _yellow_days(grid: Grid) -> int:
    """The town's yellow window, looked up once per town and request."""
    from flask import g, has_request_context

    cache = g.setdefault("_yellow_days", {}) if has_request_context() else {}
    key = town_code(grid.code)  # a county's own grids have none: they all take the defaults
    if key not in cache:
        cache[key] = rules_for(grid)["yellow_days"]
    return cache[key]
