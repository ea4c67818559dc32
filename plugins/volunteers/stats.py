"""Figures of the volunteer service under a grid node: grouped queries, merged per team and
month in Python (a handful of rows)."""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select

from portal.extensions import db
from portal.grids.models import Grid
from portal.tenancy import in_subtree_where_on
from portal.timeutil import local_today, months_back, sql_month, to_utc, utc_bounds

from .models import (VolunteersActivity, VolunteersClaim, VolunteersProxy, VolunteersSignup,
                     VolunteersTeam, VolunteersVolunteer)

@dataclass
class Figures:
    volunteers: int = 0
    teams: int = 0
    #: {(team name, "YYYY-MM"): minutes}
    minutes: dict = field(default_factory=dict)
    months: list = field(default_factory=list)
    proxies_open: int = 0
    proxies_done: int = 0
    rated: int = 0
    satisfied: int = 0
    average: float | None = None

    @property
    def team_names(self):
        return sorted({team for team, _ in self.minutes})

    def hours(self, team, month) -> float:
        return round(self.minutes.get((team, month), 0) / 60, 1)

    def month_hours(self, month) -> float:
        return round(sum(m for (_, mo), m in self.minutes.items() if mo == month) / 60, 1)

    @property
    def total_hours(self) -> float:
        return round(sum(self.minutes.values()) / 60, 1)

    @property
    def satisfied_share(self) -> int | None:
        return round(100 * self.satisfied / self.rated) if self.rated else None


def figures(scope: Grid, until: date | None = None, months: int = 12) -> Figures:
    until = until or local_today()
    keys = months_back(until, months)
    since = to_utc(datetime(int(keys[0][:4]), int(keys[0][5:]), 1))
    result = Figures(months=keys)
    result.volunteers = db.session.scalar(
        select(func.count(VolunteersVolunteer.id)).join(Grid, Grid.id == VolunteersVolunteer.grid_id)
        .where(in_subtree_where_on("volunteers", scope),
               VolunteersVolunteer.left_on.is_(None))) or 0
    result.teams = db.session.scalar(select(func.count(VolunteersTeam.id))
                                     .join(Grid, Grid.id == VolunteersTeam.grid_id)
                                     .where(in_subtree_where_on("volunteers", scope))) or 0
    minutes = defaultdict(int)
    served = sql_month(VolunteersActivity.starts_at)
    for team, month, total in db.session.execute(
            select(VolunteersTeam.name, served, func.sum(VolunteersSignup.minutes))
            .join(VolunteersActivity, VolunteersActivity.id == VolunteersSignup.activity_id)
            .join(VolunteersTeam, VolunteersTeam.id == VolunteersActivity.team_id)
            .join(Grid, Grid.id == VolunteersTeam.grid_id)
            .where(in_subtree_where_on("volunteers", scope),
                   VolunteersSignup.confirmed_at.is_not(None),
                   VolunteersActivity.starts_at >= since)
            .group_by(VolunteersTeam.name, served)):
        minutes[(team, month)] += int(total or 0)
    worked = sql_month(VolunteersClaim.worked_on, local=False)
    for team, month, total in db.session.execute(
            select(VolunteersTeam.name, worked, func.sum(VolunteersClaim.minutes))
            .join(VolunteersTeam, VolunteersTeam.id == VolunteersClaim.team_id)
            .join(Grid, Grid.id == VolunteersTeam.grid_id)
            .where(in_subtree_where_on("volunteers", scope), VolunteersClaim.status == "approved",
                   VolunteersClaim.worked_on >= since.date())
            .group_by(VolunteersTeam.name, worked)):
        minutes[(team, month)] += int(total or 0)
    result.minutes = {key: value for key, value in minutes.items() if key[1] in keys}
    proxies = (select(VolunteersProxy.status, func.count(VolunteersProxy.id),
                      func.count(VolunteersProxy.satisfaction),
                      func.sum((VolunteersProxy.satisfaction >= 4).cast(db.Integer)),
                      func.avg(VolunteersProxy.satisfaction))
               .join(Grid, Grid.id == VolunteersProxy.grid_id)
               .where(in_subtree_where_on("volunteers", scope))
               .group_by(VolunteersProxy.status))
    for status, count, rated, satisfied, average in db.session.execute(proxies):
        if status in ("requested", "accepted"):
            result.proxies_open += count
        elif status == "done":
            result.proxies_done = count
            result.rated, result.satisfied = rated, int(satisfied or 0)
            result.average = round(float(average), 2) if average is not None else None
    return result


def volunteer_minutes(volunteer_id: int) -> int:
    """Confirmed and approved service of one volunteer, in minutes."""
    signed = db.session.scalar(select(func.coalesce(func.sum(VolunteersSignup.minutes), 0))
                               .where(VolunteersSignup.volunteer_id == volunteer_id,
                                      VolunteersSignup.confirmed_at.is_not(None))) or 0
    claimed = db.session.scalar(select(func.coalesce(func.sum(VolunteersClaim.minutes), 0))
                                .where(VolunteersClaim.volunteer_id == volunteer_id,
                                       VolunteersClaim.status == "approved")) or 0
    return int(signed) + int(claimed)


def hours_by_grid(grid_ids: list[int], since: date, until: date) -> dict[int, float]:
    """{grid id: hours} of the volunteers belonging to each grid, between two local dates."""
    start, end = utc_bounds(since, until)
    minutes = defaultdict(int)
    for grid_id, total in db.session.execute(
            select(VolunteersVolunteer.grid_id, func.sum(VolunteersSignup.minutes))
            .join(VolunteersSignup, VolunteersSignup.volunteer_id == VolunteersVolunteer.id)
            .join(VolunteersActivity, VolunteersActivity.id == VolunteersSignup.activity_id)
            .where(VolunteersVolunteer.grid_id.in_(grid_ids),
                   VolunteersSignup.confirmed_at.is_not(None),
                   VolunteersActivity.starts_at >= start, VolunteersActivity.starts_at < end)
            .group_by(VolunteersVolunteer.grid_id)):
        minutes[grid_id] += int(total or 0)
    for grid_id, total in db.session.execute(
            select(VolunteersVolunteer.grid_id, func.sum(VolunteersClaim.minutes))
            .join(VolunteersClaim, VolunteersClaim.volunteer_id == VolunteersVolunteer.id)
            .where(VolunteersVolunteer.grid_id.in_(grid_ids), VolunteersClaim.status == "approved",
                   VolunteersClaim.worked_on >= since, VolunteersClaim.worked_on <= until)
            .group_by(VolunteersVolunteer.grid_id)):
        minutes[grid_id] += int(total or 0)
    return {grid_id: round(m / 60, 2) for grid_id, m in minutes.items()}
