"""How a scheme scores each worker of its town. Measured items give weight × min(1, done /
owed) — a count against the item's target, a rate against its own denominator — with full marks
where nothing was owed; on-time handling and satisfaction without any case give the town's
average of the workers with some (a quiet grid is neither rewarded nor punished). Recorded items
sum the live entries of the period, capped at the item's cap (a negative list deducts at most
its cap). An upheld appeal replaces the item's points by the corrected ones. Points are kept in
tenths; the total is never below 0.

Until publication every figure is measured again each time (over the period up to today); a
published scheme reads its frozen ``GridWorkScore`` rows instead, so later data changes nothing.
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from portal.auth.models import User
from portal.extensions import db
from portal.grids.models import Grid
from portal.tenancy import in_subtree, in_subtree_where_on
from portal.timeutil import local_today

from . import measures
from .labels import MODULE, AVERAGED, RECORDED, TARGETED
from .models import GridWorkAppeal, GridWorkScheme, GridWorkScore


def period(scheme: GridWorkScheme) -> tuple[date, date]:
    """The scheme's whole period: its quarter, or its year."""
    if scheme.quarter:
        since = date(scheme.year, 3 * scheme.quarter - 2, 1)
        following = date(scheme.year + (scheme.quarter == 4), 1 if scheme.quarter == 4
                         else 3 * scheme.quarter + 1, 1)
        return since, following - timedelta(days=1)
    return date(scheme.year, 1, 1), date(scheme.year, 12, 31)


def measured_period(scheme: GridWorkScheme, today: date | None = None) -> tuple[date, date]:
    """The period measured now: up to today while it runs."""
    since, until = period(scheme)
    return since, min(until, today or local_today())


def tenths(value: float) -> int:
    """Points in tenths, rounded half up (22.45 → 224.5 → 225)."""
    return math.floor(value * 10 + 0.5 + 1e-9)


def workers_of(town: Grid) -> list[User]:
    """The town's active grid workers, by grid."""
    return list(db.session.scalars(
        select(User).join(Grid, Grid.id == User.scope_id)
        .where(User.role == "grid_worker", User.is_active_flag.is_(True),
               in_subtree_where_on(MODULE, town))
        .order_by(Grid.code, User.id)))


@dataclass
class ItemScore:
    item_id: int
    label: str
    kind: str
    measure: str | None
    weight: int
    cap: int | None
    #: What was done against what was owed (a measured item), or the entries' sum (recorded).
    done: float | None = None
    owed: float | None = None
    #: The worker's patrol days off for approved leave (patrol_days only).
    leave: int = 0
    #: Entries counted (recorded items).
    entries: int = 0
    #: The town's average stood in for a worker with nothing to measure.
    averaged: bool = False
    #: Points in tenths: as measured, and as counted (an upheld appeal's correction).
    measured: int = 0
    points: int = 0
    corrected: bool = False


@dataclass
class Row:
    worker_id: int
    name: str
    grid_id: int
    grid_name: str
    village_name: str
    grid_code: str
    items: list[ItemScore] = field(default_factory=list)
    total: int = 0
    rank: int = 0
    subsidy: int = 0

    def item(self, item_id: int) -> ItemScore | None:
        return next((i for i in self.items if i.item_id == item_id), None)


def bands_of(scheme: GridWorkScheme) -> list[dict]:
    return sorted(json.loads(scheme.bands or "[]"), key=lambda b: -b["min"])


def subsidy_for(total: int, bands: list[dict]) -> tuple[int, dict | None]:
    """(yuan, the band) for a total in tenths: the highest band whose minimum it reaches."""
    for band in sorted(bands, key=lambda b: -b["min"]):
        if total >= band["min"] * 10:
            return band["amount"], band
    return 0, None


def _measured_item(item, figure: measures.Figure, averages: dict) -> ItemScore:
    score = ItemScore(item.id, item.label, item.kind, item.measure, item.weight, item.cap,
                      done=figure.done, leave=figure.leave)
    owed = item.target if item.measure in TARGETED else figure.owed
    score.owed = owed
    if owed:
        ratio = min(1.0, figure.done / owed)
    elif item.measure in AVERAGED and figure.owed is None:
        ratio, score.averaged = averages.get(item.measure, 1.0), True
    else:
        ratio = 1.0  # nothing owed: full marks
    score.measured = score.points = tenths(item.weight * ratio)
    return score


