"""Contest operations: classes, contests, judging, adjustments, publishing, awards. The caller
commits; every change of a result is audited."""
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from portal import audit
from portal.errors import DomainError
from portal.extensions import db
from portal.grids.models import GRID, SPECIAL, Grid
from portal.tenancy import in_subtree_where_on
from portal.timeutil import utcnow

from . import points_awards, scoring
from .models import (CONTEST_KINDS, BestGridAdjustment, BestGridClass, BestGridContest,
                     BestGridCriterion, BestGridEntry, BestGridFlag, BestGridJudgement,
                     BestGridPlacement, BestGridWorkerAward)


def town_grids(town):
    return db.session.scalars(select(Grid).where(in_subtree_where_on("best_grid", town),
                                                 Grid.level.in_((GRID, SPECIAL)),
                                                 Grid.retired_at.is_(None))
                              .order_by(Grid.code)).all()


def create_class(town, name, actor=None) -> BestGridClass:
    if db.session.scalar(select(BestGridClass.id).filter_by(town_id=town.id, name=name)):
        raise DomainError(_("已有同名类别。"), field="name")
    count = db.session.scalar(select(BestGridClass.id).filter_by(town_id=town.id)
                              .order_by(BestGridClass.position.desc()).limit(1))
    klass = BestGridClass(town_id=town.id, name=name, position=(count or 0) + 1)
    db.session.add(klass)
    db.session.flush()
    audit.record("best_grid.class_create", klass, scope_code=town.code, user=actor, name=name)
    return klass


def place(grid, klass: BestGridClass | None, actor=None) -> None:
    """Put a grid in a class (or in none)."""
    placement = db.session.scalar(select(BestGridPlacement).filter_by(grid_id=grid.id))
    if klass is None:
        if placement is not None:
            db.session.delete(placement)
    elif placement is None:
        db.session.add(BestGridPlacement(grid_id=grid.id, class_id=klass.id))
    else:
        placement.class_id = klass.id
    audit.record("best_grid.place", grid, scope_code=grid.code, user=actor,
                 klass=klass.name if klass else None)


def create_contest(town, *, title, kind, starts_on: date, ends_on: date, criteria, prizes=None,
                   actor=None) -> BestGridContest:
    """``criteria``: [(key, label, weight)], measured keys from scoring.available_measures or
    "judged:<n>"; the weights add up to 100."""
    if kind not in CONTEST_KINDS:
        raise DomainError(_("请选择评比类型。"), field="kind")
    if ends_on < starts_on:
        raise DomainError(_("结束日期不能早于开始日期。"), field="ends_on")
    available = scoring.available_measures(town)
    if not criteria:
        raise DomainError(_("请至少选择一项评分指标。"), field="criteria")
    for key, _label, weight in criteria:
        if not key.startswith("judged:") and key not in available:
            raise DomainError(_("指标“%(k)s”在本镇不可用。", k=key), field="criteria")
        if weight <= 0:
            raise DomainError(_("每项权重须大于0。"), field="criteria")
    if sum(w for _k, _l, w in criteria) != 100:
        raise DomainError(_("各项权重之和须为100，现在是 %(n)d。",
                             n=sum(w for _k, _l, w in criteria)), field="criteria")
    placements = db.session.scalars(
        select(BestGridPlacement).join(Grid, Grid.id == BestGridPlacement.grid_id)
        .where(in_subtree_where_on("best_grid", town), Grid.retired_at.is_(None))).all()
    if not placements:
        raise DomainError(_("请先把网格分到各个类别。"), field="title")
    contest = BestGridContest(town_id=town.id, title=title, kind=kind, starts_on=starts_on,
                              ends_on=ends_on, prizes=prizes or {})
    db.session.add(contest)
    db.session.flush()
    for position, (key, label, weight) in enumerate(criteria):
        db.session.add(BestGridCriterion(contest_id=contest.id, key=key, label=label,
                                         weight=weight, position=position))
    for placement in placements:
        db.session.add(BestGridEntry(contest_id=contest.id, grid_id=placement.grid_id,
                                     class_id=placement.class_id))
    db.session.flush()
    audit.record("best_grid.contest_create", contest, scope_code=town.code, user=actor,
                 title=title, criteria=[list(c) for c in criteria])
    return contest


