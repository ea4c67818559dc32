"""What the duty pages do to the records: call, check in, mark, minute and cancel a meeting; hold
a training and tick who completed it; request, decide and cancel leave; add a page of a signed
responsibility letter. Each writes its audit entry; a refusal is a DomainError naming the field,
raised before anything is written."""
from __future__ import annotations

import secrets
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from portal import audit
from portal.auth.models import User
from portal.errors import DomainError
from portal.extensions import db
from portal.grids.models import TOWN, VILLAGE, Grid
from portal.timeutil import local_today, utcnow
from portal.uploads import UploadError, prepare_optional, store_at_commit

from . import notices
from .figures import (ABSENT, EXCUSED, HOLDING, PRESENT, WORKER_ROLE, leave_days,
                      workers_under)
from .models import (GridWorkAttendance, GridWorkLeave, GridWorkLetter, GridWorkMeeting,
                     GridWorkTraining, GridWorkTrainingAttendee)

STATUSES = (PRESENT, ABSENT, EXCUSED)
#: A training is worth at most this many credits (in tenths): a typing slip, not a real one.
MAX_CREDIT_TENTHS = 100


def _node_for_meeting(node: Grid, field: str = "node") -> Grid:
    if node.level not in (TOWN, VILLAGE) or not node.active:
        raise DomainError(_("请选择一个镇或村(社区)。"), field=field)
    return node


# ---------------------------------------------------------------- meetings


def call_meeting(node: Grid, *, title: str, held_on: date, place: str | None = None,
                 agenda: str | None = None, actor: User | None = None) -> GridWorkMeeting:
    """A meeting of ``node``'s grid workers: each active worker under it is invited (absent
    until checked in or marked); one on approved leave that day is excused with the note 请假."""
    _node_for_meeting(node)
    meeting = GridWorkMeeting(node_id=node.id, title=title, held_on=held_on, place=place or None,
                              agenda=agenda or None, host_id=getattr(actor, "id", None),
                              checkin_token=secrets.token_hex(16),
                              created_by_id=getattr(actor, "id", None))
    db.session.add(meeting)
    db.session.flush()
    workers = workers_under(node)
    away = leave_days([w.id for w in workers], held_on, held_on)
    for worker in workers:
        excused = held_on in away[worker.id]
        db.session.add(GridWorkAttendance(meeting_id=meeting.id, worker_id=worker.id,
                                          status=EXCUSED if excused else ABSENT,
                                          note=_("请假") if excused else None))
    db.session.flush()
    audit.record("grid_work.meeting_call", meeting, scope_code=node.code, user=actor,
                 title=title, on=held_on, invited=len(workers))
    return meeting


def attendance_of(meeting: GridWorkMeeting, worker: User) -> GridWorkAttendance | None:
    return db.session.scalar(select(GridWorkAttendance).filter_by(meeting_id=meeting.id,
                                                                  worker_id=worker.id))


def check_in_refusal(meeting: GridWorkMeeting, worker: User, today: date | None = None
                     ) -> str | None:
    """Why ``worker`` may not check in to ``meeting`` today, or None (the page asks before it
    offers the button; the check-in asks again)."""
    today = today or local_today()
    if meeting.cancelled_at is not None:
        return _("这次例会已取消，无需签到。")
    if attendance_of(meeting, worker) is None:
        return _("您不在这次例会的参会名单中，请联系主持人。")
    if today != meeting.held_on:
        return _("只能在例会当天(%(d)s)扫码签到。", d=meeting.held_on.isoformat())
    return None


def check_in(meeting: GridWorkMeeting, worker: User, today: date | None = None
             ) -> GridWorkAttendance:
    """The worker opened the meeting's QR code: present, on the meeting's own local day only.
    A second scan changes nothing (the first time stays recorded)."""
    refusal = check_in_refusal(meeting, worker, today)
    if refusal:
        raise DomainError(refusal)
    row = attendance_of(meeting, worker)
    assert row is not None  # check_in_refusal refuses the uninvited
    if row.status == PRESENT and row.checked_in_at is not None:
        return row
    row.status = PRESENT
    row.checked_in_at = utcnow()
    audit.record("grid_work.meeting_checkin", row, scope_code=meeting.node.code, user=worker,
                 meeting=meeting.id)
    return row


