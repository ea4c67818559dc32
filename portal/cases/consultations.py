"""Coordination cases (协调性): consultations (会商) and the case's lead (包案领导).

"确实解决不了的要及时进行会商、拿出解决的时间节点和方案" (13710) and "对重大复杂疑难的矛盾纠纷 …
确定包案领导、责任单位": a dispatcher at the case's level (or above) schedules a consultation on a
coordination case, or on any open case they choose to consult on, with its date and time, place,
the departments and people involved and a plan; once it has taken place its minutes and
decisions are recorded. Both go on the case's timeline. The same dispatchers may name a lead: a
town or county leader answerable for the case. The caller commits.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import gettext as _

from portal.cases.kind_models import Consultation
from portal.cases.models import Case, CaseEvent
from portal.cases.workflow import OPEN_STATES, level_index, user_level
from portal.departments.services import offered_for_case
from portal import audit
from portal.errors import DomainError
from portal.extensions import db
from portal.timeutil import local_date, utcnow

if TYPE_CHECKING:
    from portal.auth.models import User
    from portal.departments.models import Department

__all__ = ["Consultation", "may_consult", "schedule", "record_minutes", "lead_candidates",
           "name_lead", "consultations_of"]

#: The roles a lead may have: the town's and the county's leaders and their departments.
LEAD_ROLES = ("town_admin", "county_admin", "dept_staff")
#: The levels a lead stands at.
LEAD_LEVELS = ("town", "county")


def _event(case: Case, user: User, action: str, note: str) -> None:
    """The step on the case's timeline, and in the audit log (who convened, minuted or named a
    lead is an official's act)."""
    db.session.add(CaseEvent(case=case, user_id=user.id, action=action, from_state=case.state,
                             to_state=case.state, note=note))
    audit.record(f"case.{action}", case, scope_code=case.grid.code, user=user,
                 number=case.number, note=note)


def at_case_level(user: User, case: Case) -> bool:
    """Whether ``user`` stands at the case's handling level or above."""
    return level_index(user_level(user)) >= level_index(case.level)


def may_dispatch(user: User, case: Case) -> bool:
    """A dispatcher (cases.dispatch) of the case's tree at its level or above."""
    from portal.permissions import can

    return bool(getattr(user, "is_authenticated", False)) and can(user, "cases.dispatch", case) \
        and at_case_level(user, case)


def may_consult(user: User, case: Case) -> bool:
    """Whether ``user`` may schedule a consultation on ``case`` or name its lead now."""
    return case.state in OPEN_STATES and may_dispatch(user, case)


def consultations_of(case: Case) -> list[Consultation]:
    return list(db.session.scalars(db.select(Consultation).filter_by(case_id=case.id)
                                   .order_by(Consultation.scheduled_at, Consultation.id)))


def _text(value: str | None, field: str, message: str, limit: int | None = None) -> str:
    text = (value or "").strip()
    if not text:
        raise DomainError(message, field)
    if limit and len(text) > limit:
        raise DomainError(_("不能超过%(n)d个字。", n=limit), field)
    return text


def schedule(case: Case, user: User, *, scheduled_at: datetime | None, place: str | None,
             departments: str | None, participants: str | None,
             plan: str | None, invited: Iterable[Department] = ()) -> Consultation:
    """Schedule a consultation; ``scheduled_at`` is naive UTC. Raises DomainError (with the
    field) when it may not be scheduled or something is missing."""
    if not may_consult(user, case):
        raise DomainError(_("只有事件所在层级及以上的交办人员可以安排会商，且事件须在办理中。"))
    if scheduled_at is None:
        raise DomainError(_("请填写会商时间。"), "scheduled_at")
    if local_date(scheduled_at) < local_date(case.created_at):
        raise DomainError(_("会商时间不能早于事件上报的日期。"), "scheduled_at")
    consultation = Consultation(
        case_id=case.id, case=case, scheduled_at=scheduled_at,
        place=_text(place, "place", _("请填写会商地点。"), 100),
        departments=(departments or "").strip()[:200] or None,
        participants=_text(participants, "participants", _("请填写参加会商的人员。"), 2000),
        plan=_text(plan, "plan", _("请填写会商方案。"), 4000),
        scheduled_by_id=user.id, created_at=utcnow())
    consultation.invited = list(invited)
    offered = {d.id for d in offered_for_case(case)}
    if any(d.id not in offered for d in consultation.invited):
        raise DomainError(_("请选择本镇或本县的部门。"), "invited")
    db.session.add(consultation)
    _event(case, user, "consult_schedule", _consultation_note(consultation))
    db.session.flush()
    return consultation


def _consultation_note(consultation: Consultation) -> str:
    """What the timeline says of a scheduled consultation: when and where, with whom (data only:
    the panel above the timeline shows each part with its label)."""
    from portal.timeutil import to_local

    parts = [f"{to_local(consultation.scheduled_at):%Y-%m-%d %H:%M}", consultation.place]
    parts += [d.name for d in consultation.invited]
    if consultation.departments:
        parts.append(consultation.departments)
    return " · ".join(parts)


def record_minutes(consultation: Consultation, user: User, *, minutes: str | None,
                   decisions: str | None) -> Consultation:
    """Record what the consultation found and decided, once, after it took place."""
    case = consultation.case
    if not may_dispatch(user, case):
        raise DomainError(_("只有事件所在层级及以上的交办人员可以记录会商纪要。"))
    if consultation.recorded_at is not None:
        raise DomainError(_("这次会商的纪要已经记录。"))
    if consultation.scheduled_at > utcnow():
        raise DomainError(_("会商尚未举行，举行后再记录纪要。"))
    consultation.minutes = _text(minutes, "minutes", _("请填写会商纪要。"), 4000)
    consultation.decisions = _text(decisions, "decisions", _("请填写决定事项。"), 4000)
    consultation.recorded_by_id = user.id
    consultation.recorded_at = utcnow()
    _event(case, user, "consult_minutes", f"{consultation.minutes}\n{consultation.decisions}")
    db.session.flush()
    return consultation


def lead_candidates(case: Case) -> list[User]:
    """Who may lead the case: the active leaders and department staff of its town and county."""
    from portal.auth.models import User
    from portal.grids.models import Grid
    from portal.tenancy import codes_above

    return list(db.session.scalars(
        db.select(User).join(Grid, Grid.id == User.scope_id)
        .where(Grid.code.in_(codes_above(case.grid.code)), Grid.level.in_(LEAD_LEVELS),
               User.role.in_(LEAD_ROLES), User.is_active_flag.is_(True))
        .order_by(Grid.code.desc(), User.display_name, User.id)))


def name_lead(case: Case, user: User, lead: User | None) -> Case:
    """Name (or change) the case's lead; ``lead`` must be one of ``lead_candidates(case)``."""
    if not may_consult(user, case):
        raise DomainError(_("只有事件所在层级及以上的交办人员可以确定包案领导，且事件须在办理中。"))
    if lead is None or lead not in lead_candidates(case):
        raise DomainError(_("请选择本镇或县里的领导作为包案领导。"), "lead")
    if case.lead_id == lead.id:
        raise DomainError(_("%(name)s已经是这个事件的包案领导。", name=lead.display_name), "lead")
    case.lead_id = lead.id
    case.lead = lead
    _event(case, user, "lead", lead.display_name)
    db.session.flush()
    return case
