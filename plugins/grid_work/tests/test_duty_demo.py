"""The demo town's duties tell the quarter's story: weekly meetings with minutes, one absence and
one excused by leave; two trainings with one worker short of the minimum; leave past, running
today with a cover, and waiting; this year's letters with one worker still to sign."""
from sqlalchemy import func, select

from plugins.grid_work.duty import figures
from plugins.grid_work.duty.models import (GridWorkAttendance, GridWorkLeave, GridWorkLetter,
                                           GridWorkMeeting)
from portal.auth.models import User
from portal.extensions import db
from portal.grids.models import Grid
from portal.timeutil import local_today


def test_the_demo_has_the_duties_of_a_quarter(demo):
    village = db.session.scalar(select(Grid).filter_by(name="城西社区"))
    meetings = db.session.scalars(select(GridWorkMeeting).filter_by(node_id=village.id)).all()
    assert len(meetings) >= 10 and all(m.minutes for m in meetings)
    statuses = dict(db.session.execute(select(GridWorkAttendance.status, func.count())
                                       .group_by(GridWorkAttendance.status)).all())
    assert statuses["absent"] == 1 and statuses["excused"] == 1 and statuses["present"] > 30
    workers = figures.workers_under(village)
    assert len(workers) == 4
    short = figures.below_minimum(workers, local_today().year)
    assert len(short) == 1
    states = [leave.state for leave in db.session.scalars(select(GridWorkLeave))]
    assert sorted(states) == ["approved", "approved", "pending"]
    away = db.session.scalars(figures.away_query(village, local_today())).all()
    assert len(away) == 1 and away[0].cover is not None
    signed = set(db.session.scalars(select(GridWorkLetter.worker_id).filter_by(
        year=local_today().year)))
    assert len(signed) == 3
    assert db.session.scalar(select(User).filter_by(username="gridworker4")) is not None
