"""Which modules are on where, and the 404 that a switched-off module is.

A town switches a module on or off (``portal.modules.services.set_module``); a county has a
module where any of its towns has it. Every plugin stays registered; these functions answer, for
one request, whether the plugin serving it is on where its records lie, and narrow the county's
lists to the towns where it is on.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import abort, current_app, has_request_context, request
from flask_login import current_user

from portal.grids.models import TOWN_CODE_WIDTH
from portal.tenancy.cache import request_cache
from portal.tenancy.codes import code_of, county_code, in_subtree, town_code

if TYPE_CHECKING:
    from portal.grids.models import Grid


#: How ``county_switches`` packs a county's towns and their modules into one string:
#: "430624001:points;430624001:volunteers;430624002:" (a town with nothing on has an empty name).
_PAIR, _NAME = ";", ":"


def county_switches(scope_code: Any):
    """SQL: every town of the county that the grid code ``scope_code`` (a column) lies in, with
    the modules switched on there, packed into one string. The user's load reads it in the same
    statement as the user and their scope (``portal.auth.sessions``), so a request asks nothing
    more to answer its gating questions; being read afresh each request, a switch made by another
    process counts at once (no cache across requests to invalidate)."""
    from sqlalchemy import and_, func, select
    from sqlalchemy.orm import aliased

    from portal.grids.models import COUNTY_CODE_WIDTH, TOWN, Grid
    from portal.modules.models import TownModule

    town, county = aliased(Grid), aliased(Grid)
    pair = town.code + _NAME + func.coalesce(TownModule.name, "")
    # a county's children are its towns (ALLOWED_CHILDREN): found by the indexed parent_id
    return (select(func.aggregate_strings(pair, _PAIR))
            .select_from(county)
            .join(town, and_(town.parent_id == county.id, town.level == TOWN))
            .outerjoin(TownModule, and_(TownModule.town_id == town.id,
                                        TownModule.enabled.is_(True)))
            .where(county.code == func.substr(scope_code, 1, COUNTY_CODE_WIDTH))
            .scalar_subquery())


def remember_user_places(scope: Grid, town: Grid | None, packed: str | None) -> None:
    """Keep for this request what the user's load read with the user: their town (for
    ``town_of``, which every page with a menu asks) and their county's switches."""
    if town is not None:
        request_cache("towns")[town.code] = town
    remember_county_switches(scope.code, packed)


def remember_county_switches(code: str, packed: str | None) -> None:
    """Keep for this request what ``county_switches`` read for the county of ``code``."""
    towns: dict[str, set[str]] = {}
    for pair in (packed or "").split(_PAIR) if packed else ():
        town, _sep, module = pair.partition(_NAME)
        names = towns.setdefault(town, set())
        if module:
            names.add(module)
    request_cache("modules_by_town")[county_code(code)] = towns


def modules_by_town(code: str) -> dict[str, set[str]]:
    """Each town of the county that ``code`` lies in, with the modules switched on there: one
    query per county and request (none for the logged-in user's county, read with the user),
    shared by every gating question of the request."""
    county = county_code(code)
    cache = request_cache("modules_by_town")
    if county not in cache:
        from portal.extensions import db
        from portal.grids.models import TOWN, Grid
        from portal.modules.models import TownModule

        towns: dict[str, set[str]] = {}
        for town, module in db.session.execute(
                db.select(Grid.code, TownModule.name)
                .outerjoin(TownModule, db.and_(TownModule.town_id == Grid.id,
                                               TownModule.enabled.is_(True)))
                .where(Grid.level == TOWN, in_subtree(Grid.code, county))):
            names = towns.setdefault(town, set())
            if module is not None:
                names.add(module)
        cache[county] = towns
    return cache[county]


def modules_on(node: Grid | str) -> set[str]:
    """Names of the modules on for the town of ``node`` (a grid or its code); for a county, those
    on in any of its towns."""
    code = code_of(node)
    towns = modules_by_town(code)
    town = town_code(code)
    if town is None:
        return set().union(*towns.values())
    return set(towns.get(town, ()))


