"""The lists a town official lives in: cases of a scope, filtered, in SQL."""
from datetime import date, datetime, timedelta

from sqlalchemy import and_, bindparam, func, or_, select

from portal.cases.calendar import WorkCalendar
from portal.cases.deadlines import DEFAULT_DEADLINES, STEP_COLUMNS, STEPS, YELLOW_BEFORE, today
from portal.cases.models import Case
from portal.cases.workflow import OPEN_STATES
from portal.extensions import db
from portal.grids.models import COUNTY, TOWN, Grid
from portal.tenancy import in_subtree
from portal.timeutil import utc_start_of, utcnow


def step_condition(step: str, light: str, on: date | None = None,
                   yellow_days: int | None = None, now: datetime | None = None):
    """SQL for open cases whose ``step`` is pending and shows ``light``; the same rule as
    deadlines.step_light()."""
    on = on or today()
    now = now or utcnow()
    near = DEFAULT_DEADLINES["yellow_days"] if yellow_days is None else yellow_days
    last_yellow = WorkCalendar.around(on).add_working_days(on, near - 1) if near > 1 else on
    due_column, at_column, done_column = (getattr(Case, c) for c in STEP_COLUMNS[step])
    in_hours, in_days = at_column.is_not(None), at_column.is_(None)
    red = or_(and_(in_hours, at_column < now), and_(in_days, due_column < on))
    if light == "red":
        shows = red
    else:
        yellow = or_(and_(in_hours, at_column >= now, at_column <= now + YELLOW_BEFORE),
                     and_(in_days, due_column >= on, due_column <= last_yellow))
        shows = yellow if light == "yellow" else and_(~red, ~yellow)
    return and_(Case.state.in_(OPEN_STATES), done_column.is_(None), shows)


def light_condition(light: str, on: date | None = None, yellow_days: int | None = None,
                    step: str | None = None):
    """SQL for open cases showing ``light`` on ``on``; the same rule as deadlines.light(): the
    worst pending step decides. With ``step``, only that step's light counts."""
    if step in STEPS:
        return step_condition(step, light, on, yellow_days)
    now = utcnow()
    # built only for the light asked (a page asks for one or two lights per request, and each
    # step's condition is a few dozen SQL nodes to build and to compute the cache key of)
    worse = {"red": (), "yellow": ("red",), "green": ("red", "yellow")}[light]
    any_step = {lt: or_(*(step_condition(s, lt, on, yellow_days, now) for s in STEPS))
                for lt in (*worse, light)}
    return and_(Case.state.in_(OPEN_STATES), *(~any_step[lt] for lt in worse), any_step[light])


def open_cases():
    """SQL: the case is open, the states written out as literals. The partial index of the open
    cases with their steps' deadlines (ix_cases_open_steps) is usable only by a query whose
    condition reads as the index's own WHERE: with the states as bound parameters, SQLite cannot
    tell that it does, and reads every open row from the table instead (a county's late cases:
    32 ms instead of 8)."""
    return Case.state.in_(bindparam("open_states", list(OPEN_STATES), expanding=True,
                                    literal_execute=True, unique=True))


def cases_in(scope: Grid):
    """SQL condition: the case lies under ``scope``.

    For a county or a town it is written ``grid_id + 0 IN (grids under scope)`` on purpose: the
    ``+ 0`` keeps SQLite from walking the cases grid by grid through (grid_id, created_at), which
    there reads nearly every case, and lets it start from the selective index (state, created_at
    or resolved_at) instead. A village or a grid has a handful of grids and few cases: there the
    walk grid by grid is the short way, and a literal list of their ids is what makes the planner
    see it."""
    from portal.tenancy.cache import request_cache

    grids = select(Grid.id).where(in_subtree(Grid.code, scope))
    if scope.level in (COUNTY, TOWN):
        return (Case.grid_id + 0).in_(grids)
    ids = request_cache("grid_ids")  # a home page asks for the same scope's grids several times
    if scope.code not in ids:
        ids[scope.code] = db.session.scalars(grids).all()
    return Case.grid_id.in_(ids[scope.code])


def first_of(query, first, *then, limit: int):
    """``query``'s first ``limit`` rows by ``first`` (then ``then``), written so that the database
    picks the matching rows by the query's own conditions and sorts only those. Ordered by a bare
    column, SQLite walks that column's index through every case of the county until it has
    ``limit`` matches: nearly free when matches are common, a whole-table walk when they are rare
    or none (a town's open approval cases: 73 ms of its home page on the 0.3 county). Ordered by
    an expression of it (the same values), no index can give the order, so none is walked. For
    the lists of a home page: a scope's open cases of a kind, few enough to sort."""
    return query.order_by(func.coalesce(first, first), *then).limit(limit)


def case_query(scope: Grid, *, state=None, light=None, category=None, grid=None, since=None,
               until=None, assignee=None, q=None, step=None, lead=None):
    query = select(Case).join(Grid, Grid.id == Case.grid_id).where(in_subtree(Grid.code, grid or scope))
    if state == "open":
        query = query.where(Case.state.in_(OPEN_STATES))
    elif state == "counted":  # what the statistics count: every case but merged duplicates
        query = query.where(Case.state != "duplicate")
    elif state:
        query = query.where(Case.state == state)
    if light in ("red", "yellow", "green"):
        query = query.where(light_condition(light, step=step))
    elif step in STEPS:  # a step still to do, whatever its light
        query = query.where(Case.state.in_(OPEN_STATES),
                            getattr(Case, STEP_COLUMNS[step][2]).is_(None))
    if category:
        query = query.where(Case.category == category)
    if since:
        query = query.where(Case.created_at >= utc_start_of(since))
    if until:
        query = query.where(Case.created_at < utc_start_of(until + timedelta(days=1)))
    if assignee is not None:
        query = query.where(Case.assignee_id == assignee.id)
    if lead is not None:  # the cases this leader answers for (包案领导)
        query = query.where(Case.lead_id == lead.id)
    if q:
        query = query.where(or_(Case.number.contains(q, autoescape=True),
                                Case.title.contains(q, autoescape=True)))
    return query
