"""Points for deeds the portal already knows about (issue: points follow deeds, not favour).

Each module declares the kinds of deed it rewards (hook ``points_award_sources``) and asks for
the award when a deed is confirmed (hook ``points_award_for_deed``); the town chooses on the
points rules page which rule each kind earns. The points module itself rewards a resident whose
case report the village confirmed: the case closed (办结), not marked a duplicate, counted once
however often it is reopened and closed again."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.tenancy import resident_of

from . import ledger

CASE_REPORT = "cases.report"


def own_sources() -> dict:
    return {CASE_REPORT: _l("居民上报的事件经核实办结")}


def case_closed(case, new, actor) -> None:
    if new != "closed" or case.reporter is None or case.reporter.role != "resident":
        return
    resident = resident_of(case.reporter)
    if resident is None or resident.left_at is not None or resident.grid is None:
        return
    ledger.award_for_deed(CASE_REPORT, resident,
                          _("上报事件经核实：%(title)s", title=(case.title or "")[:60]),
                          source=f"cases.case:{case.id}", actor=actor)