def mark(row: GridWorkAttendance, *, status: str, note: str | None = None,
         actor: User | None = None) -> GridWorkAttendance:
    """The host marks one invited worker present, absent or excused (with a note why)."""
    meeting = row.meeting
    if meeting.cancelled_at is not None:
        raise DomainError(_("这次例会已取消，不能再记考勤。"), field="status")
    if status not in STATUSES:
        raise DomainError(_("请选择出勤情况。"), field="status")
    if status == EXCUSED and not note:
        raise DomainError(_("请假(缺席已说明)请填写原因。"), field="note")
    before = (row.status, row.note)
    row.status = status
    row.note = note or None
    audit.record("grid_work.meeting_mark", row, scope_code=meeting.node.code, user=actor,
                 meeting=meeting.id, worker=row.worker.display_name,
                 before=before[0], status=status, note=note or None)
    return row


def write_minutes(meeting: GridWorkMeeting, *, minutes: str, decisions: str | None = None,
                  actor: User | None = None) -> GridWorkMeeting:
    if meeting.cancelled_at is not None:
        raise DomainError(_("这次例会已取消，不能填写纪要。"), field="minutes")
    if meeting.held_on > local_today():
        raise DomainError(_("例会开过之后才能填写纪要。"), field="minutes")
    meeting.minutes = minutes
    meeting.decisions = decisions or None
    audit.record("grid_work.meeting_minutes", meeting, scope_code=meeting.node.code, user=actor,
                 minutes=minutes, decisions=decisions or None)
    return meeting


def cancel_meeting(meeting: GridWorkMeeting, actor: User | None = None) -> GridWorkMeeting:
    """Called off: kept and shown as cancelled; it counts for nobody."""
    if meeting.cancelled_at is not None:
        raise DomainError(_("这次例会已经取消。"))
    meeting.cancelled_at = utcnow()
    audit.record("grid_work.meeting_cancel", meeting, scope_code=meeting.node.code, user=actor,
                 title=meeting.title, on=meeting.held_on)
    return meeting


# ---------------------------------------------------------------- trainings


def hold_training(node: Grid, *, title: str, held_on: date, credit_tenths: int,
                  hours: int | None = None, note: str | None = None,
                  actor: User | None = None) -> GridWorkTraining:
    _node_for_meeting(node)
    if not 0 < credit_tenths <= MAX_CREDIT_TENTHS:
        raise DomainError(_("学分应在0.1到10之间。"), field="credits")
    if held_on > local_today():
        raise DomainError(_("培训日期不能晚于今天(培训结束后再登记)。"), field="held_on")
    training = GridWorkTraining(node_id=node.id, title=title, held_on=held_on, hours=hours,
                                credit_tenths=credit_tenths, note=note or None,
                                created_by_id=getattr(actor, "id", None))
    db.session.add(training)
    db.session.flush()
    audit.record("grid_work.training_add", training, scope_code=node.code, user=actor,
                 title=title, on=held_on, credits=credit_tenths / 10)
    return training


def set_attendees(training: GridWorkTraining, worker_ids: list[int],
                  actor: User | None = None) -> GridWorkTraining:
    """Who completed the training: the workers of its node ticked (a worker who has left since
    keeps the row ticked before)."""
    current = {a.worker_id: a for a in training.attendees}
    allowed = {w.id for w in workers_under(training.node)} | set(current)
    wanted = set(worker_ids)
    if wanted - allowed:
        raise DomainError(_("只能勾选本村(镇)的网格员。"), field="attendees")
    for worker_id in sorted(wanted - set(current)):
        db.session.add(GridWorkTrainingAttendee(training_id=training.id, worker_id=worker_id))
    for worker_id in sorted(set(current) - wanted):
        db.session.delete(current[worker_id])
    db.session.flush()
    audit.record("grid_work.training_attendees", training, scope_code=training.node.code,
                 user=actor, before=sorted(current), attendees=sorted(wanted))
    db.session.expire(training, ["attendees"])
    return training


# ---------------------------------------------------------------- leave


def colleagues(worker: User) -> list[User]:
    """The active workers of the worker's village (who may cover the grid), the worker left out."""
    village = worker.scope.parent if worker.scope.parent is not None else worker.scope
    return [w for w in workers_under(village) if w.id != worker.id]


