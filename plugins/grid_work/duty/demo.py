"""Demo duties for the demo town 文星镇 (after the patrols part switched the module on): four
workers in 城西社区 (the demo's gridworker and three colleagues on the village's other grids,
made here when missing), weekly village meetings over the last ~75 days with minutes, most
present, one absence and one excused by leave; two trainings this year (one worker short of the
credit minimum); a past leave, one running today with a colleague covering, one waiting for the
village; this year's responsibility letters of all but one worker. Idempotent."""
from __future__ import annotations

import secrets
from datetime import date, timedelta

from PIL import Image
from sqlalchemy import select

from portal.auth.models import User
from portal.extensions import db
from portal.grids.models import VILLAGE, Grid
from portal.timeutil import local_today, utc_start_of, utcnow
from portal.uploads import photo_dir

from ..demo_workers import days_back, demo_workers
from . import services
from .figures import ABSENT, PRESENT
from .models import GridWorkLeave, GridWorkLetter, GridWorkMeeting

TOWN_NAME = "文星镇"
VILLAGE_NAME = "城西社区"
ADMIN = "chengxi"
#: The colleagues of the demo's gridworker, on the village's second to fourth grids.
COLLEAGUES = ("gridworker2", "gridworker3", "gridworker4")


def _workers(village: Grid) -> list[User]:

    return demo_workers(village)


def _photo() -> str:
    name = f"{secrets.token_hex(16)}.jpg"
    folder = photo_dir()
    folder.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (24, 32), (250, 248, 240)).save(folder / name, "JPEG")
    return name


def _leave(worker: User, cover: User | None, starts: date, ends: date, reason: str,
           admin: User) -> GridWorkLeave:
    """An approved leave written as the village decided it (no notification for the past)."""
    leave = GridWorkLeave(worker_id=worker.id, grid_id=worker.scope_id, starts_on=starts,
                          ends_on=ends, reason=reason, cover_id=cover.id if cover else None,
                          state="approved", decided_by_id=admin.id, decided_at=utcnow())
    db.session.add(leave)
    return leave


def load(town: Grid) -> None:
    if town.name != TOWN_NAME:
        return
    village = db.session.scalar(select(Grid).filter_by(parent_id=town.id, level=VILLAGE,
                                                       name=VILLAGE_NAME))
    admin = db.session.scalar(select(User).filter_by(username=ADMIN))
    if village is None or admin is None or db.session.scalar(
            select(GridWorkMeeting.id).filter_by(node_id=village.id).limit(1)):
        return
    workers = _workers(village)
    if len(workers) < 4:
        return
    today = local_today()
    days = [today - timedelta(days=3 + 7 * week) for week in range(days_back(today) // 7)]
    # leave first: the meeting held during the past leave excuses its worker by itself
    _leave(workers[1], workers[0], days[5] - timedelta(days=2), days[5], "回老家处理家事",
           admin)
    _leave(workers[2], workers[3], today - timedelta(days=1), today + timedelta(days=2),
           "陪家人到长沙住院治疗", admin)
    db.session.flush()
    services.request_leave(workers[3], starts_on=today + timedelta(days=10),
                           ends_on=today + timedelta(days=11), reason="参加孩子学校家长会",
                           cover_id=workers[0].id)

    for week, day in enumerate(reversed(days)):
        meeting = services.call_meeting(
            village, title=f"城西社区网格员周例会(第{week + 1}周)", held_on=day,
            place="城西社区党群服务中心二楼会议室",
            agenda="一、上周走访和巡查情况；二、未办结事件逐件过堂；三、本周重点工作。",
            actor=admin)
        for row in meeting.attendance:
            if row.status != ABSENT:
                continue  # excused by leave
            if day == days[2] and row.worker_id == workers[2].id:
                row.note = "未请假，未到会"
                continue
            row.status = PRESENT
            row.checked_in_at = utc_start_of(day) + timedelta(hours=8, minutes=50 + row.id % 9)
        meeting.minutes = (f"{day.month}月{day.day}日例会：各网格员汇报上周走访、巡查情况，"
                           "逐件过了未办结事件。")
        meeting.decisions = "一、独居老人本周内全部走访一遍；二、汛期巡查重点看沟渠和山塘。"

    # the spring's safety training: credits before last quarter ends (the year's credits count
    # in each quarter's assessment); workers[2] missed it
    spring = services.hold_training(village, title="网格员安全生产和防汛知识培训",
                                    held_on=date(today.year, 4, 20), hours=3, credit_tenths=10,
                                    actor=admin) if today > date(today.year, 4, 20) else None
    if spring is not None:
        services.set_attendees(spring, [w.id for w in workers if w is not workers[2]],
                               actor=admin)
    first = max(date(today.year, 1, 1), today - timedelta(days=60))
    second = max(date(today.year, 1, 1), today - timedelta(days=20))
    basics = services.hold_training(village, title="网格员业务培训：民情日志和事件上报",
                                    held_on=first, hours=3, credit_tenths=10, actor=admin)
    services.set_attendees(basics, [w.id for w in workers], actor=admin)
    mediation = services.hold_training(village, title="矛盾纠纷排查调处实务培训",
                                       held_on=second, hours=2, credit_tenths=10, actor=admin)
    # workers[2] was away: one credit this year, below the town's minimum of two
    services.set_attendees(mediation, [w.id for w in workers if w is not workers[2]],
                           actor=admin)

    for index, worker in enumerate(workers[:-1]):
        for _page in range(2 if index == 0 else 1):
            db.session.add(GridWorkLetter(worker_id=worker.id, grid_id=worker.scope_id,
                                          year=today.year, photo=_photo(),
                                          uploaded_by_id=admin.id))
    db.session.flush()
