"""Supervision by message, like a late case's (the worker's periodic round calls ``remind`` through
the ``scheduled_notifications`` hook, for the towns where the module is on):

- from the screening's day of the month, a grid that has not reported: its grid workers and its
  village's admins and mediators are told, once per grid and month;
- a dispute past its step's deadline: those at the level holding it (the grid's workers, the
  village's admins and mediators, or the town's), once per dispute and deadline.

The keys name the grid and month or the dispute and deadline, so later rounds add nothing and a
new deadline (the dispute moved on and is late again) is told again."""
from __future__ import annotations

from datetime import datetime, time

from flask_babel import gettext as _
from sqlalchemy import select

from portal.auth.models import User
from portal.extensions import db
from portal.grids.models import Grid
from portal.notifications.writing import Composed, notify_each_language, site_path
from portal.tenancy import in_subtree_where_on
from portal.timeutil import to_local

from . import ladder, services
from .labels import STATE_LABELS
from .models import Dispute

SCREENING_EVENT = "disputes_screening"
LATE_EVENT = "disputes_late"
#: Nobody is woken by a reminder: they start at this local time.
REMIND_FROM = time(9, 0)
#: Who is told at each level (the plugin's own role and the core's).
ROLES = {"grid": ("grid_worker",), "village": ("village_admin", "mediator"),
         "town": ("town_admin", "mediator")}


def _people(node: Grid, level: str) -> list:
    return list(db.session.scalars(select(User).where(
        User.scope_id == node.id, User.role.in_(ROLES[level]), User.is_active_flag.is_(True))
        .order_by(User.id)))


def _at_level(grid: Grid, level: str) -> list:
    """The people of ``level`` over ``grid`` (a base or special grid itself for "grid"; a
    special grid under a town has no village above it, so nobody there)."""
    node: Grid | None = grid
    if level != "grid":
        while node is not None and node.level != level:
            node = node.parent
    return _people(node, level) if node is not None else []


def remind(town: Grid, now: datetime) -> int:
    local = to_local(now)
    if local.time() < REMIND_FROM:
        return 0
    return _screening(town, local.date()) + _late(town, local.date())


def _screening(town: Grid, today) -> int:
    written = 0
    month = today.replace(day=1)
    for row in services.screening_board(town, month):
        if row.report is not None or today < row.due:
            continue
        grid = row.grid
        people = _at_level(grid, "grid") + _at_level(grid, "village")

        def compose(grid=grid, due=row.due) -> Composed:
            return (_("%(grid)s 本月矛盾纠纷排查未报告", grid=grid.name),
                    _("%(grid)s %(m)s 的矛盾纠纷排查应在 %(d)s 前报告(没有纠纷也要零报告)，请尽快报告。",
                      grid=grid.name, m=f"{month:%Y-%m}", d=due.isoformat()),
                    {"grid": grid.name, "month": f"{month:%Y-%m}"})

        written += notify_each_language(
            SCREENING_EVENT, f"{SCREENING_EVENT}:{grid.id}:{month:%Y-%m}", compose, users=people,
            link=site_path("disputes.board", month=f"{month:%Y-%m}"), town=town)
    return written


def _late(town: Grid, today) -> int:
    written = 0
    disputes = db.session.scalars(
        select(Dispute).join(Grid, Grid.id == Dispute.grid_id)
        .where(in_subtree_where_on("disputes", town), Dispute.state.in_(ladder.OPEN_STATES),
               Dispute.due_on < today).order_by(Dispute.due_on, Dispute.id)).all()
    for dispute in disputes:
        level = ladder.STATE_LEVEL[dispute.state]
        people = _at_level(dispute.grid, level)

        def compose(d=dispute) -> Composed:
            return (_("矛盾纠纷 %(n)s 已超期", n=d.number),
                    _("矛盾纠纷 %(n)s(%(step)s)的期限是 %(d)s，已超期，请尽快调处。", n=d.number,
                      step=str(STATE_LABELS[d.state]), d=d.due_on.isoformat()),
                    {"number": d.number, "due": d.due_on.isoformat()})

        written += notify_each_language(
            LATE_EVENT, f"{LATE_EVENT}:{dispute.id}:{dispute.due_on.isoformat()}", compose,
            users=people, link=site_path("disputes.show", dispute_id=dispute.id), town=town,
            urgent=dispute.risk == "red")
    return written
