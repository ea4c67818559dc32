"""The tenancy layer: which town is this, which modules are on there, may this user see this
record. Everything about the county → town → village → grid tree as a boundary lives here:

- ``codes``: a grid code's subtree (``in_subtree``, SQL and Python), its town and county taken
  from the code prefix;
- ``modules``: which modules are on in which towns (one query per county and request), the 404
  of a switched-off module, the county lists narrowed to the towns where it is on;
- ``records``: the scope a model declares (``scope_path``, ``scope_seen_from_below``),
  ``in_scope`` for permission checks and ``load_scoped`` for views;
- ``residents``: the one link from a login to its resident;
- ``cache``: the per-request memory behind all of these (``forget_modules`` when one is switched).
"""
from portal.tenancy.cache import forget_modules
from portal.tenancy.codes import (codes_above, county_code, in_subtree, in_subtree_or_above,
                                  town_code, town_of)
from portal.tenancy.modules import (guard_module_pages, in_subtree_where_on, module_on_at,
                                    module_on_for_request, modules_on, require_module_at,
                                    serving_plugin, towns_on)
from portal.tenancy.records import (in_scope, load_scoped, narrow, narrowed, scope_code_of,
                                    scoped_grid_arg, visible)
from portal.tenancy.residents import resident_of

__all__ = [
    "codes_above", "county_code", "forget_modules", "guard_module_pages", "in_scope",
    "in_subtree", "in_subtree_or_above", "in_subtree_where_on", "load_scoped", "module_on_at",
    "module_on_for_request", "narrow", "narrowed", "modules_on", "require_module_at", "resident_of", "scope_code_of",
    "scoped_grid_arg", "serving_plugin", "town_code", "town_of", "towns_on", "visible",
]
