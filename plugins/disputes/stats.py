"""The disputes' monthly statistics of a node and of each of its children (town → villages →
grids): found, mediated, terminated, the success rate, escalated, by kind, by risk and by the
ladder's level at which the agreement was reached; the screening's reports and zero reports. And
the few open figures of the home page's card."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select

from portal.extensions import db
from portal.grids.models import GRID, SPECIAL, Grid
from portal.tenancy import in_subtree_where_on
from portal.timeutil import local_today

from . import ladder
from .models import Dispute, DisputeAgreement, DisputeScreening


def month_bounds(month: date) -> tuple[date, date]:
    first = month.replace(day=1)
    return first, (first + timedelta(days=32)).replace(day=1)


@dataclass
class Row:
    code: str
    name: str
    grid_id: int
    found: int = 0
    #: disputes that reached an agreement this month (once each, whatever happened after)
    mediated: int = 0
    #: mediation ended without agreement this month (调解不成)
    terminated: int = 0
    #: found this month and climbed above the grid
    escalated: int = 0
    grids: int = 0
    reported: int = 0
    zero_reports: int = 0
    late_reports: int = 0
    kinds: Counter = field(default_factory=Counter)
    risks: Counter = field(default_factory=Counter)
    levels: Counter = field(default_factory=Counter)

    @property
    def success_rate(self) -> float | None:
        """Mediated ÷ (mediated + terminated) this month; None when nothing ended."""
        ended = self.mediated + self.terminated
        return None if ended == 0 else self.mediated / ended

    @property
    def unreported(self) -> int:
        return self.grids - self.reported


def figures(scope: Grid, month: date) -> tuple[Row, list[Row]]:
    """``scope``'s figures for ``month`` and each child's (none for a base grid)."""
    first, end = month_bounds(month)
    children = db.session.scalars(select(Grid).where(
        Grid.parent_id == scope.id, Grid.retired_at.is_(None),
        in_subtree_where_on("disputes", scope)).order_by(Grid.code)).all()
    rows = {c.code: Row(c.code, c.name, c.id) for c in children}
    total = Row(scope.code, scope.name, scope.id)
    width = len(scope.code) + 3  # a child's code: the parent's and three more characters
    here = in_subtree_where_on("disputes", scope)

    def add(code: str, fn) -> None:
        fn(total)
        row = rows.get(code[:width])
        if row is not None:
            fn(row)

    for code, kind, risk, escalated in db.session.execute(
            select(Grid.code, Dispute.kind, Dispute.risk, Dispute.escalated)
            .join(Grid, Grid.id == Dispute.grid_id)
            .where(here, Dispute.found_on >= first, Dispute.found_on < end)):
        def found(r, kind=kind, risk=risk, escalated=escalated):
            r.found += 1
            r.kinds[kind] += 1
            r.risks[risk] += 1
            r.escalated += int(bool(escalated))
        add(code, found)
    # the first agreement a dispute reached this month, and at which level
    seen: set[int] = set()
    for code, dispute_id, level in db.session.execute(
            select(Grid.code, DisputeAgreement.dispute_id, DisputeAgreement.level)
            .join(Dispute, Dispute.id == DisputeAgreement.dispute_id)
            .join(Grid, Grid.id == Dispute.grid_id)
            .where(here, DisputeAgreement.signed_on >= first, DisputeAgreement.signed_on < end)
            .order_by(DisputeAgreement.id)):
        if dispute_id in seen:
            continue
        seen.add(dispute_id)

        def mediated(r, level=level):
            r.mediated += 1
            r.levels[level] += 1
        add(code, mediated)
    for (code,) in db.session.execute(
            select(Grid.code).join(Dispute, Dispute.grid_id == Grid.id)
            .where(here, Dispute.outcome == "terminated", Dispute.closed_on >= first,
                   Dispute.closed_on < end)):
        add(code, lambda r: setattr(r, "terminated", r.terminated + 1))
    for (code,) in db.session.execute(select(Grid.code).where(
            here, Grid.level.in_((GRID, SPECIAL)), Grid.retired_at.is_(None))):
        add(code, lambda r: setattr(r, "grids", r.grids + 1))
    for code, found_count, late in db.session.execute(
            select(Grid.code, DisputeScreening.found, DisputeScreening.late)
            .join(Grid, Grid.id == DisputeScreening.grid_id)
            .where(here, DisputeScreening.month == first)):
        def reported(r, zero=found_count == 0, late=late):
            r.reported += 1
            r.zero_reports += int(zero)
            r.late_reports += int(bool(late))
        add(code, reported)
    return total, list(rows.values())


@dataclass
class OpenFigures:
    open: int
    red: int
    late: int
    followups_due: int


def open_figures(scope: Grid) -> OpenFigures:
    """The home page's card: open disputes, the red ones, those past their step's deadline, and
    follow-up visits due."""
    from .models import DisputeFollowup

    today = local_today()
    here = in_subtree_where_on("disputes", scope)
    open_, red, late = db.session.execute(
        select(func.count(Dispute.id),
               func.count(Dispute.id).filter(Dispute.risk == "red"),
               func.count(Dispute.id).filter(Dispute.due_on < today))
        .join(Grid, Grid.id == Dispute.grid_id)
        .where(here, Dispute.state.in_(ladder.OPEN_STATES))).one()
    due = db.session.scalar(
        select(func.count(DisputeFollowup.id))
        .join(DisputeAgreement, DisputeAgreement.id == DisputeFollowup.agreement_id)
        .join(Dispute, Dispute.id == DisputeAgreement.dispute_id)
        .join(Grid, Grid.id == Dispute.grid_id)
        .where(here, DisputeFollowup.done_on.is_(None), DisputeAgreement.broken_on.is_(None),
               DisputeFollowup.due_on <= today)) or 0
    return OpenFigures(open_ or 0, red or 0, late or 0, due)
