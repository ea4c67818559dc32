"""The demo's grid workers of 城西社区 (文星镇): the core demo's ``gridworker`` and three colleagues
on the village's second to fourth grids, so that a quarter of patrols, meetings and scores
compares several workers. Made by the first part's demo that needs them (patrols), found again by
the others (``demo_login`` returns an existing login)."""
import random
from datetime import date

from sqlalchemy import select

from portal.auth.models import User
from portal.extensions import db
from portal.grids.models import GRID, Grid

VILLAGE_NAME = "城西社区"
COLLEAGUES = ("gridworker2", "gridworker3", "gridworker4")
#: At least this many days back; the demo reaches back to the previous quarter's first day
#: (``days_back``), so that last quarter's published assessment measures a whole quarter.
DAYS = 75


def demo_workers(village: Grid) -> list[User]:
    """``gridworker`` and the colleagues, made where missing ([] when the demo tree lacks them)."""
    from portal.demo import demo_login

    first = db.session.scalar(select(User).filter_by(username="gridworker"))
    grids = db.session.scalars(select(Grid).filter_by(parent_id=village.id, level=GRID)
                               .order_by(Grid.code)).all()
    if first is None or len(grids) < len(COLLEAGUES) + 1:
        return []
    return [first, *(demo_login(name, "grid_worker", grid, random.Random(name))
                     for name, grid in zip(COLLEAGUES, grids[1:]))]


def days_back(today: date) -> int:
    """Days from the previous quarter's first day to today (at least DAYS)."""
    quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    previous = (date(quarter_start.year - 1, 10, 1) if quarter_start.month == 1
                else date(quarter_start.year, quarter_start.month - 3, 1))
    return max(DAYS, (today - previous).days)
