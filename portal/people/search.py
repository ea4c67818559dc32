"""Finding a resident the way a grid worker types on a phone: a name or part of it, pinyin
initials ("zsf" finds 张三丰) or full pinyin, the last digits of an ID number or a phone, an
address.

A search by number must not undo the mask (430624********0013, 138****5678). Matching any
number of trailing digits let anyone who sees masked numbers recover a hidden digit at a time
("0013", "10013", "010013", …). So a user without ``people.sensitive`` may search numbers only
by exactly what the mask shows them, the last four characters, or by the whole number
(portal/people/number_search.py decides, audits and rate-limits every search by number).
"""
import re

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.grids.models import COUNTY, Grid
from portal.people import number_search
from portal.people.models import Household, Resident
from portal.people.number_search import SearchRefused  # noqa: F401  (callers catch it here)
from portal.tenancy import in_subtree_where_on, serving_plugin
from portal.validators import typed

LATIN = re.compile(r"^[A-Za-z]{1,30}$")


def starts_with(column, key: str):
    """``column LIKE 'key%'`` written so that an index on the column serves it: a range
    (``key <= column < key with its last character bumped``) does on SQLite and PostgreSQL, where
    LIKE with a bound prefix does not (SQLite's LIKE ignores case, PostgreSQL's needs the C
    collation). The LIKE stays as well, so the result is exact whatever the collation."""
    bumped = key[:-1] + chr(ord(key[-1]) + 1)
    return and_(column >= key, column < bumped, column.startswith(key, autoescape=True))


def search_residents(scope: Grid, q: str, limit: int = 20, include_left: bool = False, *,
                     user=number_search.CURRENT_USER):
    """Residents under ``scope`` matching ``q``.

    A search by number is checked against ``user``'s permissions (the logged-in user unless
    given; ``None`` for the command line), audited and rate-limited: it raises
    ``SearchRefused`` (with a message for the place the results would be shown) when refused.
    The audit entry is committed here, before anything else is changed: call this before the
    view changes anything."""
    q = typed(q)  # full-width digits and letters, as a phone's input method types them
    if not q:
        return []
    query = (select(Resident).join(Household, Household.id == Resident.household_id)
             .join(Grid, Grid.id == Resident.grid_id)
             # in_subtree(scope), written as an indexed range: the scope's grids come first and
             # their residents by ix_residents_grid_id, rather than every resident of the county
             .where(starts_with(Grid.code, scope.code)))
    module = serving_plugin()
    if module is not None and scope.level == COUNTY:
        # on a module's page, a county finds only the residents of the towns that have it on
        query = query.where(in_subtree_where_on(module, scope))
    if not include_left:
        query = query.where(Resident.left_at.is_(None))
    number = number_search.parse(q)
    if number is not None:
        check = number_search.Check(number, scope, user)
        check.refuse_if_not_allowed()
        query = query.where(_number_matches(number, check.exact))
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
    results = db.session.scalars(query.order_by(func.lower(Resident.name_pinyin), Resident.id)
                                 .limit(limit)).all()
    if number is not None:
        check.done(len(results))
    return results


def _number_matches(number: "number_search.Number", exact: bool):
    if exact:  # the whole number: equal, not "ends with"
        return or_(Resident.id_number == number.digits, Resident.phone == number.digits,
                   Resident.phone == number.typed)
    tail = number.digits[::-1]  # stored reversed: "ends with" becomes an indexed "starts with"
    return or_(starts_with(Resident.id_reversed, tail), starts_with(Resident.phone_reversed, tail))


def find_residents(scope: Grid, q: str, limit: int = 20, **options):
    """``(residents, refusal)`` for a page that shows a search's results among other things:
    the refusal (or None) is shown where the results would be (templates/people/
    _search_refusal.html), and ``refusal_status`` gives the page's status."""
    try:
        return (search_residents(scope, q, limit, **options) if q else []), None
    except SearchRefused as refusal:
        return [], refusal


def refusal_status(refusal, status: int = 200) -> int:
    """A page's status when its search may have been refused: the refusal's (400, 429) unless
    the page already answers an error, 200 for an htmx partial that must be swapped in."""
    if refusal is None:
        return status
    return max(status, number_search.status_for(refusal))
