"""Approval cases (审批性), declared once like the loop (portal.cases.workflow): the steps of an
approval, who may take each, and what each leads to.

"网格员掌握信息，社区(村)受理，镇政府相关部门审核，领导审批后，由网格员通知或直接送达": an approval
case is accepted (受理), reviewed (审核) and approved (批准); at any step the one who may take it
may instead return it (退回) with the reason. Each step is an ApprovalStep row (who, when, why)
and an event on the case's timeline. Approved, the case is resolved through the loop
(``services.act(case, user, "resolve", note)``), so it goes on to be closed with feedback and
evaluated; returned, it stays open with the reason on its timeline (the applicant is told when
the case is closed with feedback), and a corrected application may be accepted again.
The caller commits.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask_babel import gettext as _

from portal import audit
from portal.cases.kind_models import ApprovalStep
from portal.cases.models import CaseEvent
from portal.cases.workflow import OPEN_STATES, level_index, user_level
from portal.errors import DomainError
from portal.extensions import db
from portal.timeutil import utcnow

if TYPE_CHECKING:
    from portal.auth.models import User
    from portal.cases.models import Case

#: Where an approval stands: before any step (None), after each step, or returned.
STAGES = (None, "accepted", "reviewed", "approved", "returned")
PASSED, RETURNED = "passed", "returned"
#: The stages that end the approval: the decision (审批决定书) can be printed.
DECIDED = ("approved", "returned")


@dataclass(frozen=True)
class Step:
    name: str
    #: The stages it follows.
    after: tuple[str | None, ...]
    #: The stage it leads to when it passes.
    target: str
    permission: str
    #: The lowest level the user must stand at, whatever the case's level (the town approves).
    min_level: str = "grid"


STEPS = {s.name: s for s in (
    # a handler at the case's level or above (社区(村)受理); again after a return
    Step("accept", (None, "returned"), "accepted", "cases.handle"),
    # a handler at the case's level or above (镇政府相关部门审核)
    Step("review", ("accepted",), "reviewed", "cases.handle"),
    # a dispatcher at town level or above (领导审批)
    Step("approve", ("reviewed",), "approved", "cases.dispatch", min_level="town"),
)}
#: What a user may do next: take the step due, or return the application at that step.
ACTIONS = (*STEPS, "return")


def steps_of(case: Case) -> list[ApprovalStep]:
    return list(db.session.scalars(db.select(ApprovalStep).filter_by(case_id=case.id)
                                   .order_by(ApprovalStep.at, ApprovalStep.id)))


def stage(case: Case, steps: list[ApprovalStep] | None = None) -> str | None:
    """Where the approval stands, from its last step."""
    steps = steps_of(case) if steps is None else steps
    if not steps:
        return None
    last = steps[-1]
    return RETURNED if last.decision == RETURNED else STEPS[last.step].target


def due_step(case: Case, steps: list[ApprovalStep] | None = None) -> Step | None:
    """The step to take next, or None once approved."""
    now = stage(case, steps)
    return next((s for s in STEPS.values() if now in s.after), None)


def _may_take(user: User, case: Case, step: Step) -> bool:
    from portal.permissions import can

    if not getattr(user, "is_authenticated", False) or case.kind != "approval":
        return False
    if case.state not in OPEN_STATES:
        return False
    level = level_index(user_level(user))
    return (can(user, step.permission, case) and level >= level_index(case.level)
            and level >= level_index(step.min_level))


def available(user: User, case: Case, steps: list[ApprovalStep] | None = None) -> list[str]:
    """The actions ``user`` may take now: the due step and returning at that step."""
    step = due_step(case, steps)
    if step is None or not _may_take(user, case, step):
        return []
    return [step.name, "return"]


def take(case: Case, user: User, action: str, note: str | None) -> ApprovalStep:
    """Take ``action`` (a step's name, or "return") with its opinion or reason."""
    from portal.cases import services

    step = due_step(case)
    if action not in ACTIONS or step is None or (action != "return" and action != step.name) \
            or not _may_take(user, case, step):
        raise DomainError(_("当前不能执行这个审批环节，或您没有这个权限。"))
    note = (note or "").strip()
    if not note:
        raise DomainError(_("请填写退回原因。") if action == "return" else _("请填写意见。"), "note")
    if len(note) > 2000:
        raise DomainError(_("不能超过%(n)d个字。", n=2000), "note")
    decision = RETURNED if action == "return" else PASSED
    row = ApprovalStep(case_id=case.id, case=case, step=step.name, decision=decision, note=note,
                       user_id=user.id, at=utcnow())
    db.session.add(row)
    # an approval is a decision of the administration: kept in the audit log as well
    audit.record(f"case.approval_{action}", case, scope_code=case.grid.code, user=user,
                 number=case.number, step=step.name, note=note)
    db.session.add(CaseEvent(case=case, user_id=user.id, action=f"approval_{action}",
                             from_state=case.state, to_state=case.state, note=note))
    db.session.flush()
    if action == "approve":
        # the loop goes on: resolved now, then closed with feedback and evaluated. A case not yet
        # taken into the loop (received, or passed up) is taken by the approver first.
        if case.state in ("received", "escalated"):
            services.act(case, user, "assign", note, assignee=user)
        services.act(case, user, "resolve", note)
    return row
