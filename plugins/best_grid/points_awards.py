"""Best-grid prizes in points, where the town's points supermarket is on and the town chose a
rule for them on the points rules page: every household of a grid that won a prize (a prize for
its rank), and the 最美网格员 whose login is a resident of the register. Once per contest and
household (or worker), however often it is asked."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.people.models import Household
from portal.plugins import host
from portal.tenancy import resident_of

PRIZE = "best_grid.prize"
WORKER = "best_grid.worker"


def sources() -> dict:
    return {PRIZE: _l("最美网格获奖网格的每户"), WORKER: _l("最美网格员(本人是登记居民)")}


def award_prizes(contest, actor=None) -> int:
    """Points for every household of the prize-winning grids of a published contest."""
    ask = host().hook(contest.town, "points_award_for_deed")
    paid = 0
    for entry in contest.entries:
        if not entry.prize:
            continue
        # the members with them: each household's head is read from them (one query a grid)
        households = db.session.scalars(select(Household).filter_by(
            grid_id=entry.grid_id, moved_out_at=None).options(selectinload(Household.members))
            .order_by(Household.id)).all()
        for household in households:
            head = household.head or next(iter(household.active_members), None)
            if head is None:
                continue
            made = ask(kind=PRIZE, resident=head,
                       reason=_("%(c)s：%(g)s获第%(r)d名", c=contest.title, g=entry.grid.name,
                                r=entry.rank),
                       source=f"{PRIZE}:{contest.id}:{household.id}", actor=actor, share=1)
            paid += made is not None
    return paid


def award_worker(contest, staff, award, actor=None) -> bool:
    from portal.auth.models import User

    user = db.session.get(User, staff.user_id) if staff.user_id else None
    resident = resident_of(user)
    if resident is None or resident.left_at is not None:
        return False
    made = host().hook(staff.grid, "points_award_for_deed")(
        kind=WORKER, resident=resident, reason=_("%(c)s：最美网格员", c=contest.title),
        source=f"{WORKER}:{award.id}", actor=actor, share=1)
    return made is not None
