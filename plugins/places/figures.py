"""The places' queries and counts, in SQL, for a scope where the module is on: the lists', the
due list's, the dashboard card's, the reminders' and the today list's."""
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from portal.extensions import db
from portal.grids.models import Grid
from portal.tenancy import in_subtree_where_on
from portal.timeutil import local_today

from .kinds import GROUPS, kinds_of
from .models import PlacesHazard, PlacesLicence, PlacesPlace
from .schedule import DUE_NOTICE_DAYS

MODULE = "places"
#: A licence expiring within this many days is marked, and its place's grid workers are told.
EXPIRY_NOTICE_DAYS = 30


def places_in(scope: Grid):
    """Select of places (grid joined) in ``scope`` where the module is on."""
    return (select(PlacesPlace).join(Grid, Grid.id == PlacesPlace.grid_id)
            .where(in_subtree_where_on(MODULE, scope)))


def open_places():
    return PlacesPlace.closed_on.is_(None)


def due_condition(today: date):
    """Open places whose next inspection is due within the notice, or overdue."""
    return (open_places(), PlacesPlace.next_due_on <= today + timedelta(days=DUE_NOTICE_DAYS))


def hazards_in(scope: Grid):
    """Select of hazards (place and grid joined) in ``scope`` where the module is on."""
    return (select(PlacesHazard).join(PlacesPlace, PlacesPlace.id == PlacesHazard.place_id)
            .join(Grid, Grid.id == PlacesPlace.grid_id)
            .where(in_subtree_where_on(MODULE, scope)))


def open_hazards():
    return PlacesHazard.rectified_on.is_(None)


def licences_in(scope: Grid):
    return (select(PlacesLicence).join(PlacesPlace, PlacesPlace.id == PlacesLicence.place_id)
            .join(Grid, Grid.id == PlacesPlace.grid_id)
            .where(in_subtree_where_on(MODULE, scope)))


def licence_due(today: date):
    """Licences in force of open places expiring within the notice or already expired."""
    return (PlacesLicence.ended_on.is_(None), open_places(), PlacesLicence.expires_on.is_not(None),
            PlacesLicence.expires_on <= today + timedelta(days=EXPIRY_NOTICE_DAYS))


def licence_mark(licence: PlacesLicence, today: date) -> str | None:
    """"expired", "expiring" (within the notice) or None, for a licence in force."""
    if licence.ended_on is not None or licence.expires_on is None:
        return None
    if licence.expires_on < today:
        return "expired"
    if licence.expires_on <= today + timedelta(days=EXPIRY_NOTICE_DAYS):
        return "expiring"
    return None


def licence_marks(licences, today: date) -> tuple[int, int]:
    """(expired, expiring) among ``licences``."""
    marks = [licence_mark(licence, today) for licence in licences]
    return marks.count("expired"), marks.count("expiring")


@dataclass(frozen=True)
class Figures:
    #: open places per kind group
    per_group: dict
    due: int
    overdue: int
    open_hazards: int
    overdue_hazards: int
    licences: int


def _count(query) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


def figures(scope: Grid, today: date | None = None) -> Figures:
    today = today or local_today()
    groups = dict(db.session.execute(
        select(PlacesPlace.kind, func.count()).select_from(PlacesPlace)
        .join(Grid, Grid.id == PlacesPlace.grid_id)
        .where(in_subtree_where_on(MODULE, scope), open_places()).group_by(PlacesPlace.kind)).all())
    per_group = {group: sum(groups.get(kind, 0) for kind in kinds_of(group)) for group in GROUPS}
    places = places_in(scope).where(open_places())
    hazards = hazards_in(scope).where(open_hazards(), open_places())
    return Figures(
        per_group=per_group,
        due=_count(places.where(PlacesPlace.next_due_on >= today,
                                PlacesPlace.next_due_on <= today + timedelta(days=DUE_NOTICE_DAYS))),
        overdue=_count(places.where(PlacesPlace.next_due_on < today)),
        open_hazards=_count(hazards),
        overdue_hazards=_count(hazards.where(PlacesHazard.deadline < today)),
        licences=_count(licences_in(scope).where(*licence_due(today))))
