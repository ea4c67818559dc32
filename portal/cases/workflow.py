"""The closed loop, declared once: which action leads from which states to which, who may take it
and what it needs. Views, buttons and tests all read this table.

收 report → 交 assign → 办 start / resolve → 督 (escalate, supervision) → 结 close → 评 evaluate,
with reopen (a reporter whose problem came back must be heard) and duplicate.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

STATES = ("received", "assigned", "in_progress", "escalated", "resolved", "closed", "evaluated",
          "duplicate")
OPEN_STATES = ("received", "assigned", "in_progress", "escalated")
DONE_STATES = ("resolved", "closed", "evaluated")

#: The handling level a user stands at, from their scope's level.
USER_LEVEL = {"grid": "grid", "special": "grid", "village": "village", "town": "town",
              "county": "county"}
LEVEL_ORDER = ("grid", "village", "town", "county")

if TYPE_CHECKING:
    from portal.auth.models import User
    from portal.cases.models import Case


@dataclass(frozen=True)
class Action:
    name: str
    sources: tuple
    target: str | None  # None: the state does not change (feedback)
    permission: str
    #: The note is required (what was done, why it goes up, the reason to reopen ...).
    needs_note: bool = False
    #: Only dispatchers at or above the case's level may take it.
    at_level: bool = False


ACTIONS = {a.name: a for a in (
    Action("assign", ("received", "escalated"), "assigned", "cases.dispatch", at_level=True),
    Action("start", ("assigned",), "in_progress", "cases.handle"),
    Action("feedback", ("received", "assigned", "in_progress", "escalated"), None,
           "cases.handle", needs_note=True),
    Action("escalate", ("received", "assigned", "in_progress", "escalated"), "escalated",
           "cases.handle",
           needs_note=True, at_level=True),
    Action("resolve", ("assigned", "in_progress"), "resolved", "cases.handle", needs_note=True),
    Action("close", ("resolved",), "closed", "cases.dispatch", needs_note=True),
    Action("evaluate", ("closed",), "evaluated", "cases.evaluate"),
    Action("reopen", ("closed", "evaluated"), "in_progress", "cases.dispatch", needs_note=True),
    Action("duplicate", ("received", "assigned", "in_progress"), "duplicate", "cases.dispatch",
           needs_note=True),
    # a department's steps (portal.departments; who may: departments.services.department_may):
    # return to the level that assigned it (退回), ask another department to help (协办), answer
    # such a request; none of them resets a deadline
    Action("return", ("assigned", "in_progress"), "received", "cases.handle", needs_note=True),
    Action("assist", ("assigned", "in_progress"), None, "cases.handle", needs_note=True),
    Action("assist_answer", OPEN_STATES, None, "cases.handle", needs_note=True),
)}


def level_index(level: str) -> int:
    return LEVEL_ORDER.index(level)


def user_level(user: User) -> str:
    return USER_LEVEL[user.scope.level]


def may(user: User, case: Case, action_name: str) -> bool:
    """Whether ``user`` may take ``action_name`` on ``case`` now (state, role, scope, level)."""
    from portal.permissions import can

    action = ACTIONS[action_name]
    if case.state not in action.sources:
        return False
    if action_name == "escalate" and case.level == "county":
        return False  # nowhere further up
    if action_name == "evaluate" and case.reporter_id == getattr(user, "id", None):
        return True  # the reporter evaluates their own case
    if action_name == "reopen" and case.reporter_id == getattr(user, "id", None):
        return True  # and may say the problem came back
    if not can(user, action.permission, case):
        return False
    from portal.departments.services import department_may

    if not department_may(user, case, action_name):
        return False
    if action.at_level and level_index(user_level(user)) < level_index(case.level):
        return False
    return True


def available(user: User, case: Case) -> list[str]:
    return [name for name in ACTIONS if may(user, case, name)]
