"""The 民情日志: a worker's local day gathered from what the portal already holds — the visits
they recorded (by the visit's date), the cases they reported (created that day), the steps they
took on cases (the timeline's events by them, the report itself left out), their patrols with
the points passed and the cases found, and errands (代办: the 代办服务 cases, category
``proxy_service`` as the core's 代办台账 counts them, that they reported or acted on that day) —
with their own notes. 日清 freezes the day: the figures and lists are kept in ``summary`` and the
notes no longer change. 周结 sums a Monday-to-Sunday week and lists what is still open."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from portal import audit
from portal.cases.models import Case, CaseEvent
from portal.cases.workflow import OPEN_STATES
from portal.documents.ledgers import ERRAND  # the errands (代办服务) as the 代办台账 counts them
from portal.errors import DomainError
from portal.extensions import db
from portal.people.models import Household, Visit
from portal.timeutil import local_today, to_local, utc_bounds, utcnow

from .models import GridWorkLogDay, GridWorkPatrol

#: The day's figures, in the order the pages show them.
FIGURES = ("visits", "cases", "actions", "patrols", "points", "found", "errands")


@dataclass
class Day:
    """One worker's day as shown: figures, the rows behind them, notes, closed or not."""

    day: date
    figures: dict
    visits: list = field(default_factory=list)
    cases: list = field(default_factory=list)
    actions: list = field(default_factory=list)
    patrols: list = field(default_factory=list)
    notes: str = ""
    closed_at: object = None
    record: GridWorkLogDay | None = None

    @property
    def closed(self) -> bool:
        return self.closed_at is not None


def gather(worker, day: date) -> dict:
    """The day's figures and rows, computed now (JSON-ready: what closing stores)."""
    since, until = utc_bounds(day, day)
    visits = db.session.execute(
        select(Visit.id, Household.address).join(Household, Household.id == Visit.household_id)
        .where(Visit.user_id == worker.id, Visit.visited_on == day).order_by(Visit.id)).all()
    reported = db.session.execute(
        select(Case.id, Case.number, Case.title, Case.category)
        .where(Case.reporter_id == worker.id, Case.created_at >= since, Case.created_at < until)
        .order_by(Case.id)).all()
    actions = db.session.execute(
        select(CaseEvent.case_id, CaseEvent.action, CaseEvent.at, Case.number, Case.category)
        .join(Case, Case.id == CaseEvent.case_id)
        .where(CaseEvent.user_id == worker.id, CaseEvent.action != "report",
               CaseEvent.at >= since, CaseEvent.at < until)
        .order_by(CaseEvent.at, CaseEvent.id)).all()
    patrols = db.session.scalars(
        select(GridWorkPatrol).where(GridWorkPatrol.worker_id == worker.id,
                                     GridWorkPatrol.day == day)
        .options(joinedload(GridWorkPatrol.points)).order_by(GridWorkPatrol.started_at)
    ).unique().all()
    errands = {row.id for row in reported if row.category == ERRAND} | \
        {row.case_id for row in actions if row.category == ERRAND}
    patrol_rows = [{"id": p.id, "started": f"{to_local(p.started_at):%H:%M}",
                    "ended": f"{to_local(p.ended_at):%H:%M}" if p.ended_at else None,
                    "points": len(p.points), "found": sum(1 for pt in p.points if pt.case_id),
                    "note": p.note or ""} for p in patrols]
    return {
        "figures": {"visits": len(visits), "cases": len(reported), "actions": len(actions),
                    "patrols": len(patrols), "points": sum(r["points"] for r in patrol_rows),
                    "found": sum(r["found"] for r in patrol_rows), "errands": len(errands)},
        "visits": [{"id": v.id, "address": v.address} for v in visits],
        "cases": [{"id": c.id, "number": c.number, "title": c.title} for c in reported],
        "actions": [{"case_id": a.case_id, "number": a.number, "action": a.action,
                     "at": f"{to_local(a.at):%H:%M}"} for a in actions],
        "patrols": patrol_rows,
    }


