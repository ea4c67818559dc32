"""Who is due for a visit (走访): the rules and the list, most urgent first.

Intervals in days come from the town's settings (key ``people.visit_days``) over these defaults:
red households are watched closely, yellow visited every half month, green monthly, ordinary
households twice a year, and a household with a member in a care category ("四必访") at least
monthly whatever its colour.
"""
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import exists, select

from portal.errors import DomainError
from portal.extensions import db
from portal.grids.models import Grid
from portal.people.models import Household, Resident, ResidentCare, Visit, VisitPhoto
from portal.settings import get_setting, set_setting
from portal.tenancy import in_subtree, town_of
from portal.timeutil import local_date, local_today

DEFAULT_VISIT_DAYS = {"red": 7, "yellow": 15, "green": 30, "ordinary": 182, "care": 30}
#: Care categories that impose the "care" interval ("四必访": families in difficulty, people living
#: alone, the disabled, the left-behind); a veteran alone does not.
VISIT_CARE_CATEGORIES = ("elderly_alone", "empty_nest", "disabled", "in_difficulty",
                         "left_behind_child", "left_behind_woman", "left_behind_elder",
                         "low_income")
SETTING = "people.visit_days"


def visit_days(scope: Grid) -> dict[str, int]:
    return get_setting(town_of(scope) if scope.level != "county" else None, SETTING,
                       DEFAULT_VISIT_DAYS)


def set_visit_days(town: Grid, days: dict[str, int], actor=None) -> None:
    """A town's visit intervals (days between visits per household colour, and for care)."""
    from portal import audit

    # every household of the town is due on the new intervals: portal.people.visit_due counts
    # them again before the commit, as for any write of this setting
    set_setting(town, SETTING, days)
    audit.record("settings.visit_days", town, scope_code=town.code, user=actor, value=days)


def interval_for(colour: str | None, needs_care: bool, days: dict[str, int]) -> int:
    interval = days[colour] if colour else days["ordinary"]
    return min(interval, days["care"]) if needs_care else interval


@dataclass
class Due:
    household_id: int
    address: str
    colour: str | None
    grid_name: str
    grid_id: int
    needs_care: bool
    last_visit: date | None
    due_on: date
    interval: int

    @property
    def overdue_days(self) -> int:
        return (local_today() - self.due_on).days

    @property
    def status(self) -> str:
        days = self.overdue_days
        return "overdue" if days > 0 else ("due" if days >= -3 else "ok")


def due_list(scope: Grid, *, today: date | None = None, only_due: bool = True) -> list[Due]:
    """Households under ``scope`` with their next visit date, most urgent first: the day each
    household keeps (``households.visit_due_on``, kept by portal.people.visit_due under its
    own town's visit days), so only the households due are read (from the (grid_id,
    visit_due_on) index) when ``only_due``. ``rule_due_list`` computes the same from the rule."""
    today = today or local_today()
    query = (select(Household.id, Household.address, Household.colour, Household.created_at,
                    Grid.name, Grid.id, _needs_care().label("care"), Household.last_visited_on,
                    Household.visit_due_on)
             .join(Grid, Grid.id == Household.grid_id)
             .where(Household.grid_id.in_(select(Grid.id).where(in_subtree(Grid.code, scope))),
                    Household.moved_out_at.is_(None)))
    if only_due:
        query = query.where(Household.visit_due_on <= today + timedelta(days=3))
    result = []
    for hid, address, colour, created, grid_name, grid_id, needs_care, last_visit, due_on \
            in db.session.execute(query):
        start = last_visit or local_date(created)  # registered on a local day
        result.append(Due(hid, address, colour, grid_name, grid_id, bool(needs_care), last_visit,
                          due_on, (due_on - start).days))
    return sorted(result, key=lambda d: (d.due_on, d.colour != "red", d.household_id))


def _needs_care():
    return exists().where(ResidentCare.resident_id == Resident.id,
                          ResidentCare.category.in_(VISIT_CARE_CATEGORIES),
                          Resident.household_id == Household.id, Resident.left_at.is_(None))


def rule_due_list(scope: Grid, *, today: date | None = None,
                  only_due: bool = True) -> list[Due]:
    """The same list computed from the rule, household by household, with ``scope``'s visit
    days (a town's own; the defaults above a town): what portal.people.visit_due's kept days
    are checked against."""
    today = today or local_today()
    days = visit_days(scope)
    rows = db.session.execute(
        select(Household.id, Household.address, Household.colour, Household.created_at,
               Grid.name, Grid.id, _needs_care().label("care"), Household.last_visited_on)
        .join(Grid, Grid.id == Household.grid_id)
        .where(in_subtree(Grid.code, scope), Household.moved_out_at.is_(None))).all()
    result = []
    for hid, address, colour, created, grid_name, grid_id, needs_care, last_visit in rows:
        interval = interval_for(colour, bool(needs_care), days)
        start = last_visit or local_date(created)  # registered on a local day
        due_on = start + timedelta(days=interval)
        if only_due and due_on > today + timedelta(days=3):
            continue
        result.append(Due(hid, address, colour, grid_name, grid_id, bool(needs_care), last_visit,
                          due_on, interval))
    return sorted(result, key=lambda d: (d.due_on, d.colour != "red", d.household_id))


def record_visit(household: Household, user, visited_on: date, found: str, follow_up=None, *,
                 latitude: float | None = None, longitude: float | None = None,
                 photos: Iterable[str] = ()):
    """Record a visit; ``photos`` are file names of photos checked by portal.uploads (the caller
    has them written at the commit)."""
    from flask_babel import gettext as _

    from portal import audit

    if visited_on > local_today():
        raise DomainError(_("走访日期不能晚于今天。"), "visited_on")
    if not (found or "").strip():
        raise DomainError(_("请填写走访情况。"), "found")
    for value, low, high, field in ((latitude, -90, 90, "latitude"),
                                    (longitude, -180, 180, "longitude")):
        if value is not None and not low <= value <= high:
            raise DomainError(_("坐标超出范围。"), field)
    if (latitude is None) != (longitude is None):
        raise DomainError(_("请同时填写纬度和经度，或都不填。"),
                          "longitude" if longitude is None else "latitude")
    visit = Visit(household_id=household.id, grid_id=household.grid_id, user_id=user.id,
                  visited_on=visited_on, found=found.strip(),
                  follow_up=(follow_up or "").strip() or None,
                  latitude=latitude, longitude=longitude)
    db.session.add(visit)
    db.session.flush()
    names = list(photos)
    for name in names:
        db.session.add(VisitPhoto(visit_id=visit.id, filename=name))
    audit.record("visit.create", visit, scope_code=household.grid.code, user=user,
                 household=household.id)
    return visit


