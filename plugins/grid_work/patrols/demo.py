"""Demo patrols for 文星镇 (the demo town): the module on; QR checkpoints in two grids of 城西社区;
for each grid worker of the town, patrols on most working days of the last ~75 days (so this
quarter and the last have patrol days, with gaps), most with a few points and some with
coordinates at the checkpoints; the cases the worker reported from their grid in that time linked
as found on the patrol of their day (the core's demo cases, dated as they are: nothing is
backdated); the 民情日志 closed (日清) on most days with a note, yesterday's left open. All in
the past; written in bulk. Idempotent: a town with patrols is left alone."""
from __future__ import annotations

import json
import random
import secrets
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from portal.auth.models import User
from portal.cases.models import Case
from portal.extensions import db
from portal.grids.models import GRID, VILLAGE, Grid
from portal.tenancy import in_subtree_where_on
from portal.timeutil import local_date, local_today, to_local, to_utc, utcnow

from ..demo_workers import days_back, demo_workers
from .log import gather
from .models import GridWorkCheckpoint, GridWorkLogDay, GridWorkPatrol, GridWorkPatrolPoint
from .services import MODULE

TOWN_NAME = "文星镇"
VILLAGE_NAME = "城西社区"
#: What a visit made on a demo patrol day found.
VISITED = ("家中一切正常。", "老人身体尚好，已提醒防寒保暖。", "了解到需要办理医保，已告知流程。",
           "住户反映路灯不亮，已记录上报。")
#: Checkpoints of the first two grids of 城西社区 (name, metres north, metres east of the centre).
PLACES = (("石桥头", 0, 0), ("村部水塘", 120, 80), ("城西小学门口", -90, 140),
          ("老街路口", 60, -110))
CENTRE = (28.6850, 112.8870)
SEEN = ("沿线道路畅通，未见异常。", "提醒商户门前三包。", "河边护栏完好，提醒钓鱼人员注意安全。",
        "路灯正常，垃圾已清运。", "走访独居老人一户，身体尚好。", "学校门口秩序良好。")
NOTES = ("上午巡查，下午整理台账。", "协助村里做防汛检查。", "接待群众来访一次，已解答。",
         "参加社区例会。", "核对新迁入住户信息。")


def _moved(north: float, east: float) -> tuple[float, float]:
    return round(CENTRE[0] + north / 111_000, 6), round(CENTRE[1] + east / 97_000, 6)


def load(town: Grid) -> None:
    if town.name != TOWN_NAME:
        return
    from portal.modules.services import module_states, set_module

    state = module_states(town).get("grid_work")
    if state is None:  # the core's demo switched it on already; one switched off stays off
        set_module(town, "grid_work", True)
    village = db.session.scalar(select(Grid).filter_by(parent_id=town.id, level=VILLAGE,
                                                       name=VILLAGE_NAME))
    if village is not None:
        demo_workers(village)  # the colleagues patrol too (the other parts' demos find them)
    workers = list(db.session.scalars(
        select(User).join(Grid, Grid.id == User.scope_id)
        .where(User.role == "grid_worker", User.is_active_flag.is_(True),
               in_subtree_where_on(MODULE, town)).order_by(User.id)))
    if not workers or db.session.scalar(select(GridWorkPatrol.id).filter_by(
            worker_id=workers[0].id).limit(1)):
        return
    grids = list(db.session.scalars(select(Grid).filter_by(parent_id=village.id, level=GRID)
                                    .order_by(Grid.code).limit(2))) if village else []
    checkpoints: dict[int, list[GridWorkCheckpoint]] = {}
    for n, grid in enumerate(grids):
        for name, north, east in PLACES[n * 2:n * 2 + 2] if n else PLACES:
            latitude, longitude = _moved(north + n * 400, east)
            checkpoint = GridWorkCheckpoint(grid_id=grid.id, name=name, latitude=latitude,
                                            longitude=longitude, token=secrets.token_urlsafe(16),
                                            created_at=utcnow() - timedelta(days=days_back(local_today()) + 5))
            db.session.add(checkpoint)
            checkpoints.setdefault(grid.id, []).append(checkpoint)
    db.session.flush()
    for worker in workers:
        _worker(worker, checkpoints.get(worker.scope_id, []), random.Random(worker.id))
    db.session.flush()


def _at(day: date, hour: int, minute: int) -> datetime:
    return to_utc(datetime.combine(day, time(hour, minute)))


