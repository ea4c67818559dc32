"""Figures by department for /cases/stats (按部门): the county sees who is slow. Counted in SQL,
grouped by ``department_id``; on-time and working days computed over the resolved cases' dates
(one row each, as portal.cases.stats does)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from portal.cases.calendar import WorkCalendar
from portal.cases.deadlines import local_date
from portal.cases.models import Case
from portal.cases.stats import Figures
from portal.departments.models import Department, DepartmentReturn
from portal.extensions import db
from portal.grids.models import Grid
from portal.tenancy import in_subtree
from portal.timeutil import utc_bounds


@dataclass
class DepartmentFigures(Figures):
    """``received`` counts the cases assigned to the department in the period; ``returned`` the
    cases it sent back."""

    department: Department | None = None
    returned: int = 0


def by_department(scope: Grid, since: date, until: date) -> list[DepartmentFigures]:
    """For the cases of ``scope``'s subtree: per department, the cases assigned to it (those
    it still has by the time of assignment, and those it returned in the period, which no longer
    name it), resolved by it, on time, average working days from report to resolution,
    satisfaction, and the cases it returned (each by its time in the period). Only departments
    with something to count are listed, the slowest (lowest on-time rate) first."""
    start, end = utc_bounds(since, until)
    in_scope = in_subtree(Grid.code, scope)
    found: dict[int, DepartmentFigures] = {}

    def bucket(department_id: int) -> DepartmentFigures:
        return found.setdefault(department_id, DepartmentFigures())

    base = select().select_from(Case).join(Grid, Grid.id == Case.grid_id).where(
        in_scope, Case.department_id.is_not(None), Case.state != "duplicate")
    for department_id, count in db.session.execute(
            base.add_columns(Case.department_id, func.count())
            .where(Case.assigned_at >= start, Case.assigned_at < end)
            .group_by(Case.department_id)):
        bucket(department_id).received += count
    calendar = WorkCalendar(since.year - 1, until.year + 1)
    for department_id, created, resolved, due, stars in db.session.execute(
            base.add_columns(Case.department_id, Case.created_at, Case.resolved_at,
                             Case.resolve_due, Case.satisfaction)
            .where(Case.resolved_at >= start, Case.resolved_at < end)):
        figures = bucket(department_id)
        done = local_date(resolved)
        figures.resolved += 1
        figures.on_time += done <= due
        figures.working_days += calendar.working_days_between(local_date(created), done)
        if stars:
            figures.rated += 1
            figures.stars += stars
            figures.satisfied += stars >= 4
    for department_id, count in db.session.execute(
            select(DepartmentReturn.department_id, func.count())
            .join(Case, Case.id == DepartmentReturn.case_id)
            .join(Grid, Grid.id == Case.grid_id)
            .where(in_scope, DepartmentReturn.at >= start, DepartmentReturn.at < end)
            .group_by(DepartmentReturn.department_id)):
        # a returned case was assigned to the department too (it no longer names it)
        bucket(department_id).returned += count
        bucket(department_id).received += count
    if found:
        for department in db.session.scalars(
                select(Department).where(Department.id.in_(list(found)))):
            found[department.id].department = department
    rows = [f for f in found.values() if f.department is not None]
    return sorted(rows, key=lambda f: (f.on_time_rate if f.on_time_rate is not None else 2,
                                       f.department.name))
