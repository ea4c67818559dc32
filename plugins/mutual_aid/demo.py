"""Demo groups for one town: one group in each of the first two grids of every village, eight
households each with an elected leader, and a few months of help (mostly solved). Idempotent."""
import random
from datetime import timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.grids.models import GRID, VILLAGE, Grid
from portal.people.models import Household
from portal.timeutil import local_today

from . import services
from .models import MutualAidGroup

HELPS = [("production", "帮忙抢收晚稻", "三户出工半天，稻谷已入仓"),
         ("daily", "独居老人家中水管爆裂", "组员帮忙关阀修好"),
         ("mediation", "两户因排水沟堵塞争执", "组长召集双方协商，共同清淤"),
         ("security", "夜间轮流巡查村道", "发现一处路灯不亮，已报修"),
         ("daily", "留守儿童放学无人接", "邻居轮流接送")]


def load(town: Grid) -> None:
    villages = db.session.scalars(select(Grid).where(Grid.parent_id == town.id,
                                                     Grid.level == VILLAGE).order_by(Grid.code)).all()
    grids = [g for v in villages for g in db.session.scalars(
        select(Grid).where(Grid.parent_id == v.id, Grid.level == GRID).order_by(Grid.code)
        .limit(2))]
    if not grids or db.session.scalar(select(MutualAidGroup.id).where(
            MutualAidGroup.grid_id.in_([g.id for g in grids])).limit(1)):
        return
    rng = random.Random(town.code + "mutual_aid")
    for grid in grids:
        group = services.create_group(grid, f"{grid.name}第一互助组")
        households = db.session.scalars(select(Household).filter_by(grid_id=grid.id,
                                                                    moved_out_at=None)
                                        .order_by(Household.id).limit(8)).all()
        for household in households:
            services.add_household(group, household)
        residents = services.member_residents(group)
        if not residents:
            continue
        services.elect_leader(group, residents[0], on=local_today() - timedelta(days=200))
        for kind, what, outcome in rng.sample(HELPS, 3):
            services.record_help(group, kind=kind, description=what, outcome=outcome,
                                 happened_on=local_today() - timedelta(days=rng.randint(3, 150)),
                                 asked_by=rng.choice(residents),
                                 helpers=rng.sample(residents, min(3, len(residents))),
                                 solved=rng.random() < 0.8)
    db.session.flush()
