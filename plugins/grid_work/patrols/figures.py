"""The workers of a scope at a glance: patrol days this month, the last patrol, who patrolled
today, days of the month closed (日清). One grouped query per figure, not one per worker."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from portal.extensions import db
from portal.grids.models import Grid
from portal.timeutil import local_today

from . import log
from .access import workers_in
from .models import GridWorkPatrol


@dataclass
class WorkerRow:
    worker: object
    patrol_days: int
    last_patrol: date | None
    patrolled_today: bool
    closed: int
    not_closed: int


def month_start(day: date) -> date:
    return day.replace(day=1)


def patrol_days(worker_ids: list[int], since: date, until: date) -> dict[int, int]:
    """Distinct days with a patrol per worker in [since, until]."""
    if not worker_ids:
        return {}
    rows = db.session.execute(
        select(GridWorkPatrol.worker_id, func.count(func.distinct(GridWorkPatrol.day)))
        .where(GridWorkPatrol.worker_id.in_(worker_ids), GridWorkPatrol.day >= since,
               GridWorkPatrol.day <= until)
        .group_by(GridWorkPatrol.worker_id)).all()
    return {worker_id: count for worker_id, count in rows}


def last_patrols(worker_ids: list[int]) -> dict[int, date]:
    if not worker_ids:
        return {}
    rows = db.session.execute(
        select(GridWorkPatrol.worker_id, func.max(GridWorkPatrol.day))
        .where(GridWorkPatrol.worker_id.in_(worker_ids))
        .group_by(GridWorkPatrol.worker_id)).all()
    return {worker_id: day for worker_id, day in rows}


def worker_rows(scope: Grid, today: date | None = None) -> list[WorkerRow]:
    today = today or local_today()
    workers = workers_in(scope)
    ids = [w.id for w in workers]
    since = month_start(today)
    days = patrol_days(ids, since, today)
    last = last_patrols(ids)
    closed = log.closed_days(ids, since, today)
    elapsed = (today - since).days + 1
    return [WorkerRow(worker=w, patrol_days=days.get(w.id, 0), last_patrol=last.get(w.id),
                      patrolled_today=last.get(w.id) == today, closed=closed.get(w.id, 0),
                      not_closed=elapsed - closed.get(w.id, 0)) for w in workers]
