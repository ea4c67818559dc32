"""The mediation ladder, declared once like the case workflow: which action leads from which
states to which, at what level of the grid tree one must stand to take it, and what it needs.
Views, buttons, the statistics and the tests all read this table.

The township plans' route for an ordinary dispute: 驻片调处 (the grid's cadre mediates on the
spot) → 两委会商 (the village committees consult and name who handles it) → 书面上报 (the village
reports in writing to the town's office) → 归口办理 (the town gives it to the responsible office,
with helping units and a leading cadre) → 联合调处 (joint mediation of several offices or
villages). An agreement ends any step; follow-up visits after it; a broken agreement reopens
the dispute where it was agreed. A major (red) dispute is reported to the town at once (先行上报).
"""
from __future__ import annotations

from dataclasses import dataclass

STATES = ("grid", "village", "reported", "town", "joint", "agreed", "closed")
OPEN_STATES = ("grid", "village", "reported", "town", "joint")
#: The level of the grid tree that handles a dispute in each open state.
STATE_LEVEL = {"grid": "grid", "village": "village", "reported": "town", "town": "town",
               "joint": "town"}
#: A user's standing, from their scope's level (a special grid is a base grid).
LEVEL_RANK = {"grid": 0, "special": 0, "village": 1, "town": 2, "county": 3}
#: Each open state's deadline, in working days from when the dispute entered it (a town
#: changes them on its rules page).
DEFAULT_DAYS = {"grid": 3, "village": 5, "reported": 2, "town": 10, "joint": 15}


@dataclass(frozen=True)
class Action:
    name: str
    sources: tuple
    #: None: the state stays (a note of what was done).
    target: str | None
    permission: str
    #: The lowest level (LEVEL_RANK) from which one may take it.
    rank: int = 0
    needs_note: bool = True


ACTIONS = {a.name: a for a in (
    Action("note", OPEN_STATES, None, "disputes.mediate"),
    Action("to_village", ("grid",), "village", "disputes.mediate"),
    Action("report", ("village",), "reported", "disputes.mediate", rank=1),
    Action("assign", ("reported",), "town", "disputes.assign", rank=2),
    Action("joint", ("town",), "joint", "disputes.assign", rank=2),
    Action("agree", OPEN_STATES, "agreed", "disputes.mediate", needs_note=False),
    Action("terminate", OPEN_STATES, "closed", "disputes.mediate"),
    Action("close", ("agreed",), "closed", "disputes.mediate", needs_note=False),
    Action("reopen", ("agreed",), None, "disputes.mediate"),
)}


def rank_of(user) -> int:
    return LEVEL_RANK[user.scope.level]


def state_rank(state: str) -> int:
    return LEVEL_RANK[STATE_LEVEL.get(state, "grid")]


def may(user, dispute, name: str) -> bool:
    """Whether ``user`` may take action ``name`` on ``dispute`` now: its state, the user's
    permission and scope, and the level they stand at (a grid worker cannot assign a town office;
    nobody below the level handling it acts on a dispute the village or town holds)."""
    from portal.permissions import can

    action = ACTIONS[name]
    if dispute.state not in action.sources or not can(user, action.permission, dispute):
        return False
    rank = rank_of(user)
    if rank < action.rank:
        return False
    if dispute.state in OPEN_STATES and rank < state_rank(dispute.state):
        return False
    if name in ("close", "reopen") and dispute.agreement is not None:
        if name == "close" and any(f.done_on is None for f in dispute.agreement.followups):
            return False  # closed after the last follow-up visit
        return rank >= LEVEL_RANK[STATE_LEVEL[dispute.agreement.level]]
    return True


def available(user, dispute) -> list[str]:
    return [name for name in ACTIONS if may(user, dispute, name)]
