"""The patrols part's answers to the module's hooks (gathered by plugins/grid_work/__init__.py)."""
from datetime import timedelta

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from portal.permissions import can
from portal.plugins import Card, MenuLink


def audit_labels() -> dict:
    return {
        "actions": {
            "grid_work.patrol_start": _l("开始巡查"), "grid_work.patrol_end": _l("结束巡查"),
            "grid_work.patrol_point": _l("记录巡查点"),
            "grid_work.checkpoint_add": _l("添加巡查点"),
            "grid_work.checkpoint_retire": _l("撤下巡查点"),
            "grid_work.log_close": _l("民情日志日清"),
        },
        "objects": {"GridWorkPatrol": _l("巡查"), "GridWorkPatrolPoint": _l("巡查点记录"),
                    "GridWorkCheckpoint": _l("巡查点"), "GridWorkLogDay": _l("民情日志")},
        "fields": {"patrol": _l("巡查"), "checkpoint": _l("巡查点"), "case": _l("事件"),
                   "points": _l("巡查点数"), "day": _l("日期"), "visits": _l("走访"),
                   "cases": _l("上报事件"), "actions": _l("办理事件"), "patrols": _l("巡查次数"),
                   "found": _l("巡查发现问题"), "errands": _l("代办")},
    }


def menu_links(user, town) -> list:
    if can(user, "grid_work.own"):
        return [MenuLink(300, str(_l("我的工作")), url_for("grid_work.home"))]
    if can(user, "grid_work.view"):
        return [MenuLink(300, str(_l("网格员工作")), url_for("grid_work.workers"))]
    return []


def today_items(user, scope) -> list:
    """For a worker: no patrol yet today; yesterday's log not closed (日清)."""
    if not can(user, "grid_work.own"):
        return []
    from sqlalchemy import select

    from portal.extensions import db
    from portal.timeutil import local_today
    from portal.today.items import YELLOW, TodayItem

    from . import log
    from .models import GridWorkPatrol

    today = local_today()
    items = []
    if db.session.scalar(select(GridWorkPatrol.id).filter_by(worker_id=user.id, day=today)
                         .limit(1)) is None:
        items.append(TodayItem("grid_work.patrol", _("今天还没有巡查"), 1,
                               url_for("grid_work.home"), order=150, module="grid_work"))
    yesterday = today - timedelta(days=1)
    record = log.record_of(user, yesterday)
    if record is None or record.closed_at is None:
        items.append(TodayItem("grid_work.log", _("昨天的民情日志还没有日清"), 1,
                               url_for("grid_work.log_day",
                                       log_day=yesterday.isoformat()),
                               YELLOW, order=151, module="grid_work"))
    return items


def dashboard_cards(scope, user) -> list:
    if not can(user, "grid_work.view"):
        return []
    from flask import render_template

    from .figures import worker_rows

    body = Markup(render_template("grid_work/patrols/_card.html", rows=worker_rows(scope)))
    return [Card(300, str(_l("网格员巡查")), body, url_for("grid_work.workers"))]


def demo(town) -> None:
    from .demo import load

    load(town)