def _recorded_item(item, found: tuple[int, int]) -> ItemScore:
    total, count = found
    cap = item.cap or 0
    points = min(total, cap) if item.kind == "positive" else max(total, -cap)
    return ItemScore(item.id, item.label, item.kind, None, item.weight, item.cap, done=total,
                     entries=count, measured=points * 10, points=points * 10)


def _averages(items, figures) -> dict[str, float]:
    """The town's average rate, of the workers with something measured, per averaged measure."""
    found = {}
    for item in items:
        if item.measure in AVERAGED:
            rates = [min(1.0, f.done / f.owed) for f in figures.get(item.measure, {}).values()
                     if f.owed]
            found[item.measure] = sum(rates) / len(rates) if rates else 1.0
    return found


def live_rows(scheme: GridWorkScheme, today: date | None = None) -> list[Row]:
    """Every worker of the scheme's town, measured now, ranked."""
    since, until = measured_period(scheme, today)
    workers = workers_of(scheme.town)
    items = list(scheme.items)
    wanted = [i.measure for i in items if i.kind == "measured" and i.measure]
    figures = measures.all_figures(workers, since, until, year=scheme.year, town=scheme.town,
                                   measures=wanted)
    averages = _averages(items, figures)
    found = measures.recorded([i.id for i in items if i.kind in RECORDED],
                              [w.id for w in workers], *period(scheme))
    upheld = {(a.item_id, a.worker_id): a.corrected_points for a in db.session.scalars(
        select(GridWorkAppeal).where(GridWorkAppeal.item_id.in_([i.id for i in items]),
                                     GridWorkAppeal.state == "upheld"))}
    grids = {g.id: g for g in db.session.scalars(
        select(Grid).where(Grid.id.in_({w.scope_id for w in workers})))}
    parents = {g.id: g for g in db.session.scalars(
        select(Grid).where(Grid.id.in_({g.parent_id for g in grids.values()})))}
    bands = bands_of(scheme)
    rows = []
    for worker in workers:
        grid = grids[worker.scope_id]
        village = parents.get(grid.parent_id)
        row = Row(worker.id, worker.display_name or worker.username, grid.id, grid.name,
                  village.name if village else "", grid.code)
        for item in items:
            if item.kind == "measured":
                score = _measured_item(item, figures[item.measure][worker.id], averages)
                corrected = upheld.get((item.id, worker.id))
                if corrected is not None:
                    score.points, score.corrected = corrected * 10, True
            else:
                score = _recorded_item(item, found.get((item.id, worker.id), (0, 0)))
            row.items.append(score)
        row.total = max(0, sum(i.points for i in row.items))
        row.subsidy = subsidy_for(row.total, bands)[0]
        rows.append(row)
    return rank(rows)


def rank(rows: list[Row]) -> list[Row]:
    rows.sort(key=lambda r: (-r.total, r.grid_code, r.worker_id))
    for position, row in enumerate(rows, start=1):
        row.rank = rows[position - 2].rank if position > 1 and \
            rows[position - 2].total == row.total else position
    return rows


def frozen_rows(scheme: GridWorkScheme) -> list[Row]:
    from sqlalchemy.orm import joinedload

    rows = []
    for score in db.session.scalars(
            select(GridWorkScore).filter_by(scheme_id=scheme.id)
            .options(joinedload(GridWorkScore.worker),
                     joinedload(GridWorkScore.grid).joinedload(Grid.parent))):
        grid = score.grid
        village = grid.parent
        row = Row(score.worker_id, score.worker.display_name or score.worker.username, grid.id,
                  grid.name, village.name if village else "", grid.code,
                  items=[ItemScore(**item) for item in json.loads(score.breakdown)],
                  total=score.total_tenths, subsidy=score.subsidy)
        rows.append(row)
    return rank(rows)


def rows_of(scheme: GridWorkScheme, today: date | None = None) -> list[Row]:
    return frozen_rows(scheme) if scheme.state == "published" else live_rows(scheme, today)


def visible_rows(scheme: GridWorkScheme, scope: Grid) -> list[Row]:
    """The rows of the workers under ``scope`` (ranked in the whole town)."""
    return [row for row in rows_of(scheme) if in_subtree(row.grid_code, scope)]


def breakdown_json(row: Row) -> str:
    return json.dumps([asdict(item) for item in row.items], ensure_ascii=False)
