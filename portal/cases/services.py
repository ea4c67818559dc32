"""Reporting cases and moving them through the loop. Every change goes through ``act`` (or
``report``), which checks the workflow table, writes the timeline and tells the modules; the caller
commits."""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING

from flask_babel import gettext as _

from portal import audit
from portal.cases import deadlines
from portal.cases.calendar import WorkCalendar
from portal.cases.models import CATEGORIES, KINDS, SOURCES, Case, CaseEvent, CasePhoto
from portal.cases.workflow import ACTIONS, LEVEL_ORDER, may
from portal.departments import services as departments
from portal.errors import DomainError
from portal.extensions import db
from portal.grids.models import GRID, SPECIAL, TOWN, Grid
from portal.plugins import host
from portal.tenancy import in_subtree, town_of
from portal.timeutil import utcnow
from portal.validators import is_phone, normalise_phone

if TYPE_CHECKING:
    from portal.auth.models import User
    from portal.departments.models import Department
    from portal.people.models import Household


def _event(case: Case, user: User | None, action: str, old: str | None, new: str,
           note: str | None = None, public_reply: str | None = None) -> None:
    db.session.add(CaseEvent(case=case, user_id=getattr(user, "id", None), action=action,
                             from_state=old, to_state=new, note=note or None,
                             public_reply=public_reply or None))


def report(grid: Grid, *, category: str, title: str, description: str, source: str,
           kind: str = "general", reporter: User | None = None, reporter_name: str | None = None,
           reporter_phone: str | None = None, household: Household | None = None,
           address: str | None = None, latitude: float | None = None,
           longitude: float | None = None, major: bool = False, photos: Iterable[str] = (),
           handled_on_the_spot: str | None = None, intake: bool = False) -> Case:
    """Receive a case (收). A general case handled on the spot by the grid worker is recorded as
    resolved in the same step. ``intake``: received into a town's intake queue (use
    ``report_unplaced``)."""
    if grid.level not in ((TOWN,) if intake else (GRID, SPECIAL)) or not grid.active:
        raise DomainError(_("请选择事件发生的网格。"), "grid")
    from portal.cases.settings_views import town_categories

    if category not in CATEGORIES or category not in town_categories(town_of(grid)):
        raise DomainError(_("请选择事件类别。"), "category")
    if kind not in KINDS:
        raise DomainError(_("请选择事件性质。"), "kind")
    if source not in SOURCES:
        raise DomainError(_("未知的事件来源。"), "source")
    title, description = (title or "").strip(), (description or "").strip()
    if not title or len(title) > 100:
        raise DomainError(_("请填写标题(不超过100个字)。"), "title")
    if not description:
        raise DomainError(_("请描述事件经过。"), "description")
    phone = normalise_phone(reporter_phone or "") or None
    if reporter is None and not phone:
        raise DomainError(_("请留下联系电话，以便把办理结果告诉您。"), "reporter_phone")
    if phone and not is_phone(phone):
        raise DomainError(_("请输入有效的手机号(11位)或座机号(如 0730-1234567)。"), "reporter_phone")
    for value, low, high, field in ((latitude, -90, 90, "latitude"),
                                    (longitude, -180, 180, "longitude")):
        if value is not None and not low <= value <= high:
            raise DomainError(_("坐标超出范围。"), field)
    if handled_on_the_spot is not None and kind != "general":
        raise DomainError(_("只有一般性事件可以当场办结。"), "kind")

    case = Case(number=uuid.uuid4().hex[:20], grid_id=grid.id, grid=grid, category=category,
                kind=kind, major=bool(major), title=title, description=description,
                address=(address or "").strip() or None, latitude=latitude, longitude=longitude,
                source=source, reporter_id=getattr(reporter, "id", None),
                reporter_name=(reporter_name or "").strip() or getattr(reporter, "display_name", None),
                reporter_phone=phone, household_id=getattr(household, "id", None),
                # emergencies go to the town at once; everything else starts in the grid
                level="town" if kind == "emergency" or intake else "grid", state="received")
    case.created_at = utcnow()
    deadlines.set_deadlines(case, deadlines.local_date(case.created_at), start_at=case.created_at)
    db.session.add(case)
    db.session.flush()
    case.number = f"{deadlines.local_date(case.created_at):%Y%m%d}-{case.id:06d}"
    for name in photos:
        db.session.add(CasePhoto(case_id=case.id, filename=name))
    _event(case, reporter, "report", None, "received")
    host().notify(grid, "case_created", case=case, actor=reporter)
    if handled_on_the_spot is not None:
        if not (handled_on_the_spot or "").strip():
            raise DomainError(_("请写明当场是怎么处理的。"), "handled_on_the_spot")
        case.assignee_id = getattr(reporter, "id", None)
        case.assigned_at = case.resolved_at = case.feedback_at = utcnow()
        case.state = "resolved"
        _event(case, reporter, "resolve", "received", "resolved", handled_on_the_spot)
        host().notify(grid, "case_state_changed", case=case, old="received", new="resolved",
                      action="resolve", actor=reporter)
    return case


