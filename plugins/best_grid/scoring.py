"""How a contest is scored. Every criterion gives each grid 0-100; the total is the weighted sum
(weights add up to 100) plus the adjustments. Measured criteria are recomputed from the portal's
data every time until the contest is published, then the results are frozen.

Rules, as the contest page states them:
- on-time rate and satisfaction come from the cases resolved in the period; a grid without any
  resolved case gets its class's average, so a quiet grid is neither rewarded nor punished;
- counts (cases solved, volunteer hours, problems solved by mutual-aid groups) are taken per 100
  households and scored against the best grid of the class (the best gets 100);
- visits are those done against those due under the town's visit rules (a household owes one per
  interval of its colour or care category, at least one in the period);
- a judged criterion is the average of the judges' scores; a grid no judge scored gets 0;
- equal totals are separated by the criteria in order of weight (heaviest first); grids equal on
  all of them share the rank, and the red flag goes to the first of them by grid code.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.cases.deadlines import local_date
from portal.cases.models import Case
from portal.extensions import db
from portal.people.completeness import shares_of
from portal.people.models import Household, Visit
from portal.plugins import host
from portal.timeutil import local_today, utc_bounds

from sqlalchemy.orm import joinedload

from .models import BestGridAdjustment, BestGridContest, BestGridEntry, BestGridJudgement

CORE_MEASURES = {
    "cases.on_time": _l("事件按期办结率"),
    "cases.satisfaction": _l("群众满意度"),
    "cases.solved": _l("每百户办结事件"),
    "visits.coverage": _l("走访完成率"),
    "people.completeness": _l("信息采集率"),
}
#: Measured criteria scored as a rate already (0-100), not against the class's best.
RATES = ("cases.on_time", "cases.satisfaction", "visits.coverage", "people.completeness")
#: Rates where "no data" means the class average.
AVERAGED = ("cases.on_time", "cases.satisfaction")


def households_by_grid(grid_ids) -> dict[int, int]:
    return dict(db.session.execute(
        select(Household.grid_id, func.count(Household.id))
        .where(Household.grid_id.in_(grid_ids), Household.moved_out_at.is_(None))
        .group_by(Household.grid_id)).all())


def core_raw(grid_ids, since: date, until: date) -> dict[str, dict[int, float]]:
    """The portal's own figures per grid: on-time %, satisfaction (stars × 20), cases solved,
    visit coverage %, and the share of complete household and resident records (信息采集率,
    portal.people.completeness) as it is when scored: a register is complete or not today, it
    has no period."""
    start, end = utc_bounds(since, until)
    resolved, on_time, stars, rated = (defaultdict(int) for _ in range(4))
    for grid_id, resolved_at, due, satisfaction in db.session.execute(
            select(Case.grid_id, Case.resolved_at, Case.resolve_due, Case.satisfaction)
            .where(Case.grid_id.in_(grid_ids), Case.resolved_at >= start,
                   Case.resolved_at < end, Case.state != "duplicate")):
        resolved[grid_id] += 1
        on_time[grid_id] += local_date(resolved_at) <= due
        if satisfaction:
            rated[grid_id] += 1
            stars[grid_id] += satisfaction
    return {
        "cases.on_time": {g: 100 * on_time[g] / resolved[g] for g in resolved},
        "cases.satisfaction": {g: 20 * stars[g] / rated[g] for g in rated},
        "cases.solved": dict(resolved),
        "visits.coverage": visits_done_vs_due(grid_ids, since, until),
        "people.completeness": shares_of(list(grid_ids)),
    }


def visits_done_vs_due(grid_ids, since: date, until: date) -> dict[int, float]:
    """Visits done against visits due in the period, per grid, in %: a household owes one visit
    per interval of the town's visit rules (its colour, or "四必访" care), at least one; visits
    beyond what it owes do not make up for another household's."""
    from sqlalchemy import exists

    from portal.grids.models import Grid
    from portal.people.models import Resident, ResidentCare
    from portal.people.visits import VISIT_CARE_CATEGORIES, interval_for, visit_days

    if not grid_ids:
        return {}
    days = visit_days(db.session.get(Grid, grid_ids[0]))
    period = (until - since).days + 1
    done = dict(db.session.execute(
        select(Visit.household_id, func.count(Visit.id))
        .where(Visit.grid_id.in_(grid_ids), Visit.visited_on >= since, Visit.visited_on <= until)
        .group_by(Visit.household_id)).all())
    care = exists().where(ResidentCare.resident_id == Resident.id,
                          ResidentCare.category.in_(VISIT_CARE_CATEGORIES),
                          Resident.household_id == Household.id, Resident.left_at.is_(None))
    owed, made = defaultdict(int), defaultdict(int)
    for household_id, grid_id, colour, needs_care in db.session.execute(
            select(Household.id, Household.grid_id, Household.colour, care)
            .where(Household.grid_id.in_(grid_ids), Household.moved_out_at.is_(None))):
        due = max(1, period // interval_for(colour, bool(needs_care), days))
        owed[grid_id] += due
        made[grid_id] += min(due, done.get(household_id, 0))
    return {g: round(100 * made[g] / owed[g], 2) for g in owed}


def module_measures(town, grids, since, until):
    """{key: Measure} offered by the modules on in the town."""
    return {m.key: m for m in host().collect(town, "grid_measures", town=town, grids=grids,
                                             since=since, until=until)}


def available_measures(town) -> dict[str, str]:
    """Every measured criterion the town can use now: the core's and its modules'."""
    today = local_today()
    labels = {key: str(label) for key, label in CORE_MEASURES.items()}
    labels.update({key: m.label for key, m in module_measures(town, [], today, today).items()})
    return labels


@dataclass
class Row:
    entry: object
    total: float = 0.0
    scores: dict = field(default_factory=dict)
    raw: dict = field(default_factory=dict)
    adjustment: float = 0.0
    rank: int = 0


def entries_of(contest: BestGridContest) -> list[BestGridEntry]:
    """The contest's entries with their grids and classes, in one statement."""
    return db.session.scalars(select(BestGridEntry).filter_by(contest_id=contest.id)
                              .options(joinedload(BestGridEntry.grid),
                                       joinedload(BestGridEntry.klass))).all()


def score(contest: BestGridContest) -> dict[int, list[Row]]:
    """{class id: rows ranked}. For a published contest use the frozen entries instead."""
    entries = entries_of(contest)
    grid_ids = [e.grid_id for e in entries]
    grids = [e.grid for e in entries]
    raw = core_raw(grid_ids, contest.starts_on, contest.ends_on)
    for key, measure in module_measures(contest.town, grids, contest.starts_on,
                                        contest.ends_on).items():
        raw[key] = measure.values
    homes = households_by_grid(grid_ids)
    judged = defaultdict(list)
    for criterion_id, grid_id, value in db.session.execute(
            select(BestGridJudgement.criterion_id, BestGridJudgement.grid_id, BestGridJudgement.score)
            .where(BestGridJudgement.criterion_id.in_([c.id for c in contest.criteria]))):
        judged[(criterion_id, grid_id)].append(value)
    adjustments = defaultdict(float)
    for grid_id, points in db.session.execute(
            select(BestGridAdjustment.grid_id, func.sum(BestGridAdjustment.points))
            .where(BestGridAdjustment.contest_id == contest.id)
            .group_by(BestGridAdjustment.grid_id)):
        adjustments[grid_id] = float(points)

    by_class = defaultdict(list)
    for entry in entries:
        by_class[entry.class_id].append(Row(entry, adjustment=adjustments[entry.grid_id]))
    for rows in by_class.values():
        for criterion in contest.criteria:
            _score_criterion(criterion, rows, raw, homes, judged)
        for row in rows:
            row.total = round(sum(row.scores[c.key] * c.weight / 100 for c in contest.criteria)
                              + row.adjustment, 2)
        _rank(rows, contest.criteria)
    return dict(by_class)


def _score_criterion(criterion, rows, raw, homes, judged):
    key = criterion.key
    if criterion.judged:
        for row in rows:
            values = judged.get((criterion.id, row.entry.grid_id), [])
            row.raw[key] = round(sum(values) / len(values), 2) if values else None
            row.scores[key] = row.raw[key] or 0.0
        return
    values = raw.get(key, {})
    if key in RATES:
        known = [values[r.entry.grid_id] for r in rows if r.entry.grid_id in values]
        average = sum(known) / len(known) if known else 0.0
        for row in rows:
            value = values.get(row.entry.grid_id)
            row.raw[key] = round(value, 2) if value is not None else None
            if value is None:
                value = average if key in AVERAGED else 0.0
            row.scores[key] = round(value, 2)
        return
    per_100 = {}
    for row in rows:
        households = homes.get(row.entry.grid_id, 0)
        count = values.get(row.entry.grid_id, 0)
        row.raw[key] = count
        per_100[row.entry.grid_id] = 100 * count / households if households else 0.0
    best = max(per_100.values(), default=0)
    for row in rows:
        row.scores[key] = round(100 * per_100[row.entry.grid_id] / best, 2) if best else 0.0


def _rank(rows, criteria):
    heaviest = sorted(criteria, key=lambda c: (-c.weight, c.position))

    def key(row):
        return (-row.total, *(-row.scores[c.key] for c in heaviest))

    rows.sort(key=lambda r: (key(r), r.entry.grid.code))
    for position, row in enumerate(rows, start=1):
        row.rank = position if position == 1 or key(row) != key(rows[position - 2]) \
            else rows[position - 2].rank
