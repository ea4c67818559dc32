"""Demo assessment for 文星镇 (after the patrols' and the duties' demos, so that the measures have
patrols, leave, meetings and trainings to read): the five-small rewards of the cases the core's
demo closed that grid workers had reported; the previous quarter's scheme published, with a few
recorded entries, an upheld appeal and a rejected one; the current quarter's scheme running, with
a few entries and one open appeal. All dated in the past. Idempotent: a town with a scheme is left
alone."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from portal.auth.models import User
from portal.cases.models import Case
from portal.extensions import db
from portal.grids.models import Grid
from portal.tenancy import in_subtree_where_on

from .labels import MODULE
from portal.timeutil import local_today

from . import rewards, scoring, services
from .models import GridWorkReward, GridWorkScheme

TOWN_NAME = "文星镇"


def _quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def _previous(year: int, quarter: int) -> tuple[int, int]:
    return (year - 1, 4) if quarter == 1 else (year, quarter - 1)


def reward_closed_cases(town: Grid) -> int:
    """Rewards for the town's closed five-small cases reported by grid workers (the hook pays
    those closed from now on; the demo's were closed before the module was on)."""
    paid = set(db.session.scalars(select(GridWorkReward.case_id)))
    made = 0
    for case in db.session.scalars(
            select(Case).join(Grid, Grid.id == Case.grid_id)
            .where(in_subtree_where_on(MODULE, town), Case.state.in_(rewards.CLOSED),
                   Case.category.in_(rewards.FIVE_SMALL), Case.reporter_id.is_not(None))
            .order_by(Case.id)):
        if case.id not in paid and rewards.case_closed(case, "resolved", case.state, "close"):
            made += 1
    return made


def _day_in(scheme: GridWorkScheme, back: int) -> date:
    """A day of the scheme's period ``back`` days before its end (or today), not before it."""
    since, until = scoring.measured_period(scheme)
    return max(since, until - timedelta(days=back))


def load(town: Grid) -> None:
    if town.name != TOWN_NAME or db.session.scalar(
            select(GridWorkScheme.id).filter_by(town_id=town.id).limit(1)):
        return
    workers = scoring.workers_of(town)
    admin = db.session.scalar(select(User).filter_by(role="town_admin", scope_id=town.id)
                              .order_by(User.id).limit(1))
    if not workers or admin is None:
        return
    reward_closed_cases(town)
    # a major case's reward waits for the admin's decision; decide the first, leave the rest
    major = db.session.scalar(select(GridWorkReward).join(Grid, Grid.id == GridWorkReward.grid_id)
                              .where(GridWorkReward.major.is_(True), in_subtree_where_on(MODULE, town))
                              .order_by(GridWorkReward.id).limit(1))
    if major is not None:
        rewards.decide_amount(major, 200, actor=admin)

    year, quarter = _quarter_of(local_today())
    last = services.create_scheme(town, year=_previous(year, quarter)[0],
                                  quarter=_previous(year, quarter)[1], actor=admin)
    items = {i.measure or i.kind: i for i in last.items}
    first, second = workers[0], workers[-1]  # the same worker where the town has one
    services.add_entry(items["positive"], first, points=3, reason="协助处置山林火情，受到县级表彰",
                       happened_on=_day_in(last, 40), actor=admin)
    services.add_entry(items["negative"], second, points=5, reason="一起矛盾纠纷未及时上报(瞒报)",
                       happened_on=_day_in(last, 30), actor=admin)
    upheld = services.lodge_appeal(items["meetings"], first,
                                   "季度中那次例会我在县里参加培训，已向村里请假，却记为缺席。")
    services.decide_appeal(upheld, upheld=True, corrected=items["meetings"].weight,
                           note="核实属实，按出席计。", actor=admin)
    rejected = services.lodge_appeal(items["patrol_days"], second,
                                     "有几天巡查忘了点结束，请按满勤计。")
    services.decide_appeal(rejected, upheld=False,
                           note="巡查天数以系统记录为准，未开始巡查的日子无法补记。", actor=admin)
    services.publish(last, actor=admin)

    current = services.create_scheme(town, year=year, quarter=quarter, actor=admin)
    items = {i.measure or i.kind: i for i in current.items}
    services.add_entry(items["positive"], second, points=2, reason="发现并劝离河边野泳群众",
                       happened_on=_day_in(current, 5), actor=admin)
    services.add_entry(items["negative"], first, points=2, reason="民情日志连续三天未日清",
                       happened_on=_day_in(current, 3), actor=admin)
    services.lodge_appeal(items["negative"], first, "那几天在外请假，日志由代岗的同事记录。")
    db.session.flush()
