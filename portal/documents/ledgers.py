"""Two monthly 台账 of a grid node, landscape A4: 走访台账 (every visit to the node's households in
the period) and 代办台账 (the 代办服务 cases received in the period under the node). Both name
residents, so every copy is audited (sensitive)."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, true
from sqlalchemy.orm import contains_eager, joinedload

from portal.cases.models import Case
from portal.documents import A4, DocumentType, Period
from portal.documents.letters import issuer_of
from portal.extensions import db
from portal.grids.models import GRID, SPECIAL, TOWN, VILLAGE, Grid
from portal.people.models import Visit
from portal.tenancy import in_subtree
from portal.timeutil import utc_bounds

#: The nodes a ledger may be of: a town, a village, a base or special grid (not the county:
#: a county's month is too long a ledger to print; its towns print theirs).
LEDGER_LEVELS = (TOWN, VILLAGE, GRID, SPECIAL)
#: The category of the 代办 cases (portal.cases.models.CATEGORIES).
ERRAND = "proxy_service"


def _period(period: Period | None) -> Period:
    # the view always gives one (period=True); a caller without one gets this month
    if period is not None:
        return period
    from portal.timeutil import local_today

    return Period.month_of(local_today())


def grid_namer(node: Grid):
    """How a row names its grid: in a town's ledger with its village (every village may have a
    第一网格), under a village by its own name."""
    def name(grid: Grid) -> str:
        parent = grid.parent
        if node.level == TOWN and parent is not None and parent.level == VILLAGE:
            return f"{parent.name} {grid.name}"
        return grid.name

    return name


# ---------------------------------------------------------------- 走访台账


def visits_in(node: Grid, period: Period) -> list[Visit]:
    """The visits to households of ``node``'s grids (the grid at the time of the visit) in the
    period, by grid code and day, with their household, grid and visitor."""
    return list(db.session.scalars(
        select(Visit).join(Grid, Grid.id == Visit.grid_id)
        .where(in_subtree(Grid.code, node), Visit.visited_on >= period.since,
               Visit.visited_on <= period.until)
        .options(contains_eager(Visit.grid), joinedload(Visit.household),
                 joinedload(Visit.user))
        .order_by(Grid.code, Visit.visited_on, Visit.id)))


def visits_context(node: Grid, period: Period | None) -> dict:
    period = _period(period)
    visits = visits_in(node, period)
    return {"node": node, "issuer": issuer_of(node), "visits": visits,
            "grid_name": grid_namer(node),
            "households": len({v.household_id for v in visits})}


def visits_title(node: Grid, period: Period | None) -> str:
    return _("%(node)s 走访台账 %(period)s", node=node.name, period=_period(period).label)


# ---------------------------------------------------------------- 代办台账


def errands_in(node: Grid, period: Period) -> list[Case]:
    """The 代办服务 cases received under ``node`` on the period's local days, in the order they
    came in; merged duplicates left out (the same errand asked twice is one errand), and for
    department staff only the cases they see (portal.tenancy.narrowed)."""
    start, end = utc_bounds(period.since, period.until)
    return list(db.session.scalars(
        select(Case).join(Grid, Grid.id == Case.grid_id)
        .where(in_subtree(Grid.code, node), Case.category == ERRAND, Case.state != "duplicate",
               Case.created_at >= start, Case.created_at < end, _narrowing())
        .options(contains_eager(Case.grid), joinedload(Case.assignee),
                 joinedload(Case.department))
        .order_by(Case.created_at, Case.id)))


def _narrowing() -> Any:
    from flask import has_request_context

    from portal.tenancy import narrowed

    # outside a request there is no user to narrow for (the batch worker makes no ledgers)
    return narrowed(Case) if has_request_context() else true()


def errands_context(node: Grid, period: Period | None) -> dict:
    from portal.cases.forms import STATE_LABELS
    from portal.people.masking import mask_phone

    period = _period(period)
    errands = errands_in(node, period)
    return {"node": node, "issuer": issuer_of(node), "errands": errands,
            "grid_name": grid_namer(node),
            "phones": {c.id: mask_phone(c.reporter_phone) for c in errands},
            "resolved": sum(1 for c in errands if c.resolved_at is not None),
            "STATE_LABELS": STATE_LABELS}


def errands_title(node: Grid, period: Period | None) -> str:
    return _("%(node)s 代办台账 %(period)s", node=node.name, period=_period(period).label)


TYPES = (
    DocumentType(
        "visits_ledger", _l("走访台账"), Grid, "people.view", "documents/visits_ledger.html",
        visits_context, visits_title, size=A4, landscape=True, period=True,
        levels=LEDGER_LEVELS, sensitive=True,
        description=_l("所选月份每一次入户走访：日期、网格、住户、走访人、发现情况和跟进，附合计。")),
    DocumentType(
        "errands_ledger", _l("代办台账"), Grid, "cases.view", "documents/errands_ledger.html",
        errands_context, errands_title, size=A4, landscape=True, period=True,
        levels=LEDGER_LEVELS, sensitive=True,
        description=_l("所选月份受理的代办服务事项：群众、事项、承办人、办结日期、状态和满意度。")),
)
