"""Finding a resident the way a grid worker types on a phone: a name or part of it, pinyin
initials ("zsf" finds 张三丰) or full pinyin, the last digits of an ID number or a phone, an
address."""
import re

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.grids.models import Grid
from portal.people.models import Household, Resident

DIGITS = re.compile(r"^\d{3,17}[\dXx]?$")
LATIN = re.compile(r"^[A-Za-z]{1,30}$")


def starts_with(column, key: str):
    """``column LIKE 'key%'`` written so that an index on the column serves it: a range
    (``key <= column < key with its last character bumped``) does on SQLite and PostgreSQL, where
    LIKE with a bound prefix does not (SQLite's LIKE ignores case, PostgreSQL's needs the C
    collation). The LIKE stays as well, so the result is exact whatever the collation."""
    bumped = key[:-1] + chr(ord(key[-1]) + 1)
    return and_(column >= key, column < bumped, column.startswith(key, autoescape=True))


def search_residents(scope: Grid, q: str, limit: int = 20, include_left: bool = False):
    q = (q or "").strip()
    if not q:
        return []
    query = (select(Resident).join(Household, Household.id == Resident.household_id)
             .join(Grid, Grid.id == Resident.grid_id)
             # in_subtree(scope), written as an indexed range: the scope's grids come first and
             # their residents by ix_residents_grid_id, rather than every resident of the county
             .where(starts_with(Grid.code, scope.code)))
    if not include_left:
        query = query.where(Resident.left_at.is_(None))
    if DIGITS.match(q):
        tail = q.upper()[::-1]  # stored reversed: "ends with" becomes an indexed "starts with"
        query = query.where(or_(starts_with(Resident.id_reversed, tail),
                                starts_with(Resident.phone_reversed, tail)))
    elif LATIN.match(q):
        key = q.lower()
        query = query.where(or_(starts_with(Resident.name_initials, key),
                                starts_with(Resident.name_pinyin, key)))
    else:
        query = query.where(or_(Resident.name.contains(q, autoescape=True),
                                Household.address.contains(q, autoescape=True)))
    query = query.options(selectinload(Resident.household), selectinload(Resident.grid))
    # lower() (the pinyin is stored lower-case, so the order is the same) keeps the planner from
    # walking the whole name_pinyin index in order and testing every resident of the county against
    # the scope and the words: the matches are found first (by the search-key indexes, or among the
    # scope's residents) and then sorted, which at county scale is milliseconds instead of seconds.
    return db.session.scalars(query.order_by(func.lower(Resident.name_pinyin), Resident.id)
                              .limit(limit)).all()
