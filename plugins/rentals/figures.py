"""The counts of rental houses and the floating population, in SQL, for a scope where the module
is on: the dashboard card's, the floating population page's per grid, and the queries the list,
the reminders and the today list share (who lives here now, whose registration is due)."""
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from portal.extensions import db
from portal.grids.models import Grid
from portal.people.models import Resident
from portal.tenancy import in_subtree_where_on
from portal.timeutil import local_today

from .models import RentalsAway, RentalsLetting, RentalsTenant

MODULE = "rentals"
#: A registration of temporary residence expiring within this many days is due (reminder, today
#: list, dashboard): the tenant has that long to renew it at the police station.
EXPIRY_NOTICE_DAYS = 30


def living():
    """The condition of a tenant living in a let house now (to join with RentalsLetting)."""
    return (RentalsTenant.left_on.is_(None), RentalsLetting.ended_on.is_(None))


def expiring(today: date):
    """Living tenants whose registration expires within EXPIRY_NOTICE_DAYS (today included, not
    yet lapsed)."""
    return (*living(), RentalsTenant.registration_expires_on >= today,
            RentalsTenant.registration_expires_on <= today + timedelta(days=EXPIRY_NOTICE_DAYS))


def tenants_in(scope: Grid):
    """Select of tenants with their letting and grid joined, in ``scope`` where the module is on."""
    return (select(RentalsTenant).join(RentalsLetting, RentalsLetting.id == RentalsTenant.letting_id)
            .join(Grid, Grid.id == RentalsLetting.grid_id)
            .where(in_subtree_where_on(MODULE, scope)))


def away_in(scope: Grid):
    """Select of current 户在人不在 records of residents still on the register, in ``scope``."""
    return (select(RentalsAway).join(Resident, Resident.id == RentalsAway.resident_id)
            .join(Grid, Grid.id == Resident.grid_id)
            .where(in_subtree_where_on(MODULE, scope), RentalsAway.ended_on.is_(None),
                   Resident.left_at.is_(None)))


def expiry_marks(tenants, today: date) -> tuple[int, int]:
    """(lapsed, expiring within the notice) among the living ones of a letting's ``tenants``."""
    dates = [t.registration_expires_on for t in tenants
             if t.left_on is None and t.registration_expires_on is not None]
    return (sum(d < today for d in dates),
            sum(today <= d <= today + timedelta(days=EXPIRY_NOTICE_DAYS) for d in dates))


@dataclass(frozen=True)
class Figures:
    tenants: int
    #: living tenants who are not registered residents (the incoming floating population)
    incoming: int
    away: int
    expiring: int
    lettings: int


def _count(query) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


def figures(scope: Grid, today: date | None = None) -> Figures:
    today = today or local_today()
    tenants = tenants_in(scope).where(*living())
    lettings = (select(RentalsLetting.id).join(Grid, Grid.id == RentalsLetting.grid_id)
                .where(in_subtree_where_on(MODULE, scope), RentalsLetting.ended_on.is_(None)))
    return Figures(tenants=_count(tenants),
                   incoming=_count(tenants.where(RentalsTenant.resident_id.is_(None))),
                   away=_count(away_in(scope)),
                   expiring=_count(tenants_in(scope).where(*expiring(today))),
                   lettings=_count(lettings))


@dataclass(frozen=True)
class GridRow:
    grid: Grid
    incoming: int
    tenants: int
    away: int


def per_grid(scope: Grid) -> list[GridRow]:
    """Per grid of ``scope`` holding any of them: living tenants (all, and those not registered
    residents) and registered residents away. Two grouped queries."""
    tenant_rows = db.session.execute(
        select(RentalsLetting.grid_id, func.count(),
               func.count().filter(RentalsTenant.resident_id.is_(None)))
        .select_from(RentalsTenant)
        .join(RentalsLetting, RentalsLetting.id == RentalsTenant.letting_id)
        .join(Grid, Grid.id == RentalsLetting.grid_id)
        .where(in_subtree_where_on(MODULE, scope), *living())
        .group_by(RentalsLetting.grid_id)).all()
    away_rows = db.session.execute(
        select(Resident.grid_id, func.count()).select_from(RentalsAway)
        .join(Resident, Resident.id == RentalsAway.resident_id)
        .join(Grid, Grid.id == Resident.grid_id)
        .where(in_subtree_where_on(MODULE, scope), RentalsAway.ended_on.is_(None),
               Resident.left_at.is_(None))
        .group_by(Resident.grid_id)).all()
    tenants = {grid_id: (total, incoming) for grid_id, total, incoming in tenant_rows}
    away = dict(away_rows)
    ids = set(tenants) | set(away)
    grids = db.session.scalars(select(Grid).where(Grid.id.in_(ids)).order_by(Grid.code)).all() \
        if ids else []
    return [GridRow(g, tenants.get(g.id, (0, 0))[1], tenants.get(g.id, (0, 0))[0],
                    away.get(g.id, 0)) for g in grids]
