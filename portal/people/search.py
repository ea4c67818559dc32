"""Finding a resident the way a grid worker types on a phone: a name or part of it, pinyin
initials ("zsf" finds 张三丰) or full pinyin, the last digits of an ID number or a phone, an
address."""
import re

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.grids.models import Grid
from portal.grids.services import in_subtree
from portal.people.models import Household, Resident

DIGITS = re.compile(r"^\d{3,17}[\dXx]?$")
LATIN = re.compile(r"^[A-Za-z]{1,30}$")


def search_residents(scope: Grid, q: str, limit: int = 20, include_left: bool = False):
    q = (q or "").strip()
    if not q:
        return []
    query = (select(Resident).join(Household, Household.id == Resident.household_id)
             .join(Grid, Grid.id == Resident.grid_id).where(in_subtree(scope)))
    if not include_left:
        query = query.where(Resident.left_at.is_(None))
    if DIGITS.match(q):
        tail = q.upper()[::-1]  # stored reversed: "ends with" becomes an indexed "starts with"
        query = query.where(or_(Resident.id_reversed.startswith(tail, autoescape=True),
                                Resident.phone_reversed.startswith(tail, autoescape=True)))
    elif LATIN.match(q):
        key = q.lower()
        query = query.where(or_(Resident.name_initials.startswith(key, autoescape=True),
                                Resident.name_pinyin.startswith(key, autoescape=True)))
    else:
        query = query.where(or_(Resident.name.contains(q, autoescape=True),
                                Household.address.contains(q, autoescape=True)))
    query = query.options(selectinload(Resident.household), selectinload(Resident.grid))
    return db.session.scalars(query.order_by(Resident.name_pinyin, Resident.id).limit(limit)).all()