def act(case: Case, user: User, action_name: str, note: str | None = None, *,
        assignee: User | None = None, department: Department | None = None,
        satisfaction: int | None = None, duplicate_of: Case | None = None,
        public_reply: str | None = None) -> Case:
    """Take one step of the loop; raises DomainError when it is not allowed or incomplete.
    ``public_reply`` (答复群众): what the reporter may read of this step, on the steps that offer
    it (portal.cases.public_view.REPLY_ACTIONS); the note stays internal."""
    action = ACTIONS.get(action_name)
    if action is None or not may(user, case, action_name):
        raise DomainError(_("当前状态下不能执行这个操作，或您没有这个权限。"))
    note = (note or "").strip()
    if action.needs_note and not note:
        raise DomainError(_("请填写说明。"), "note")
    old = case.state
    now = utcnow()
    if action_name == "assign":
        if assignee is None and department is None:
            raise DomainError(_("请选择承办人或承办部门。"), "assignee")
        if assignee is not None and not in_subtree(case.grid.code, assignee.scope):
            raise DomainError(_("承办人不负责这个网格。"), "assignee")
        departments.check_assigned(case, department)
        case.assignee_id = getattr(assignee, "id", None)
        case.department = department  # its inbox (portal.departments)
        case.assigned_at = now
        if department is not None:
            note = "\n".join(filter(None, (_("承办部门：%(d)s", d=department.name), note)))
    elif action_name == "escalate":
        case.level = LEVEL_ORDER[LEVEL_ORDER.index(case.level) + 1]
        case.assignee_id, case.department = None, None
    elif action_name in departments.DEPARTMENT_ACTIONS:  # 退回, 协办, 协办答复
        note = departments.take_step(case, user, action_name, note, department)
    elif action_name == "feedback":
        case.feedback_at = case.feedback_at or now
    elif action_name == "resolve":
        case.resolved_at = now
        case.feedback_at = case.feedback_at or now
    elif action_name == "close":
        case.closed_at = now
    elif action_name == "evaluate":
        if satisfaction not in (1, 2, 3, 4, 5):
            raise DomainError(_("请选择1到5分的满意度。"), "satisfaction")
        case.satisfaction, case.evaluation = satisfaction, note or None
    elif action_name == "reopen":
        case.resolved_at = case.closed_at = None
        case.satisfaction = None
        case.episode += 1  # a new episode: its deadlines, lights and supervision start afresh
        deadlines.set_deadlines(case, deadlines.today(), start_at=now)
    elif action_name == "duplicate":
        if duplicate_of is None or duplicate_of.id == case.id:
            raise DomainError(_("请填写重复的原事件编号。"), "duplicate_of")
        original = duplicate_of.duplicate_of or duplicate_of  # follow the chain to the original
        case.duplicate_of_id = original.id
    if action.target:
        case.state = action.target
    if action_name == "close" and case.satisfaction is not None:
        case.state = "evaluated"  # the reporter rated it while it was resolved (public_view.rate)
    from portal.cases.public_view import REPLY_ACTIONS

    public_reply = (public_reply or "").strip() if action_name in REPLY_ACTIONS else ""
    if len(public_reply) > 2000:
        raise DomainError(_("答复群众的内容不能超过2000字。"), "public_reply")
    _event(case, user, action_name, old, case.state, note, public_reply)
    if action.target and action.target != old:
        host().notify(case.grid, "case_state_changed", case=case, old=old, new=case.state,
                      action=action_name, actor=user)
    db.session.flush()
    return case


