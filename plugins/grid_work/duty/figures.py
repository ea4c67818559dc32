"""The duty part's figures: who the workers of a node are, and what the assessment part measures
from meetings, trainings and leave (``attendance``, ``credits``, ``leave_days``: one query each
for any number of workers, never one per worker)."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import contains_eager

from portal.auth.models import User
from portal.extensions import db
from portal.grids.models import Grid
from portal.tenancy import in_subtree_where_on

from .models import (GridWorkAttendance, GridWorkLeave, GridWorkMeeting, GridWorkTraining,
                     GridWorkTrainingAttendee)

MODULE = "grid_work"
#: The core's role of the people this module is about.
WORKER_ROLE = "grid_worker"
PRESENT, ABSENT, EXCUSED = "present", "absent", "excused"
#: Leave that holds the days: a new request may not overlap these.
HOLDING = ("pending", "approved")


def workers_query(node: Grid) -> Select:
    """The active grid workers whose grid lies under ``node`` (where the module is on, for a
    county's lists), by grid then id."""
    inside = in_subtree_where_on(MODULE, node)
    return (select(User).join(Grid, Grid.id == User.scope_id)
            .where(User.role == WORKER_ROLE, User.is_active_flag.is_(True), inside)
            .options(contains_eager(User.scope))  # lists and the card name each worker's grid
            .order_by(Grid.code, User.id))


def workers_under(node: Grid) -> list[User]:
    return list(db.session.scalars(workers_query(node)))


def _ids(worker_ids: Iterable[int]) -> list[int]:
    return sorted({int(i) for i in worker_ids})


def attendance(worker_ids: Iterable[int], since: date,
               until: date) -> dict[int, tuple[int, int]]:
    """Per worker (attended, counted) of the meetings held in [since, until] that were not
    cancelled: counted leaves out the meetings the worker was excused from, attended is present."""
    ids = _ids(worker_ids)
    found = {worker_id: (0, 0) for worker_id in ids}
    if not ids:
        return found
    rows = db.session.execute(
        select(GridWorkAttendance.worker_id,
               func.sum(case((GridWorkAttendance.status == PRESENT, 1), else_=0)),
               func.sum(case((GridWorkAttendance.status != EXCUSED, 1), else_=0)))
        .join(GridWorkMeeting, GridWorkMeeting.id == GridWorkAttendance.meeting_id)
        .where(GridWorkAttendance.worker_id.in_(ids), GridWorkMeeting.cancelled_at.is_(None),
               GridWorkMeeting.held_on >= since, GridWorkMeeting.held_on <= until)
        .group_by(GridWorkAttendance.worker_id))
    for worker_id, attended, counted in rows:
        found[worker_id] = (int(attended or 0), int(counted or 0))
    return found


def credits(worker_ids: Iterable[int], year: int) -> dict[int, int]:
    """Per worker the training credits earned in ``year``, in tenths of a credit."""
    ids = _ids(worker_ids)
    found = dict.fromkeys(ids, 0)
    if not ids:
        return found
    rows = db.session.execute(
        select(GridWorkTrainingAttendee.worker_id, func.sum(GridWorkTraining.credit_tenths))
        .join(GridWorkTraining, GridWorkTraining.id == GridWorkTrainingAttendee.training_id)
        .where(GridWorkTrainingAttendee.worker_id.in_(ids),
               GridWorkTraining.held_on >= date(year, 1, 1),
               GridWorkTraining.held_on <= date(year, 12, 31))
        .group_by(GridWorkTrainingAttendee.worker_id))
    for worker_id, tenths in rows:
        found[worker_id] = int(tenths or 0)
    return found


def leave_days(worker_ids: Iterable[int], since: date, until: date) -> dict[int, set[date]]:
    """Per worker the days of approved leave within [since, until]."""
    ids = _ids(worker_ids)
    found: dict[int, set[date]] = {worker_id: set() for worker_id in ids}
    if not ids:
        return found
    rows = db.session.execute(
        select(GridWorkLeave.worker_id, GridWorkLeave.starts_on, GridWorkLeave.ends_on)
        .where(GridWorkLeave.worker_id.in_(ids), GridWorkLeave.state == "approved",
               GridWorkLeave.starts_on <= until, GridWorkLeave.ends_on >= since))
    for worker_id, starts_on, ends_on in rows:
        day = max(starts_on, since)
        while day <= min(ends_on, until):
            found[worker_id].add(day)
            day += timedelta(days=1)
    return found


def away_query(node: Grid, day: date) -> Select:
    """Approved leave running on ``day`` of the workers whose grid lies under ``node``."""
    inside = in_subtree_where_on(MODULE, node)
    return (select(GridWorkLeave).join(Grid, Grid.id == GridWorkLeave.grid_id)
            .where(GridWorkLeave.state == "approved", GridWorkLeave.starts_on <= day,
                   GridWorkLeave.ends_on >= day, inside)
            .order_by(Grid.code, GridWorkLeave.starts_on, GridWorkLeave.id))


def below_minimum(workers: list[User], year: int) -> list[tuple[User, int, int]]:
    """(worker, credits in tenths, the town's minimum in tenths) of each worker short of their
    town's minimum in ``year``; one settings read per town."""
    from portal.tenancy import town_of

    from ..town_settings import rules

    earned = credits([w.id for w in workers], year)
    minimum: dict[int, int] = {}
    short = []
    for worker in workers:
        town = town_of(worker.scope)
        key = town.id if town is not None else 0
        if key not in minimum:
            minimum[key] = rules(town)["min_credits"] * 10 if town is not None else 0
        if earned[worker.id] < minimum[key]:
            short.append((worker, earned[worker.id], minimum[key]))
    return short
