"""What a "today" list is made of: items (a number that links to its list) with a few rows.

Kept free of Flask and the database so that the home page, the printed day sheet, the plain-text
digest and the modules (through the ``today_items`` hook) all speak the same small language.
"""
from __future__ import annotations

from dataclasses import dataclass, field

RED, YELLOW, NONE = "red", "yellow", "none"
#: How urgent an item or a row is, for sorting: red before yellow before the rest.
SEVERITY = {RED: 2, YELLOW: 1, NONE: 0, "green": 0, None: 0}


@dataclass
class TodayRow:
    """One thing to do (a household to visit, a case to handle), with its own link and light."""

    label: str
    url: str | None = None
    #: "red", "yellow", "green" or None: the row's traffic light.
    light: str | None = None
    #: A short second line: the deadline, the grid, the step.
    meta: str = ""
    #: Per-step lights of a case ((step name, light) pairs), shown as small dots.
    steps: tuple = ()
    #: The printed day sheet groups rows by this (the hamlet/villager group or the building).
    group: str = ""
    #: Rows of one group are printed in this order (house number, then household number).
    sort_key: tuple = ()


@dataclass
class TodayItem:
    """A kind of work waiting for the user today: ``count`` of them, listed in full at ``url``."""

    key: str
    label: str
    count: int
    url: str | None = None
    #: RED (something is late), YELLOW (due soon) or NONE.
    urgency: str = NONE
    #: The first rows (the most urgent first); the list at ``url`` has them all.
    rows: list[TodayRow] = field(default_factory=list)
    #: Position on the page: lower first (the core uses 10-90, modules 100 and up).
    order: int = 100
    #: A short remark beside the number ("逾期 3").
    note: str = ""
    #: Which module added it (None for the core).
    module: str | None = None

    @property
    def severity(self) -> int:
        return SEVERITY.get(self.urgency, 0)


def worst(lights) -> str:
    """The item's urgency from its rows' lights."""
    found = set(lights)
    return RED if RED in found else (YELLOW if YELLOW in found else NONE)
