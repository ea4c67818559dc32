"""The duty part's rows of the today list: for a worker, today's meetings still to check in at;
for an admin who decides leave, the requests waiting."""
from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.grids.models import Grid
from portal.permissions import can
from portal.tenancy import in_subtree_where_on
from portal.timeutil import local_today

from .figures import ABSENT, MODULE, WORKER_ROLE
from .models import GridWorkAttendance, GridWorkLeave, GridWorkMeeting

ROW_LIMIT = 50


def items(user, scope) -> list:
    from portal.today import NONE, YELLOW, TodayItem, TodayRow

    today = local_today()
    found = []
    if user.role == WORKER_ROLE and can(user, "grid_work.own"):
        meetings = db.session.scalars(
            select(GridWorkMeeting)
            .join(GridWorkAttendance, GridWorkAttendance.meeting_id == GridWorkMeeting.id)
            .where(GridWorkAttendance.worker_id == user.id, GridWorkAttendance.status == ABSENT,
                   GridWorkMeeting.held_on == today, GridWorkMeeting.cancelled_at.is_(None))
            .options(joinedload(GridWorkMeeting.node)).order_by(GridWorkMeeting.id)).all()
        rows = [TodayRow(m.title, url_for("grid_work_duty.meeting", meeting_id=m.id), YELLOW,
                         _("%(where)s · 到会后扫码签到", where=m.place or m.node.name))
                for m in meetings]
        if rows:
            found.append(TodayItem("grid_work.meeting", _("今天的例会"), len(rows),
                                   url_for("grid_work_duty.meetings"), YELLOW, rows,
                                   order=172, module=MODULE))
    elif can(user, "grid_work.manage"):
        leaves = db.session.scalars(
            select(GridWorkLeave).join(Grid, Grid.id == GridWorkLeave.grid_id)
            .where(GridWorkLeave.state == "pending", in_subtree_where_on(MODULE, scope))
            .options(joinedload(GridWorkLeave.worker), joinedload(GridWorkLeave.grid))
            .order_by(GridWorkLeave.starts_on, GridWorkLeave.id).limit(ROW_LIMIT)).all()
        rows = [TodayRow(_("%(name)s · %(a)s 至 %(b)s", name=leave.worker.display_name,
                           a=leave.starts_on.isoformat(), b=leave.ends_on.isoformat()),
                         url_for("grid_work_duty.leave", leave_id=leave.id),
                         YELLOW if leave.starts_on <= today else NONE, leave.grid.name)
                for leave in leaves]
        if rows:
            found.append(TodayItem("grid_work.leave", _("待审批的请假"), len(rows),
                                   url_for("grid_work_duty.leave_list"),
                                   YELLOW if any(r.light == YELLOW for r in rows) else NONE,
                                   rows, order=173, module=MODULE))
    return found
