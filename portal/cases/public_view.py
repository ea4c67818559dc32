"""What a reporter may read of their case, and their rating: the one place that decides it, for
/my/cases (a logged-in resident) and /track (anyone with the case number and the phone's last
four digits).

The rule is explicit: a reporter reads the case's state, its dates and the public replies
(``CaseEvent.public_reply``, written by staff in the "答复群众" field of the feedback, resolve and
close steps) — never a step's ``note`` (staff's working notes), who handled it, their phone, the
department's internal exchanges, or anything about other people. A step is shown when it changed
the state or carries a public reply; a department's return or an assist request changes nothing a
reporter needs and says it in notes, so only its state change shows.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import gettext as _

from portal.cases.models import Case, CaseEvent
from portal.cases.workflow import ACTIONS
from portal.errors import DomainError
from portal.extensions import db
from portal.plugins import host

if TYPE_CHECKING:
    from portal.auth.models import User

#: The states in which the reporter may rate the case (once per handling: a reopened case may
#: be rated again).
RATABLE = ("resolved", "closed")
#: The steps whose form offers the "答复群众" field.
REPLY_ACTIONS = ("feedback", "resolve", "close")


@dataclass(frozen=True)
class PublicStep:
    """One line of the timeline as a reporter reads it."""

    at: datetime
    #: The state the case reached (a key of STATE_LABELS).
    state: str
    #: What staff chose to tell the reporter on this step, or None.
    reply: str | None


def public_timeline(case: Case) -> list[PublicStep]:
    """The reporter's view of ``case.events``: states, dates and public replies only."""
    steps = []
    for event in case.events:
        changed = event.action == "report" or event.from_state != event.to_state
        if changed or event.public_reply:
            steps.append(PublicStep(at=event.at, state=event.to_state,
                                    reply=event.public_reply or None))
    return steps


def may_rate(case: Case) -> bool:
    return case.state in RATABLE and case.satisfaction is None


def rate(case: Case, satisfaction: int | None, comment: str | None, *,
         user: User | None = None, action: str = "evaluate") -> Case:
    """Record the reporter's rating (满意度 1-5 and a comment), once.

    The workflow's evaluate step (portal.cases.workflow) moves a closed case to "evaluated" and
    keeps the rating in ``Case.satisfaction``/``evaluation``, as staff's 代群众评价 does; a reporter
    may rate as soon as the case is resolved, before the dispatcher closes it: the rating is
    kept and the case stays resolved (closing a rated case makes it evaluated, see
    services.act). ``user``: the logged-in reporter, the officer who called back, or None for a
    reporter known by their phone. ``action``: "evaluate", or "callback" for a call-back."""
    if not may_rate(case):
        raise DomainError(_("这个事件现在不能评价，或已经评价过了。"))
    if satisfaction not in (1, 2, 3, 4, 5):
        raise DomainError(_("请选择1到5分的满意度。"), "satisfaction")
    comment = (comment or "").strip()[:2000] or None
    old = case.state
    case.satisfaction, case.evaluation = satisfaction, comment
    if old == "closed":
        case.state = ACTIONS["evaluate"].target or old
    db.session.add(CaseEvent(case=case, user_id=getattr(user, "id", None), action=action,
                             from_state=old, to_state=case.state, note=comment))
    if case.state != old:
        host().notify(case.grid, "case_state_changed", case=case, old=old, new=case.state,
                      action=action, actor=user)
    db.session.flush()
    return case


def last_four(phone: str | None) -> str | None:
    """The last four digits of a phone (a landline's dash and area code count as digits)."""
    digits = "".join(c for c in phone or "" if c.isdigit())
    return digits[-4:] if len(digits) >= 4 else None
