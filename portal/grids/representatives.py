"""Resident representatives (联户): a neighbour who looks after 8 to 15 households of the grid.

A representative is a staff member of the grid's notice board with the post "representative"
(居民代表): the board already has their name, phone and photo, and GridStaff.user_id their login
when they have one. The households they look after are RepresentativeHousehold links; a household
has one active representative at a time. Links end, never vanish, so who looked after a household
when stays readable. 8 to 15 is the articles' advice: fewer or more shows a hint, never a refusal
(a hamlet of six houses has one representative too).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _
from sqlalchemy import select

from portal import audit
from portal.errors import DomainError
from portal.extensions import db
from portal.grids.models import GridStaff, RepresentativeHousehold
from portal.people.models import Household, Visit
from portal.timeutil import utcnow

if TYPE_CHECKING:
    from portal.auth.models import User

#: Posts whose holders look after households.
LINKING_POSTS = ("representative",)
#: The households the articles advise per representative.
ADVISED_MIN, ADVISED_MAX = 8, 15
#: Visits of the representative's own login listed on their page.
VISITS_SHOWN = 20


def links_of(staff: GridStaff) -> list[RepresentativeHousehold]:
    """The households ``staff`` looks after now, in the order they were linked."""
    return list(db.session.scalars(
        select(RepresentativeHousehold).where(RepresentativeHousehold.staff_id == staff.id,
                                              RepresentativeHousehold.ended_at.is_(None))
        .order_by(RepresentativeHousehold.started_at, RepresentativeHousehold.id)))


def ended_links_of(staff: GridStaff) -> list[RepresentativeHousehold]:
    """The households ``staff`` no longer looks after, latest first (the history)."""
    return list(db.session.scalars(
        select(RepresentativeHousehold).where(RepresentativeHousehold.staff_id == staff.id,
                                              RepresentativeHousehold.ended_at.is_not(None))
        .order_by(RepresentativeHousehold.ended_at.desc())))


def representative_of(household: Household) -> RepresentativeHousehold | None:
    """The household's active link (its representative is ``.staff``), or None."""
    return db.session.scalar(select(RepresentativeHousehold).where(
        RepresentativeHousehold.household_id == household.id,
        RepresentativeHousehold.ended_at.is_(None)))


def count_hint(count: int) -> str | None:
    """What the page says about the number of households linked (None: within the advice)."""
    if count < ADVISED_MIN:
        return _("目前联系%(n)d户，建议每位代表联系%(low)d至%(high)d户。", n=count,
                 low=ADVISED_MIN, high=ADVISED_MAX)
    if count > ADVISED_MAX:
        return _("目前联系%(n)d户，多于建议的%(high)d户，可考虑增加一位代表。", n=count,
                 high=ADVISED_MAX)
    return None


def may_link(staff: GridStaff) -> bool:
    return staff.post in LINKING_POSTS and staff.ended_at is None


def link(staff: GridStaff, household: Household, actor: User | None = None
         ) -> RepresentativeHousehold:
    """``staff`` looks after ``household`` from now on; DomainError on the household field when
    the household is not theirs to take."""
    if not may_link(staff):
        raise DomainError(_("只有在任的居民代表可以联系住户。"), "household")
    if household.grid_id != staff.grid_id or household.moved_out_at is not None:
        raise DomainError(_("只能联系本网格在册的住户。"), "household")
    current = representative_of(household)
    if current is not None:
        if current.staff_id == staff.id:
            raise DomainError(_("这户已由%(name)s联系。", name=staff.name), "household")
        raise DomainError(_("这户已由居民代表%(name)s联系，请先在%(name)s的联户页解除。",
                            name=current.staff.name), "household")
    record = RepresentativeHousehold(staff_id=staff.id, household_id=household.id,
                                     started_at=utcnow())
    db.session.add(record)
    db.session.flush()
    audit.record("grid.representative_link", record, scope_code=staff.grid.code, user=actor,
                 name=staff.name, household=household.number or household.address)
    return record


def unlink(staff: GridStaff, household: Household, actor: User | None = None
           ) -> RepresentativeHousehold:
    """``staff`` no longer looks after ``household``: the link gets its end, the row stays."""
    record = representative_of(household)
    if record is None or record.staff_id != staff.id:
        raise DomainError(_("这户不在%(name)s的联户名单中。", name=staff.name))
    record.ended_at = utcnow()
    audit.record("grid.representative_unlink", record, scope_code=staff.grid.code, user=actor,
                 name=staff.name, household=household.number or household.address)
    return record


@dataclass
class LastVisit:
    visited_on: date
    visitor: str


def last_visits(household_ids: list[int]) -> dict[int, LastVisit]:
    """household id -> its latest visit (date and who), for a representative's 8 to 15
    households in one query."""
    if not household_ids:
        return {}
    rows = db.session.scalars(
        select(Visit).where(Visit.household_id.in_(household_ids))
        .order_by(Visit.household_id, Visit.visited_on.desc(), Visit.id.desc()))
    found: dict[int, LastVisit] = {}
    for visit in rows:
        if visit.household_id not in found:
            who = visit.user.display_name if visit.user is not None else _("未记录")
            found[visit.household_id] = LastVisit(visit.visited_on, who)
    return found


def visits_by(staff: GridStaff) -> list[Visit]:
    """The latest visits the representative's own login recorded (none without a login)."""
    if staff.user_id is None:
        return []
    return list(db.session.scalars(
        select(Visit).where(Visit.user_id == staff.user_id)
        .order_by(Visit.visited_on.desc(), Visit.id.desc()).limit(VISITS_SHOWN)))


def candidates(staff: GridStaff) -> list[tuple[Household, Any]]:
    """The grid's households in the register, each with its current representative's link
    (None: free to link), for the picker."""
    households = db.session.scalars(
        select(Household).where(Household.grid_id == staff.grid_id,
                                Household.moved_out_at.is_(None))
        .order_by(Household.number, Household.id)).all()
    linked = {link.household_id: link for link in db.session.scalars(
        select(RepresentativeHousehold).where(
            RepresentativeHousehold.ended_at.is_(None),
            RepresentativeHousehold.household_id.in_([h.id for h in households])))}
    return [(household, linked.get(household.id)) for household in households]