def record_of(worker, day: date) -> GridWorkLogDay | None:
    return db.session.scalar(select(GridWorkLogDay).filter_by(worker_id=worker.id, day=day))


def day_of(worker, day: date) -> Day:
    """The day as shown: from its summary once closed, else gathered now."""
    record = record_of(worker, day)
    if record is not None and record.closed_at is not None and record.summary:
        data = json.loads(record.summary)
    else:
        data = gather(worker, day)
    return Day(day=day, figures=data["figures"], visits=data["visits"], cases=data["cases"],
               actions=data["actions"], patrols=data["patrols"],
               notes=(record.notes or "") if record else "",
               closed_at=record.closed_at if record else None, record=record)


def _check_day(day: date) -> None:
    if day > local_today():
        raise DomainError(_("不能填写以后的民情日志。"))


def _record_for(worker, day: date) -> GridWorkLogDay:
    record = record_of(worker, day)
    if record is None:
        record = GridWorkLogDay(worker_id=worker.id, grid_id=worker.scope_id, day=day)
        db.session.add(record)
    return record


def save_notes(worker, day: date, notes: str) -> GridWorkLogDay:
    _check_day(day)
    record = _record_for(worker, day)
    if record.closed_at is not None:
        raise DomainError(_("这一天已经日清，不能再修改。"), "notes")
    record.notes = (notes or "").strip() or None
    return record


def close(worker, day: date, notes: str | None = None) -> GridWorkLogDay:
    """日清: freeze the day's figures (and the notes, when given, saved first)."""
    _check_day(day)
    record = _record_for(worker, day)
    if record.closed_at is not None:
        raise DomainError(_("这一天已经日清。"))
    if notes is not None:
        record.notes = notes.strip() or None
    data = gather(worker, day)
    record.summary = json.dumps(data, ensure_ascii=False)
    record.closed_at = utcnow()
    db.session.flush()
    audit.record("grid_work.log_close", record, scope_code=worker.scope.code, user=worker,
                 day=day.isoformat(), **data["figures"])
    return record


# ---------------------------------------------------------------- 周结


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass
class Week:
    monday: date
    days: list
    sums: dict
    open_cases: list
    overdue: list


def week_of(worker, day: date) -> Week:
    """Monday–Sunday around ``day`` (days after today left out), the sums, and what is still
    open: the worker's cases not closed (reported by them or given to them) and the households
    of their grid overdue for a visit."""
    monday = monday_of(day)
    today = local_today()
    days = [day_of(worker, monday + timedelta(days=n)) for n in range(7)
            if monday + timedelta(days=n) <= today]
    sums = {name: sum(d.figures.get(name, 0) for d in days) for name in FIGURES}
    open_cases = db.session.scalars(
        select(Case).where(Case.state.in_(OPEN_STATES),
                           (Case.reporter_id == worker.id) | (Case.assignee_id == worker.id))
        .order_by(Case.created_at).limit(200)).all()
    overdue = db.session.scalars(
        select(Household).where(Household.grid_id == worker.scope_id,
                                Household.moved_out_at.is_(None),
                                Household.visit_due_on < today)
        .order_by(Household.visit_due_on, Household.id).limit(200)).all()
    return Week(monday=monday, days=days, sums=sums, open_cases=list(open_cases),
                overdue=list(overdue))


def closed_days(worker_ids: list[int], since: date, until: date) -> dict[int, int]:
    """Days closed (日清) per worker in [since, until]."""
    if not worker_ids:
        return {}
    rows = db.session.execute(
        select(GridWorkLogDay.worker_id, func.count())
        .where(GridWorkLogDay.worker_id.in_(worker_ids), GridWorkLogDay.day >= since,
               GridWorkLogDay.day <= until, GridWorkLogDay.closed_at.is_not(None))
        .group_by(GridWorkLogDay.worker_id)).all()
    return {worker_id: count for worker_id, count in rows}
