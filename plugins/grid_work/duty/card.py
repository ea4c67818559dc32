"""The admins' dashboard card: this month's meetings and their attendance rate, the workers
short of the year's training credits, and who is away today (a few queries for any scope)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select

from portal.extensions import db
from portal.grids.models import Grid
from portal.tenancy import in_subtree_where_on
from portal.timeutil import local_today

from .figures import EXCUSED, MODULE, PRESENT, away_query, below_minimum, workers_under
from .models import GridWorkAttendance, GridWorkMeeting


@dataclass
class Figures:
    meetings: int
    present: int
    counted: int
    below: int
    away: int

    @property
    def rate(self) -> int | None:
        """Attendance in whole per cent, None when nobody was expected."""
        return round(100 * self.present / self.counted) if self.counted else None


def figures(scope: Grid) -> Figures:
    today = local_today()
    first = today.replace(day=1)
    inside = in_subtree_where_on(MODULE, scope)
    meetings = db.session.scalar(
        select(func.count(GridWorkMeeting.id)).join(Grid, Grid.id == GridWorkMeeting.node_id)
        .where(inside, GridWorkMeeting.cancelled_at.is_(None),
               GridWorkMeeting.held_on >= first, GridWorkMeeting.held_on <= today)) or 0
    present, counted = db.session.execute(
        select(func.sum(case((GridWorkAttendance.status == PRESENT, 1), else_=0)),
               func.sum(case((GridWorkAttendance.status != EXCUSED, 1), else_=0)))
        .join(GridWorkMeeting, GridWorkMeeting.id == GridWorkAttendance.meeting_id)
        .join(Grid, Grid.id == GridWorkMeeting.node_id)
        .where(inside, GridWorkMeeting.cancelled_at.is_(None),
               GridWorkMeeting.held_on >= first, GridWorkMeeting.held_on <= today)).one()
    below = len(below_minimum(workers_under(scope), today.year))
    away = db.session.scalar(select(func.count()).select_from(away_query(scope, today)
                                                               .subquery())) or 0
    return Figures(meetings=meetings, present=int(present or 0), counted=int(counted or 0),
                   below=below, away=away)