def request_leave(worker: User, *, starts_on: date, ends_on: date, reason: str,
                  cover_id: int | None = None) -> GridWorkLeave:
    if worker.role != WORKER_ROLE:
        raise DomainError(_("只有网格员可以请假。"), field="starts_on")
    if ends_on < starts_on:
        raise DomainError(_("结束日期不能早于开始日期。"), field="ends_on")
    if (ends_on - starts_on).days > 90:
        raise DomainError(_("一次请假不能超过90天。"), field="ends_on")
    clash = db.session.scalar(
        select(GridWorkLeave).where(GridWorkLeave.worker_id == worker.id,
                                    GridWorkLeave.state.in_(HOLDING),
                                    GridWorkLeave.starts_on <= ends_on,
                                    GridWorkLeave.ends_on >= starts_on)
        .order_by(GridWorkLeave.starts_on).limit(1))
    if clash is not None:
        raise DomainError(_("与您已有的请假(%(a)s至%(b)s)重叠。", a=clash.starts_on.isoformat(),
                            b=clash.ends_on.isoformat()), field="starts_on")
    cover = None
    if cover_id:
        cover = next((c for c in colleagues(worker) if c.id == cover_id), None)
        if cover is None:
            raise DomainError(_("代管人应是本村(社区)的其他在岗网格员。"), field="cover")
    leave = GridWorkLeave(worker_id=worker.id, grid_id=worker.scope_id, starts_on=starts_on,
                          ends_on=ends_on, reason=reason, cover_id=cover.id if cover else None,
                          state="pending")
    db.session.add(leave)
    db.session.flush()
    audit.record("grid_work.leave_request", leave, scope_code=worker.scope.code, user=worker,
                 since=starts_on, until=ends_on, cover=cover.display_name if cover else None)
    notices.leave_requested(leave)
    return leave


def decide_leave(leave: GridWorkLeave, *, approve: bool, note: str | None = None,
                 actor: User | None = None) -> GridWorkLeave:
    if leave.state != "pending":
        raise DomainError(_("这条请假已处理，不能再审批。"), field="note")
    if not approve and not note:
        raise DomainError(_("不批准时请写明原因。"), field="note")
    leave.state = "approved" if approve else "rejected"
    leave.decided_by_id = getattr(actor, "id", None)
    leave.decided_at = utcnow()
    leave.decision_note = note or None
    audit.record("grid_work.leave_approve" if approve else "grid_work.leave_reject", leave,
                 scope_code=leave.grid.code, user=actor, note=note or None)
    notices.leave_decided(leave)
    return leave


def cancel_leave(leave: GridWorkLeave, actor: User | None = None,
                 today: date | None = None) -> GridWorkLeave:
    """The worker withdraws a request still pending, or an approved leave not yet begun."""
    today = today or local_today()
    if leave.state == "approved" and leave.starts_on <= today:
        raise DomainError(_("已经开始的请假不能撤销。"))
    if leave.state not in HOLDING:
        raise DomainError(_("这条请假已结束处理，不能撤销。"))
    before = leave.state
    leave.state = "cancelled"
    audit.record("grid_work.leave_cancel", leave, scope_code=leave.grid.code, user=actor,
                 before=before)
    return leave


# ---------------------------------------------------------------- responsibility letters


def add_letter_page(worker: User, *, year: int, file, actor: User | None = None
                    ) -> GridWorkLetter:
    """One photographed page of the worker's signed letter for ``year``: checked now, written
    at commit; several pages are several rows."""
    if worker.role != WORKER_ROLE:
        raise DomainError(_("请选择网格员。"), field="worker")
    try:
        photo = prepare_optional(file)
    except UploadError as error:
        raise DomainError(str(error), field="photo") from error
    if photo is None:
        raise DomainError(_("请选择责任书照片。"), field="photo")
    letter = GridWorkLetter(worker_id=worker.id, grid_id=worker.scope_id, year=year,
                            photo=photo.name, uploaded_by_id=getattr(actor, "id", None))
    db.session.add(letter)
    db.session.flush()
    audit.record("grid_work.letter_add", letter, scope_code=worker.scope.code, user=actor,
                 worker=worker.display_name, year=year)
    store_at_commit(photo)
    return letter
