"""Five-small rewards (“五小”奖励): a case of the five small categories reported by a grid worker
and closed as solved earns the worker the town's amount, once per case — a case reopened and
closed again pays nothing more, and two closes at once make one row (the unique case_id, the
INSERT first in its savepoint). A major case gets a row of 0 yuan for an admin to decide within
the town's range. Duplicates never reach "closed" (they end in their own state), so they never
pay. The month of the row is the month the case was closed in: the payment list's month."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from portal import audit
from portal.errors import DomainError
from portal.extensions import db
from portal.tenancy import town_of
from portal.timeutil import local_date, local_today, utcnow

from ..town_settings import rules
from .models import GridWorkReward

FIVE_SMALL = ("dispute", "hazard", "minor_case", "problem", "need")
#: The states a "close" step leads to ("evaluated" when the reporter had rated it already).
CLOSED = ("closed", "evaluated")


def case_closed(case, old: str, new: str, action: str) -> GridWorkReward | None:
    """The case_state_changed hook's part: the reward row for a solved five-small case."""
    if action != "close" or new not in CLOSED or case.category not in FIVE_SMALL:
        return None
    reporter = case.reporter
    if reporter is None or reporter.role != "grid_worker" or reporter.scope is None:
        return None
    amount = 0 if case.major else rules(town_of(case.grid))["five_small_amount"]
    closed = local_date(case.closed_at) if case.closed_at else local_today()
    try:
        with db.session.begin_nested():
            reward_id = db.session.execute(insert(GridWorkReward).values(
                case_id=case.id, worker_id=reporter.id, grid_id=reporter.scope_id,
                month=closed.replace(day=1), amount=amount, major=bool(case.major),
                created_at=utcnow()).returning(GridWorkReward.id)).scalar_one()
    except IntegrityError:
        return None  # paid already (closed before, or a concurrent close)
    reward = db.session.get(GridWorkReward, reward_id)
    audit.record("grid_work.reward", reward, scope_code=reporter.scope.code, user=reporter,
                 case=case.number, amount=amount, major=bool(case.major))
    return reward


def decide_amount(reward: GridWorkReward, amount: int | None, actor=None) -> GridWorkReward:
    """A major case's amount, within the town's range."""
    if not reward.major:
        raise DomainError(_("只有重大问题的奖励需要审定金额。"), "amount")
    town_rules = rules(town_of(reward.grid))
    low, high = town_rules["major_min"], town_rules["major_max"]
    if amount is None or not low <= amount <= high:
        raise DomainError(_("重大问题奖励应在%(low)d到%(high)d元之间。", low=low, high=high),
                          "amount")
    before = reward.amount
    reward.amount = amount
    reward.decided_by_id = getattr(actor, "id", None)
    audit.record("grid_work.reward_amount", reward, scope_code=reward.grid.code, user=actor,
                 before=before, amount=amount)
    return reward


def month_rewards(scope_condition, month: date) -> list[GridWorkReward]:
    """The month's rewards under a scope (an SQL condition on Grid), by grid and worker."""
    from sqlalchemy.orm import joinedload

    from portal.grids.models import Grid

    return list(db.session.scalars(
        select(GridWorkReward).join(Grid, Grid.id == GridWorkReward.grid_id)
        .where(scope_condition, GridWorkReward.month == month)
        .options(joinedload(GridWorkReward.worker),
                 joinedload(GridWorkReward.grid).joinedload(Grid.parent))
        .order_by(Grid.code, GridWorkReward.worker_id, GridWorkReward.id)))


def cases_of(rewards) -> dict:
    """{case id: Case} for the rewards' cases, in one statement."""
    from portal.cases.models import Case

    ids = [r.case_id for r in rewards]
    return {c.id: c for c in db.session.scalars(select(Case).where(Case.id.in_(ids)))} \
        if ids else {}