def module_on_at(name: str, code: str) -> bool:
    """Whether module ``name`` is on for the town that the grid code ``code`` lies in (for a
    county's code: in any of its towns)."""
    towns = modules_by_town(code)
    town = town_code(code)
    if town is None:
        return any(name in names for names in towns.values())
    return name in towns.get(town, ())


def towns_on(name: str, scope: Grid) -> frozenset[str] | None:
    """Codes of the towns under ``scope`` (a county) where ``name`` is on, or None when it is on
    in every one of them (nothing to leave out)."""
    towns = modules_by_town(scope.code)
    on = frozenset(code for code, names in towns.items() if name in names)
    return None if len(on) == len(towns) else on


def in_subtree_where_on(name: str, scope: Grid, column: Any = None):
    """SQL condition for every list and count a module shows for the node ``scope``: the grid
    code ``column`` (``Grid.code`` unless told) lies under ``scope`` and, for a county, in a town
    where module ``name`` is on. A town that switched a module off keeps the records made while
    it was on; the county's lists, reports, pickers and cards must leave them out as the guard
    leaves out the town's pages. For a town or a node below it, just its subtree: the guard
    already answers 404 there when the module is off."""
    from sqlalchemy import and_, false, func

    from portal.grids.models import Grid

    column = Grid.code if column is None else column
    inside = in_subtree(column, scope)
    if len(scope.code) >= TOWN_CODE_WIDTH:
        return inside
    towns = towns_on(name, scope)
    if towns is None:
        return inside  # on everywhere: the query stays as it was
    if not towns:
        return false()
    return and_(inside, func.substr(column, 1, TOWN_CODE_WIDTH).in_(sorted(towns)))


def serving_plugin() -> str | None:
    """The plugin whose page answers this request (None for the core's pages)."""
    if not has_request_context():
        return None
    from portal.plugins import host

    owners = host(current_app).blueprint_owner
    return next((owners[b] for b in request.blueprints if b in owners), None)


def module_on_for_request(code: str) -> bool:
    """On a plugin's page: whether the plugin is on where ``code`` lies. Always true on the
    core's pages."""
    name = serving_plugin()
    return name is None or module_on_at(name, code)


def require_module_at(code: str) -> None:
    """404 unless the plugin serving this request is on for the town of ``code``. Every loader
    that finds what a plugin page acts for (a record, ``?town=``, ``?grid=``, a form's town)
    calls this, so a module switched off in a town is a 404 there for every role, the county's
    admin included (whom the blanket guard lets in because another town has it on)."""
    if not module_on_for_request(code):
        abort(404)


def request_scope() -> Grid | None:
    """The grid node a plugin page is about: a ``town_code`` or ``grid_code`` in the URL (public
    pages), else the logged-in user's scope."""
    from portal.extensions import db
    from portal.grids.models import Grid

    args = request.view_args or {}
    code = args.get("town_code") or args.get("grid_code")
    if code:
        return db.session.scalar(db.select(Grid).filter_by(code=code))
    if current_user.is_authenticated:
        return current_user.scope
    return None


def guard_module_pages():
    """before_request: a plugin's pages are 404 where the plugin is off. Its static files (CSS,
    images) stay public: they hold no data and public pages need them."""
    if request.endpoint and request.endpoint.endswith(".static"):
        return None
    from portal.plugins import host

    plugins = host()
    owner = next((plugins.blueprint_owner[b] for b in request.blueprints
                  if b in plugins.blueprint_owner), None)
    if owner is None:
        return None
    scope = request_scope()
    args = request.view_args or {}
    if scope is None and (args.get("town_code") or args.get("grid_code")):
        abort(404)  # a public page of a town or grid that does not exist
    if scope is None and not current_user.is_authenticated:
        from portal.extensions import login_manager

        return login_manager.unauthorized()  # which town? only a login can tell
    if scope is None or owner not in plugins.enabled_names(scope):
        abort(404)
    # A county user passes the line above when any town has the module on; a page that is told
    # which town it acts for (?town= or a form field) must find it on in that town.
    town = request.values.get("town")
    if town:
        require_module_at(town)
    return None
