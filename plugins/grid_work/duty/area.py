"""The duty part's answers to the module's hooks (gathered by plugins/grid_work/__init__.py):
audit labels, menu links, today's items, the admins' card, the leave notifications, who is away
on a grid's page and its public notice board, and the demo."""
from __future__ import annotations

from flask import render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from portal.permissions import can

VIEW, OWN, MANAGE = "grid_work.view", "grid_work.own", "grid_work.manage"


def audit_labels() -> dict:
    return {
        "actions": {
            "grid_work.meeting_call": _l("召开网格员例会"),
            "grid_work.meeting_checkin": _l("例会扫码签到"),
            "grid_work.meeting_mark": _l("记录例会出勤"),
            "grid_work.meeting_minutes": _l("填写例会纪要"),
            "grid_work.meeting_cancel": _l("取消例会"),
            "grid_work.training_add": _l("登记网格员培训"),
            "grid_work.training_attendees": _l("登记完成培训的网格员"),
            "grid_work.leave_request": _l("网格员申请请假"),
            "grid_work.leave_approve": _l("批准网格员请假"),
            "grid_work.leave_reject": _l("不批准网格员请假"),
            "grid_work.leave_cancel": _l("撤销网格员请假"),
            "grid_work.letter_add": _l("上传网格员责任书"),
        },
        "objects": {
            "GridWorkMeeting": _l("网格员例会"), "GridWorkAttendance": _l("例会出勤"),
            "GridWorkTraining": _l("网格员培训"), "GridWorkLeave": _l("网格员请假"),
            "GridWorkLetter": _l("网格员责任书"), "GridWorkTrainingAttendee": _l("培训参加人"),
        },
        "fields": {
            "invited": _l("参会人数"), "checkin": _l("签到"), "meeting": _l("例会"),
            "worker": _l("网格员"), "before": _l("原值"), "status": _l("出勤"),
            "minutes": _l("会议纪要"), "decisions": _l("议定事项"), "credits": _l("学分"),
            "attendees": _l("完成培训的网格员"), "until": _l("结束日期"), "cover": _l("代管"),
            "year": _l("年度"),
        },
    }


def menu_links(user, town) -> list:
    from portal.plugins import MenuLink

    if not (can(user, VIEW) or can(user, OWN)):
        return []
    return [MenuLink(362, str(_l("例会培训")), url_for("grid_work_duty.meetings")),
            MenuLink(363, str(_l("请假")), url_for("grid_work_duty.leave_list"))]


def notification_events() -> dict:
    from .notices import EVENTS

    return dict(EVENTS)


def today_items(user, scope) -> list:
    from .today import items

    return items(user, scope)


def dashboard_cards(scope, user) -> list:
    if not can(user, VIEW):
        return []
    from portal.plugins import Card

    from .card import figures

    body = Markup(render_template("grid_work/duty/_card.html", figures=figures(scope)))
    return [Card(362, str(_l("网格员例会与请假")), body, url_for("grid_work_duty.meetings"))]


def template_slot(name, context):
    """Who is away today and who covers the grid: on a grid's page (any node: its subtree) and
    on a base grid's public notice board. The reason stays private."""
    if name not in ("grid_bottom", "public_notice"):
        return None
    from portal.extensions import db
    from portal.timeutil import local_today

    from .figures import away_query

    grid = context.get("grid")
    if grid is None:
        return None
    leaves = list(db.session.scalars(away_query(grid, local_today())))
    if not leaves:
        return None
    lines = [(_("%(name)s 外出(至%(d)s)，由%(cover)s代管", name=leave.worker.display_name,
                d=leave.ends_on.isoformat(), cover=leave.cover.display_name)
              if leave.cover else
              _("%(name)s 外出(至%(d)s)", name=leave.worker.display_name,
                d=leave.ends_on.isoformat()))
             for leave in leaves]
    return Markup(render_template("grid_work/duty/_away.html", lines=lines,
                                  public=name == "public_notice"))


def demo(town) -> None:
    from .demo import load

    load(town)
