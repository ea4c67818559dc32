"""The demo's patrols: 文星镇's worker has patrol days this quarter and the last (with gaps),
checkpoints in two grids, cases found on patrol, most days closed and yesterday open."""
from datetime import timedelta

from sqlalchemy import func, select

from plugins.grid_work.patrols.models import (GridWorkCheckpoint, GridWorkLogDay, GridWorkPatrol,
                                              GridWorkPatrolPoint)
from portal.auth.models import User
from portal.extensions import db
from portal.timeutil import local_today


def test_the_demo_worker_has_two_quarters_of_patrols(demo):
    worker = db.session.scalar(select(User).filter_by(username="gridworker"))
    today = local_today()
    quarter = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    days = set(db.session.scalars(select(GridWorkPatrol.day).filter_by(worker_id=worker.id)))
    assert any(d >= quarter for d in days) or today - quarter < timedelta(days=3)
    assert any(d < quarter for d in days)
    previous = (quarter - timedelta(days=1)).replace(day=1)
    previous = previous.replace(month=(previous.month - 1) // 3 * 3 + 1)
    assert min(days) < previous + timedelta(days=7)  # the whole previous quarter
    assert len(days) < (today - previous).days and max(days) < today  # gaps; today left to do
    grids = db.session.scalar(select(func.count(func.distinct(GridWorkCheckpoint.grid_id))))
    assert grids == 2
    assert db.session.scalar(select(func.count(GridWorkPatrolPoint.id)).where(
        GridWorkPatrolPoint.case_id.is_not(None))) >= 1
    closed = db.session.scalar(select(func.count(GridWorkLogDay.id)).where(
        GridWorkLogDay.worker_id == worker.id, GridWorkLogDay.closed_at.is_not(None)))
    assert closed > 30
    assert db.session.scalar(select(GridWorkLogDay).filter_by(
        worker_id=worker.id, day=today - timedelta(days=1))) is None
