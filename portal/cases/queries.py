"""The lists a town official lives in: cases of a scope, filtered, in SQL."""
from datetime import date, timedelta

from sqlalchemy import and_, or_, select

from portal.cases.calendar import WorkCalendar
from portal.cases.deadlines import DEFAULT_DEADLINES, today
from portal.cases.models import Case
from portal.cases.workflow import OPEN_STATES
from portal.grids.models import Grid
from portal.tenancy import in_subtree
from portal.timeutil import utc_start_of


def light_condition(light: str, on: date | None = None, yellow_days: int | None = None):
    """SQL for open cases showing ``light`` on ``on``; the same rule as deadlines.light()."""
    on = on or today()
    near = DEFAULT_DEADLINES["yellow_days"] if yellow_days is None else yellow_days
    last_yellow = WorkCalendar.around(on).add_working_days(on, near - 1) if near > 1 else on
    waiting = Case.state == "received"

    def due(op):
        return or_(and_(waiting, op(Case.assign_due)), and_(~waiting, op(Case.resolve_due)))

    conditions = {
        "red": due(lambda d: d < on),
        "yellow": due(lambda d: and_(d >= on, d <= last_yellow)),
        "green": due(lambda d: d > last_yellow),
    }
    return and_(Case.state.in_(OPEN_STATES), conditions[light])


def case_query(scope: Grid, *, state=None, light=None, category=None, grid=None, since=None,
               until=None, assignee=None, q=None):
    query = select(Case).join(Grid, Grid.id == Case.grid_id).where(in_subtree(Grid.code, grid or scope))
    if state == "open":
        query = query.where(Case.state.in_(OPEN_STATES))
    elif state == "counted":  # what the statistics count: every case but merged duplicates
        query = query.where(Case.state != "duplicate")
    elif state:
        query = query.where(Case.state == state)
    if light in ("red", "yellow", "green"):
        query = query.where(light_condition(light))
    if category:
        query = query.where(Case.category == category)
    if since:
        query = query.where(Case.created_at >= utc_start_of(since))
    if until:
        query = query.where(Case.created_at < utc_start_of(until + timedelta(days=1)))
    if assignee is not None:
        query = query.where(Case.assignee_id == assignee.id)
    if q:
        query = query.where(or_(Case.number.contains(q, autoescape=True),
                                Case.title.contains(q, autoescape=True)))
    return query