def _open(contest):
    if contest.published_at is not None:
        raise DomainError(_("评比结果已发布，不能再修改。"))


def judge(contest, criterion, grid, judge_user, value: float) -> None:
    _open(contest)
    if not criterion.judged or criterion.contest_id != contest.id:
        raise DomainError(_("这一项不是评审打分项。"))
    if not 0 <= value <= 100:
        raise DomainError(_("评分应在0到100之间。"), field=f"s{criterion.id}_{grid.id}")
    row = db.session.scalar(select(BestGridJudgement).filter_by(
        criterion_id=criterion.id, grid_id=grid.id, judge_id=judge_user.id))
    if row is None:
        row = BestGridJudgement(criterion_id=criterion.id, grid_id=grid.id,
                                judge_id=judge_user.id, score=value)
        db.session.add(row)
    else:
        row.score, row.updated_at = value, utcnow()


def adjust(contest, grid, points: float, reason: str, actor=None) -> BestGridAdjustment:
    _open(contest)
    if not reason:
        raise DomainError(_("调整须写明理由。"), field="reason")
    if points == 0 or abs(points) > 20:
        raise DomainError(_("调整分应在-20到20之间且不为0。"), field="points")
    item = BestGridAdjustment(contest_id=contest.id, grid_id=grid.id, points=points,
                              reason=reason, user_id=getattr(actor, "id", None))
    db.session.add(item)
    db.session.flush()
    audit.record("best_grid.adjust", contest, scope_code=grid.code, user=actor, grid=grid.name,
                 points=points, reason=reason)
    return item


def publish(contest, actor=None) -> None:
    """Freeze the results: rank, total, breakdown and prize stay as they are now, whatever the
    data does later; the red flag of each class moves to its winner."""
    _open(contest)
    ranked = scoring.score(contest)
    for class_id, rows in ranked.items():
        for row in rows:
            entry = row.entry
            entry.rank, entry.total = row.rank, row.total
            entry.breakdown = {"scores": row.scores, "raw": row.raw,
                               "adjustment": row.adjustment}
            entry.prize = int((contest.prizes or {}).get(str(row.rank), 0)) or None
        if rows:
            db.session.add(BestGridFlag(class_id=class_id, contest_id=contest.id,
                                        grid_id=rows[0].entry.grid_id))
    contest.published_at, contest.published_by_id = utcnow(), getattr(actor, "id", None)
    db.session.flush()
    points_awards.award_prizes(contest, actor)
    audit.record("best_grid.publish", contest, scope_code=contest.town.code, user=actor,
                 winners={str(c): rows[0].entry.grid.name for c, rows in ranked.items() if rows})


def award_worker(contest, staff, prize: int, citation=None, actor=None) -> BestGridWorkerAward:
    if staff.grid_id not in {e.grid_id for e in contest.entries}:
        raise DomainError(_("只能评选参赛网格的网格员。"), field="staff")
    if prize < 0:
        raise DomainError(_("奖金不能为负数。"), field="prize")
    award = BestGridWorkerAward(contest_id=contest.id, staff_id=staff.id, grid_id=staff.grid_id,
                                name=staff.name, prize=prize, citation=citation)
    db.session.add(award)
    db.session.flush()
    points_awards.award_worker(contest, staff, award, actor)
    audit.record("best_grid.worker_award", contest, scope_code=contest.town.code, user=actor,
                 name=staff.name, prize=prize)
    return award


def current_flags(town):
    """{class id: the newest flag} of the town's classes."""
    flags = {}
    for flag in db.session.scalars(
            select(BestGridFlag).join(BestGridClass).where(BestGridClass.town_id == town.id)
            .order_by(BestGridFlag.id)):
        flags[flag.class_id] = flag
    return flags
