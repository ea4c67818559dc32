"""Calendars that heal: a case received while its year's official schedule was not in the table
had its deadlines counted on weekends only (``Case.calendar_warning``). When the year is entered
(`/admin/calendar`) or learnt (`portal calendar seed`), every open case counted that way is
counted again on the real calendar, audited, and loses its warning."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from portal import audit
from portal.cases import deadlines
from portal.cases.calendar import WorkCalendar
from portal.cases.models import Case, CaseEvent
from portal.cases.workflow import OPEN_STATES
from portal.extensions import db


def missing_years(case: Case) -> set[int]:
    """The years the warning names ("missing:2027,2028")."""
    warning = case.calendar_warning or ""
    if not warning.startswith("missing:"):
        return set()
    return {int(y) for y in warning.removeprefix("missing:").split(",") if y.isdigit()}


def episode_start(case: Case):
    """When the case's current episode began: its report, or the last time it was reopened."""
    reopened = db.session.scalar(select(CaseEvent.at).where(
        CaseEvent.case_id == case.id, CaseEvent.action == "reopen")
        .order_by(CaseEvent.at.desc(), CaseEvent.id.desc()).limit(1))
    return reopened or case.created_at


def heal(years: Iterable[int]) -> int:
    """Recount the open cases whose deadlines missed one of ``years``; returns how many changed
    (the caller commits)."""
    years = set(years)
    if not years:
        return 0
    healed = 0
    for case in db.session.scalars(select(Case).where(
            Case.state.in_(OPEN_STATES), Case.calendar_warning.is_not(None))):
        if not missing_years(case) & years:
            continue
        start_at = episode_start(case)
        start = deadlines.local_date(start_at)
        before = {step: deadlines.due_of(case, step) for step in deadlines.STEPS}
        old_warning = case.calendar_warning
        deadlines.set_deadlines(case, start, WorkCalendar.around(start), start_at=start_at)
        after = {step: deadlines.due_of(case, step) for step in deadlines.STEPS}
        audit.record("case.deadlines_recounted", case, scope_code=case.grid.code,
                     number=case.number, years=sorted(years), before=before, after=after,
                     warning_before=old_warning, warning_after=case.calendar_warning)
        healed += 1
    db.session.flush()
    return healed