def sweep(on: date | None = None) -> dict[str, int]:
    """For cron: raise a supervision notice (督办) for every step of an open case that has gone
    red — assignment, feedback or solution — once per step and episode, and settle the notices
    whose step is done or whose case left the loop or was reopened; notify the notices and the
    cases turned yellow or red (portal.notifications.case_events). Idempotent."""
    from portal.cases.models import SupervisionNotice
    from portal.cases.workflow import OPEN_STATES
    from portal.notifications import case_events

    on = on or deadlines.today()
    calendar = WorkCalendar(on.year - 1, on.year + 1)
    raised = settled = 0
    open_cases = db.session.scalars(db.select(Case).where(Case.state.in_(OPEN_STATES))).all()
    notified = set(db.session.execute(db.select(
        SupervisionNotice.case_id, SupervisionNotice.episode, SupervisionNotice.step)).all())
    for case in open_cases:
        for step in deadlines.pending_steps(case):
            if (case.id, case.episode, step) in notified:
                continue
            if deadlines.step_light(case, step, on, calendar) != deadlines.RED:
                continue
            notice = SupervisionNotice(case_id=case.id, level=case.level, step=step,
                                       episode=case.episode)
            db.session.add(notice)
            case_events.supervised(case, notice)  # the people who must act, in this transaction
            audit.record("case.supervise", case, scope_code=case.grid.code, number=case.number,
                         level=case.level, step=step, episode=case.episode)
            raised += 1
    for notice in db.session.scalars(db.select(SupervisionNotice).where(
            SupervisionNotice.resolved_at.is_(None))):
        case = notice.case
        if (case.state not in OPEN_STATES or case.episode != notice.episode
                or deadlines.done_at(case, notice.step) is not None):
            notice.resolved_at = utcnow()
            settled += 1
    case_events.sweep_lights(on)  # my case turned yellow or red (once per step and colour)
    db.session.flush()
    return {"raised": raised, "settled": settled}


# ---------------------------------------------------------------- the town's intake queue
# (portal/cases/intake.py; placement by coordinates in portal/cases/placement.py)


def is_unplaced(case: Case) -> bool:
    """A case waiting in its town's intake queue (待分派): received into the town's own grid
    record because no base grid could be found for it."""
    return case.grid.level == TOWN


def report_unplaced(town: Grid, **fields: object) -> Case:
    """Receive a case that could not be placed in a base grid (only an address, coordinates
    outside every boundary, or no location at all) into ``town``'s intake queue, at the town's
    level, with what it says of its place; a dispatcher puts it into a grid (``place``). Takes
    the arguments of ``report`` but a household and "handled on the spot", which need a grid."""
    if fields.get("household") is not None or fields.get("handled_on_the_spot") is not None:
        raise DomainError(_("请选择事件发生的网格。"), "grid")
    return report(town, intake=True, **fields)  # type: ignore[arg-type]  # report checks them


def place(case: Case, grid: Grid, user: User) -> Case:
    """Put an intake case into the base ``grid`` of its town (放入网格): its level becomes the
    grid's (an emergency stays with the town), audited, with a step on its timeline."""
    from portal.cases.workflow import OPEN_STATES
    from portal.permissions import can

    if not is_unplaced(case):
        raise DomainError(_("这个事件已经在网格里了。"))
    if case.state not in OPEN_STATES or not can(user, "cases.dispatch", case):
        raise DomainError(_("当前状态下不能执行这个操作，或您没有这个权限。"))
    if (grid is None or grid.level not in (GRID, SPECIAL) or not grid.active
            or not in_subtree(grid.code, case.grid) or not in_subtree(grid.code, user.scope)):
        raise DomainError(_("请选择本镇的基础网格。"), "grid")
    town = case.grid
    case.grid_id, case.grid = grid.id, grid
    if case.level == "town" and case.kind != "emergency":
        case.level = "grid"
    _event(case, user, "place", case.state, case.state, f"{town.name} → {grid.name}")
    audit.record("case.place", case, scope_code=grid.code, user=user, number=case.number,
                 grid=grid.code, old_grid=town.code)
    db.session.flush()
    return case
