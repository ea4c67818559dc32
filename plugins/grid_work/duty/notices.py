"""Who is told about leave: the village's admins of a new request (they decide it), the worker of
the decision. Each in their own language (portal.notifications.writing); the reason stays out of
the message (it is private to the worker and the village)."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.auth.models import User
from portal.extensions import db
from portal.notifications.writing import Composed, notify_each_language, site_path
from portal.tenancy import town_of

REQUESTED = "grid_work_leave_requested"
DECIDED = "grid_work_leave_decided"
EVENTS = {REQUESTED: _l("网格员请假待审批"), DECIDED: _l("请假审批结果")}
#: The core's role of those who decide a village's leave.
DECIDER_ROLE = "village_admin"


def deciders(leave) -> list[User]:
    """The active village admins of the worker's village (its grid's parent)."""
    village_id = leave.grid.parent_id or leave.grid_id
    return list(db.session.scalars(select(User).where(
        User.scope_id == village_id, User.role == DECIDER_ROLE, User.is_active_flag.is_(True))
        .order_by(User.id)))


def leave_requested(leave) -> int:
    worker = leave.worker

    def compose() -> Composed:
        return (_("%(name)s 申请外出请假", name=worker.display_name),
                _("%(name)s(%(grid)s)申请 %(a)s 至 %(b)s 外出请假，请审批。",
                  name=worker.display_name, grid=leave.grid.name,
                  a=leave.starts_on.isoformat(), b=leave.ends_on.isoformat()),
                {"name": worker.display_name, "since": leave.starts_on.isoformat(),
                 "until": leave.ends_on.isoformat()})

    return notify_each_language(REQUESTED, f"{REQUESTED}:{leave.id}", compose,
                                users=deciders(leave),
                                link=site_path("grid_work_duty.leave", leave_id=leave.id),
                                town=town_of(leave.grid))


def leave_decided(leave) -> int:
    approved = leave.state == "approved"

    def compose() -> Composed:
        subject = _("您的请假已批准") if approved else _("您的请假未获批准")
        body = _("%(a)s 至 %(b)s 的请假%(what)s。", a=leave.starts_on.isoformat(),
                 b=leave.ends_on.isoformat(), what=_("已批准") if approved else _("未获批准"))
        if leave.decision_note:
            body += " " + leave.decision_note
        return subject, body, {"state": leave.state, "since": leave.starts_on.isoformat()}

    return notify_each_language(DECIDED, f"{DECIDED}:{leave.id}:{leave.state}", compose,
                                users=[leave.worker],
                                link=site_path("grid_work_duty.leave", leave_id=leave.id),
                                town=town_of(leave.grid))
