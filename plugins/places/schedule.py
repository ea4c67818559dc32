"""When a place is next inspected, and whether it is due or overdue.

The rule: the next inspection is due on (the latest regular inspection's day, else the day the
place was registered) + the months the town gives the kind's group (calendar months, clamped to
the month's end: 31 January + 1 month = 28 or 29 February). A place is *overdue* once that day
has passed and *due* when it comes within DUE_NOTICE_DAYS (today included). A closed place is
never due. The day is kept on the place (``next_due_on``) so that lists and counts are SQL; it
is set again whenever one of its inputs changes: an inspection, the kind, the town's months."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from portal.cases.calendar import add_months
from portal.extensions import db
from portal.grids.models import Grid
from portal.tenancy import in_subtree_where_on, town_of

from . import town_settings
from .kinds import group_of
from .models import PlacesPlace

#: "Due" is due within this many days.
DUE_NOTICE_DAYS = 7
DUE, OVERDUE, FINE, CLOSED = "due", "overdue", "fine", "closed"


def due_on(last: date | None, registered: date, months: int) -> date:
    """The next inspection's day: ``months`` calendar months after ``last`` (or ``registered``)."""
    return add_months(last or registered, months)


def status(next_due: date | None, today: date, closed_on: date | None = None) -> str:
    if closed_on is not None or next_due is None:
        return CLOSED
    if next_due < today:
        return OVERDUE
    if next_due <= today + timedelta(days=DUE_NOTICE_DAYS):
        return DUE
    return FINE


def refresh(place: PlacesPlace, months: dict[str, int] | None = None) -> None:
    """Set ``place.next_due_on`` by the rule (None for a closed place). ``months``: the town's
    {group: months}, when the caller has read them already."""
    if place.closed_on is not None:
        place.next_due_on = None
        return
    if months is None:
        town = town_of(place.grid or db.session.get(Grid, place.grid_id))
        wanted = town_settings.months(town, group_of(place.kind))
    else:
        wanted = months[group_of(place.kind)]
    place.next_due_on = due_on(place.last_inspected_on, place.registered_on, wanted)


def refresh_town(town: Grid) -> int:
    """Every open place of ``town`` again (its months changed)."""
    from .kinds import GROUPS

    months = {group: town_settings.months(town, group) for group in GROUPS}
    places = db.session.scalars(
        select(PlacesPlace).join(Grid, Grid.id == PlacesPlace.grid_id)
        .where(in_subtree_where_on("places", town), PlacesPlace.closed_on.is_(None))).all()
    for place in places:
        refresh(place, months)
    return len(places)
