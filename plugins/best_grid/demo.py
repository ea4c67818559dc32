"""Demo contest for one town: two classes of grids, last quarter's arena published (the red flags
and a best grid worker), this quarter's open with some judges' scores. Idempotent."""
from datetime import date, timedelta

from sqlalchemy import select

from portal.auth.models import User
from portal.extensions import db
from portal.grids.models import GridStaff
from portal.timeutil import local_today

from . import scoring, services
from .models import BestGridClass


def quarter(on: date) -> tuple[date, date]:
    first = date(on.year, 3 * ((on.month - 1) // 3) + 1, 1)
    nxt = date(first.year + (first.month == 10), (first.month + 3 - 1) % 12 + 1, 1)
    return first, nxt - timedelta(days=1)


def load(town) -> None:
    if db.session.scalar(select(BestGridClass.id).filter_by(town_id=town.id).limit(1)):
        return
    model = services.create_class(town, "示范网格")
    rising = services.create_class(town, "提升网格")
    for n, grid in enumerate(services.town_grids(town)):
        if grid.level == "grid":
            services.place(grid, model if n % 2 == 0 else rising)
    db.session.flush()
    judge = db.session.scalar(select(User).filter_by(username="wenxing"))
    measures = scoring.available_measures(town)
    weights = {"cases.on_time": 25, "cases.satisfaction": 20, "visits.coverage": 15,
               "volunteers.hours": 10, "mutual_aid.solved": 10}
    criteria = [(k, measures[k], w) for k, w in weights.items() if k in measures]
    judged_weight = 100 - sum(w for _k, _l, w in criteria)
    criteria.append(("judged:1", "人居环境检查", judged_weight))
    this_start, this_end = quarter(local_today())
    last_start, last_end = quarter(this_start - timedelta(days=1))
    for title, start, end, publish in (
            (f"{last_start.year}年第{(last_start.month - 1) // 3 + 1}季度最美网格擂台赛",
             last_start, last_end, True),
            (f"{this_start.year}年第{(this_start.month - 1) // 3 + 1}季度最美网格擂台赛",
             this_start, this_end, False)):
        contest = services.create_contest(town, title=title, kind="quarterly", starts_on=start,
                                          ends_on=end, criteria=criteria,
                                          prizes={"1": 3000, "2": 2000, "3": 1000})
        inspection = contest.criteria[-1]
        if judge is not None:
            for k, entry in enumerate(sorted(contest.entries, key=lambda e: e.grid.code)):
                if publish or k % 2 == 0:
                    services.judge(contest, inspection, entry.grid, judge, 70 + (k * 7) % 30)
        if publish:
            worker = db.session.scalar(select(GridStaff).where(
                GridStaff.grid_id.in_([e.grid_id for e in contest.entries]),
                GridStaff.post == "worker").order_by(GridStaff.id).limit(1))
            if worker is not None:
                services.award_worker(contest, worker, 1000, "走访全覆盖，化解矛盾纠纷12起")
            services.publish(contest, actor=judge)
    db.session.flush()