def _worker(worker: User, checkpoints: list, rng: random.Random) -> None:
    today = local_today()
    now = utcnow()
    back_to = days_back(today)
    since, until = to_utc(datetime.combine(today - timedelta(days=back_to), time.min)), now
    found: dict[date, Case] = {}
    for case in db.session.scalars(select(Case).where(
            Case.reporter_id == worker.id, Case.source == "patrol",
            Case.grid_id == worker.scope_id, Case.created_at >= since, Case.created_at < until)
            .order_by(Case.created_at).limit(4)):
        if 1 <= to_local(case.created_at).hour < 21:  # a patrol of that day could have found it
            found.setdefault(local_date(case.created_at), case)
    patrols = []
    for back in range(back_to, 0, -1):  # today is left for the worker to do
        day = today - timedelta(days=back)
        if day not in found and (day.weekday() >= 5 or rng.random() < 0.15):
            continue  # weekends and a few missed days: the gaps the figures show
        started = _at(day, 8 + rng.randint(0, 1), rng.randint(0, 59))
        patrols.append(GridWorkPatrol(
            worker_id=worker.id, grid_id=worker.scope_id, day=day, started_at=started,
            ended_at=started + timedelta(minutes=50 + rng.randint(0, 70)),
            note=rng.choice(SEEN), created_at=started))
    db.session.add_all(patrols)
    db.session.flush()
    points = []
    for patrol in patrols:
        at = patrol.started_at
        for checkpoint in rng.sample(checkpoints, k=min(len(checkpoints), rng.randint(1, 3))):
            at += timedelta(minutes=rng.randint(8, 15))
            points.append(GridWorkPatrolPoint(
                patrol_id=patrol.id, checkpoint_id=checkpoint.id, at=at,
                latitude=checkpoint.latitude, longitude=checkpoint.longitude))
        if not checkpoints or rng.random() < 0.4:
            at += timedelta(minutes=rng.randint(5, 10))
            points.append(GridWorkPatrolPoint(patrol_id=patrol.id, at=at,
                                              note=rng.choice(SEEN)))
        case = found.get(patrol.day)
        if case is not None:
            # the patrol of that day found the case: it was under way when the case came in
            patrol.started_at = min(patrol.started_at, case.created_at - timedelta(minutes=20))
            patrol.ended_at = max(patrol.ended_at, case.created_at + timedelta(minutes=15))
            patrol.created_at = patrol.started_at
            points.append(GridWorkPatrolPoint(patrol_id=patrol.id, at=case.created_at,
                                              latitude=case.latitude, longitude=case.longitude,
                                              note=case.title, case_id=case.id))
    db.session.add_all(points)
    db.session.flush()
    _visits(worker, patrols, today - timedelta(days=back_to), rng)
    _logs(worker, today, rng, back_to)


def _visits(worker: User, patrols: list, since: date, rng: random.Random) -> None:
    """The worker's visits of the previous quarter, made on patrol days: each household of the
    grid the core demo has visited (the register's households are all "registered" the day the
    demo is built, so those never visited owe nothing before it) about once a month, a few
    missed, so that last quarter's assessment has visits to measure. A household's latest visit
    stays the core demo's where that is later."""
    from portal.people.models import Visit

    visited = sorted(set(db.session.scalars(select(Visit.household_id).where(
        Visit.grid_id == worker.scope_id))))
    days = sorted({p.day for p in patrols if p.day >= since})
    quarter_end = since.replace(month=since.month + 2, day=28) + timedelta(days=4)
    quarter_end = quarter_end.replace(day=1)  # the day after the previous quarter
    months = [[d for d in days if d.month == month and d < quarter_end]
              for month in (since.month, since.month + 1, since.month + 2)]
    visits = [Visit(household_id=household_id, grid_id=worker.scope_id, user_id=worker.id,
                    visited_on=day, found=rng.choice(VISITED),
                    created_at=_at(day, 10, rng.randint(0, 59)))
              for household_id in visited for month in months if month
              if rng.random() >= 0.1 for day in [rng.choice(month)]]
    db.session.add_all(visits)
    db.session.flush()


def _logs(worker: User, today: date, rng: random.Random, back_to: int) -> None:
    """Most days closed in the evening with their figures; yesterday left open."""
    days = []
    for back in range(back_to, 1, -1):
        day = today - timedelta(days=back)
        if day.weekday() >= 5 or rng.random() < 0.1:
            continue
        closed = _at(day, 21, rng.randint(0, 50))  # after the day's patrols, in the evening
        days.append(GridWorkLogDay(worker_id=worker.id, grid_id=worker.scope_id, day=day,
                                   notes=rng.choice(NOTES), closed_at=closed, created_at=closed,
                                   summary=json.dumps(gather(worker, day), ensure_ascii=False)))
    db.session.add_all(days)
