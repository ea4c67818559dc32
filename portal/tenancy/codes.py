"""Grid codes as the tenancy sees them: a code is its node's materialised path, so "under this
node" is a prefix test and the town or county of a code is its first digits (no parent grids are
loaded to find them)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from portal.grids.models import COUNTY_CODE_WIDTH, SEGMENT_WIDTH, TOWN_CODE_WIDTH

if TYPE_CHECKING:
    from portal.grids.models import Grid


def code_of(node: Grid | str) -> str:
    """The code of a grid node, or the code itself."""
    return node if isinstance(node, str) else node.code


def in_subtree(column_or_code: Any, scope: Grid | str):
    """Whether a grid code lies in the subtree of ``scope`` (the node itself included).

    Given a column (``Grid.code``, ``AuditEntry.scope_code``) it is the SQL condition, an indexed
    prefix match with ``%`` and ``_`` escaped; given a code (a ``str``) it is the same test in
    Python. A code of ``None`` (a record hanging on no grid) lies in no subtree."""
    prefix = code_of(scope)
    if column_or_code is None:
        return False
    if isinstance(column_or_code, str):
        return column_or_code.startswith(prefix)
    return column_or_code.startswith(prefix, autoescape=True)


def in_subtree_or_above(code: str | None, scope: Grid | str) -> bool:
    """The code lies under ``scope`` or on the path above it: a village's association is seen by
    the grid workers of that village (Python form only: a query never needs it)."""
    if code is None:
        return False
    return in_subtree(code, scope) or code_of(scope).startswith(code)


def codes_above(code: str) -> list[str]:
    """The codes of the path from the county down to ``code``, itself included: the nodes whose
    subtree holds it (whose users may be given a record there)."""
    return [code[:n] for n in range(COUNTY_CODE_WIDTH, len(code) + 1, SEGMENT_WIDTH)]


def town_code(code: str) -> str | None:
    """The code of the town a grid code lies in (None for a county's own code)."""
    return code[:TOWN_CODE_WIDTH] if len(code) >= TOWN_CODE_WIDTH else None


def county_code(code: str) -> str:
    """The code of the county a grid code lies in."""
    return code[:COUNTY_CODE_WIDTH]


def town_of(node: Grid) -> Grid | None:
    """The town grid ``node`` lies in (itself for a town), found by its code prefix in one
    query, kept for the request; None for a county."""
    from portal.extensions import db
    from portal.grids.models import Grid
    from portal.tenancy.cache import request_cache

    code = town_code(node.code)
    if code is None:
        return None
    if code == node.code:
        return node
    towns = request_cache("towns")
    if code not in towns:
        towns[code] = db.session.scalar(db.select(Grid).filter_by(code=code))
    return towns[code]


def remember_towns(codes) -> dict[str, Grid | None]:
    """The towns of ``codes`` (town codes), those not yet kept for the request loaded in one
    query: a list of a county's records asks town_of for each town of its rows."""
    from portal.extensions import db
    from portal.grids.models import Grid
    from portal.tenancy.cache import request_cache

    codes = set(codes)
    towns = request_cache("towns")
    missing = codes - set(towns)
    if missing:
        for town in db.session.scalars(db.select(Grid).where(Grid.code.in_(missing))):
            towns[town.code] = town
        for code in missing:
            towns.setdefault(code, None)
    return {code: towns[code] for code in codes}
