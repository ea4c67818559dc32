"""The plugin host: one pluggy PluginManager per app, and per-town switching at run time.

Every plugin is registered at start-up whatever the towns chose; a town's switched-off plugins are
left out of the hook calls made for that town (``subset_hook_caller``), out of its menus and cards,
and their blueprints answer 404 for it. A plugin that fails to import or to set up is recorded in
``failed`` with its error and left out; the portal and every other plugin go on.
"""
import importlib
import importlib.util
import logging
import os
import re
import traceback
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path

import pluggy
from flask import abort, g, has_request_context, request
from flask_login import current_user
from markupsafe import Markup

from portal import hookspecs
from portal.grids.models import COUNTY_CODE_WIDTH, TOWN_CODE_WIDTH

log = logging.getLogger(__name__)

#: Built-in optional modules, by import path. Listed explicitly: nothing is registered by accident.
BUILTIN_PLUGINS: tuple[str, ...] = ("plugins.points", "plugins.volunteers", "plugins.mutual_aid",
                                     "plugins.associations", "plugins.best_grid")

#: Core behaviour written as an ordinary (always-on) plugin.
CORE_PLUGINS = ("portal.core_hooks",)

ENTRY_POINT_GROUP = "portal.plugins"
PLUGIN_NAME = re.compile(r"^[a-z][a-z0-9_]{1,30}$")


@dataclass(order=True)
class MenuLink:
    order: int
    label: str
    url: str


@dataclass(order=True)
class Card:
    order: int
    title: str
    body: Markup
    url: str | None = None


@dataclass(order=True)
class Tab:
    order: int
    label: str
    url: str


@dataclass
class Measure:
    """A figure per grid a module offers for scoring (``values``: grid id -> number). ``per``
    says what it is counted per (e.g. "100户"), for the page that shows it."""

    key: str
    label: str
    values: dict
    per: str = ""


class PluginSetupError(Exception):
    pass


class PluginHost:
    def __init__(self, app):
        self.app = app
        self.pm = pluggy.PluginManager("portal")
        self.pm.add_hookspecs(hookspecs)
        #: name -> module of every switchable plugin that loaded.
        self.optional: dict[str, object] = {}
        #: name -> error text of every plugin that failed to import or to set up.
        self.failed: dict[str, str] = {}
        #: blueprint name -> plugin name, for the 404 guard.
        self.blueprint_owner: dict[str, str] = {}
        #: plugin name -> its Alembic versions folder (a branch labelled with the plugin's name).
        self.migrations: dict[str, str] = {}
        #: role name -> the plugin that declared it (the core's roles are not listed).
        self.role_owner: dict[str, str] = {}
        if os.environ.get("PORTAL_TRACE_HOOKS") == "1":
            self.pm.trace.root.setwriter(print)
            self.pm.enable_tracing()

    @property
    def migration_dirs(self) -> list[str]:
        return list(self.migrations.values())

    # ------------------------------------------------------------ discovery

    def load(self):
        for path in CORE_PLUGINS:
            self.pm.register(importlib.import_module(path), name=path.rsplit(".", 1)[-1])
        for path in (*BUILTIN_PLUGINS, *self.app.config["PLUGINS_EXTRA"]):
            self._load(path.rsplit(".", 1)[-1], lambda p=path: importlib.import_module(p))
        if self.app.config["PLUGINS_ENTRY_POINTS"]:
            for ep in entry_points(group=ENTRY_POINT_GROUP):
                self._load(ep.name, ep.load)

    def _load(self, name, importer):
        if name in self.optional or name in self.failed:
            return
        try:
            if not PLUGIN_NAME.match(name):
                raise PluginSetupError(f"plugin name {name!r} must be lower-case letters, digits, _")
            module = importer()
            import_submodule(module, "models")  # its tables, before create_all / migrations
            self.pm.register(module, name=name)
            self.optional[name] = module
            self._add_hookspecs(module)
            check_table_prefixes(name, module)
        except Exception as exc:  # a broken plugin must never take the portal down
            self._fail(name, exc)

    def _add_hookspecs(self, module):
        """The hooks a plugin offers other plugins: its ``add_hookspecs`` hook, else its
        ``hookspecs`` module (as pytest's ``pytest_addhooks``)."""
        if getattr(module, "add_hookspecs", None) is not None:
            self._call_one(module, "add_hookspecs", pluginmanager=self.pm)
            return
        specs = import_submodule(module, "hookspecs")
        if specs is not None:
            self.pm.add_hookspecs(specs)

    def _fail(self, name, exc):
        self.failed[name] = f"{type(exc).__name__}: {exc}"
        log.error("plugin %s failed and is left out:\n%s", name, traceback.format_exc())
        plugin = self.optional.pop(name, None)
        if plugin is not None and self.pm.is_registered(plugin):
            self.pm.unregister(plugin)

    # ------------------------------------------------------------ set-up hooks, one plugin at a time

    def setup(self, cli):
        from portal.permissions import CORE_PERMISSIONS, CORE_ROLES

        permissions = {p.name: p for p in CORE_PERMISSIONS}
        roles = {r.name: r for r in CORE_ROLES}
        for name, module in list(self.optional.items()):
            try:
                self._setup_one(name, module, cli, permissions, roles)
            except Exception as exc:
                self._fail(name, exc)
        self.app.extensions["portal_permissions"] = permissions
        # highest rank first: the order of the user forms and of docs/permissions.md
        self.app.extensions["portal_roles"] = dict(sorted(roles.items(),
                                                          key=lambda item: -item[1].rank))

    def _call_one(self, module, hook, **kwargs):
        impl = getattr(module, hook, None)
        if impl is None:
            return None
        caller = self.pm.subset_hook_caller(hook, remove_plugins=[
            p for p in self.pm.get_plugins() if p is not module])
        results = caller(**kwargs)
        return results[0] if results else None

    def _setup_one(self, name, module, cli, permissions, roles):
        # roles and permissions are checked before anything is kept: a plugin refused here
        # leaves no half of itself in the registries
        own_roles = {}
        for role in self._call_one(module, "register_roles") or []:
            if role.name in roles or role.name in own_roles:
                raise PluginSetupError(f"role {role.name!r} is already declared")
            own_roles[role.name] = role
        own_permissions = {}
        for perm in self._call_one(module, "register_permissions") or []:
            if not perm.name.startswith(name + "."):
                raise PluginSetupError(f"permission {perm.name!r} must start with {name}.")
            own_permissions[perm.name] = perm
        self._call_one(module, "configure_app", app=self.app)
        for bp in self._blueprints(name, module):
            if bp.name != name and not bp.name.startswith(name + "_"):
                raise PluginSetupError(f"blueprint {bp.name!r} must be named after the plugin")
            self.app.register_blueprint(bp)
            self.blueprint_owner[bp.name] = name
        versions = self._migrations(module)
        if versions:
            self.migrations[name] = str(versions)
        roles.update(own_roles)
        self.role_owner.update(dict.fromkeys(own_roles, name))
        permissions.update(own_permissions)
        self._call_one(module, "register_commands", cli=cli)

    # ------------------------------------------------------------ what the package says by convention

    def _blueprints(self, name, module) -> list:
        """``register_blueprints`` if the plugin has it; else every Blueprint at module level of
        its ``blueprint`` module (its route table), else ``bp`` of its ``views`` module. The
        plugin's own blueprint gets the package's ``templates`` and ``static`` folders when it
        names none."""
        from flask import Blueprint

        if getattr(module, "register_blueprints", None) is not None:
            return list(self._call_one(module, "register_blueprints") or [])
        table = import_submodule(module, "blueprint")
        if table is not None:
            found = list({id(v): v for v in vars(table).values()
                          if isinstance(v, Blueprint)}.values())
        else:
            views = import_submodule(module, "views")
            found = [views.bp] if views is not None and hasattr(views, "bp") else []
        folder = package_dir(module)
        for bp in found:
            if bp.name != name:
                continue
            if bp.template_folder is None and (folder / "templates").is_dir():
                bp.template_folder = str(folder / "templates")
            if bp.static_folder is None and (folder / "static").is_dir():
                bp.static_folder = str(folder / "static")
        return found

    def _migrations(self, module) -> str | None:
        """``register_migrations`` if the plugin has it, else ``migrations/versions`` of its
        package when that folder exists."""
        if getattr(module, "register_migrations", None) is not None:
            found = self._call_one(module, "register_migrations")
            return str(found) if found else None
        versions = package_dir(module) / "migrations" / "versions"
        return str(versions) if versions.is_dir() else None

    # ------------------------------------------------------------ per-town switching

    def info(self, name) -> dict:
        module = self.optional[name]
        data = self._call_one(module, "plugin_info") or {}
        return {"label": data.get("label", name), "description": data.get("description", "")}

    def enabled_names(self, scope) -> set[str]:
        """Plugins on for the grid node ``scope``: its town's choice; for a county, every plugin
        that some town under it has switched on. Cached for the request."""
        from portal.modules.services import enabled_modules

        if scope is None:
            return set()
        cache = g.setdefault("_portal_enabled", {}) if has_request_context() else {}
        if scope.code not in cache:
            cache[scope.code] = enabled_modules(scope) & set(self.optional)
        return cache[scope.code]

    def hook(self, scope, name):
        """The hook ``name`` restricted to the plugins on for ``scope`` (built once a request)."""
        cache = g.setdefault("_portal_hooks", {}) if has_request_context() else {}
        key = (scope.code if scope is not None else None, name)
        if key not in cache and not hasattr(self.pm.hook, name):
            # a hook declared by a plugin that is not loaded (points_award_requested without
            # points): nobody answers
            cache[key] = _nobody_answers
        if key not in cache:
            enabled = self.enabled_names(scope)
            off = [m for n, m in self.optional.items() if n not in enabled]
            cache[key] = self.pm.subset_hook_caller(name, remove_plugins=off)
        return cache[key]

    def collect(self, scope, name, /, **kwargs) -> list:
        """Call a list-returning UI hook for ``scope`` and flatten the results, sorted."""
        items: list = []
        for result in self.hook(scope, name)(**kwargs) or []:
            items.extend(result if isinstance(result, (list, tuple)) else [result])
        return sorted(items, key=lambda item: getattr(item, "order", 0))

    def notify(self, scope, event, /, **kwargs):
        """Tell the plugins that are on for ``scope`` that something happened."""
        self.hook(scope, event)(**kwargs)

    def guard_blueprints(self):
        """before_request: a plugin's pages are 404 where the plugin is off. Its static files
        (CSS, images) stay public: they hold no data and public pages need them."""
        if request.endpoint and request.endpoint.endswith(".static"):
            return None
        owner = next((self.blueprint_owner[b] for b in request.blueprints
                      if b in self.blueprint_owner), None)
        if owner is None:
            return None
        scope = request_scope()
        args = request.view_args or {}
        if scope is None and (args.get("town_code") or args.get("grid_code")):
            abort(404)  # a public page of a town or grid that does not exist
        if scope is None and not current_user.is_authenticated:
            from portal.extensions import login_manager

            return login_manager.unauthorized()  # which town? only a login can tell
        if scope is None or owner not in self.enabled_names(scope):
            abort(404)
        # A county user passes the line above when any town has the module on; a page that is
        # told which town it acts for (?town= or a form field) must find it on in that town.
        town = request.values.get("town")
        if town:
            require_module_at(town)
        return None

    def _modules_by_town(self, county_code: str) -> dict[str, set[str]]:
        """Each town of the county ``county_code`` with the modules switched on there: one query
        per county and request, shared by every gating question of the request."""
        cache = g.setdefault("_portal_towns_on", {}) if has_request_context() else {}
        if county_code not in cache:
            from portal.extensions import db
            from portal.grids.models import TOWN, Grid
            from portal.modules.models import TownModule

            towns: dict[str, set[str]] = {}
            for code, module in db.session.execute(
                    db.select(Grid.code, TownModule.name)
                    .outerjoin(TownModule, db.and_(TownModule.town_id == Grid.id,
                                                   TownModule.enabled.is_(True)))
                    .where(Grid.level == TOWN, Grid.code.startswith(county_code, autoescape=True))):
                towns.setdefault(code, set()).add(module)
            cache[county_code] = towns
        return cache[county_code]

    def towns_on(self, name: str, scope) -> frozenset[str] | None:
        """Codes of the towns under ``scope`` (a county) where ``name`` is on, or None when it is
        on in every one of them (nothing to leave out)."""
        towns = self._modules_by_town(scope.code[:COUNTY_CODE_WIDTH])
        on = frozenset(code for code, names in towns.items() if name in names)
        return None if len(on) == len(towns) else on

    def module_on_at(self, name: str, code: str) -> bool:
        """Whether ``name`` is on for the town that the grid code ``code`` lies in (for a county's
        code: in any of its towns)."""
        towns = self._modules_by_town(code[:COUNTY_CODE_WIDTH])
        if len(code) < TOWN_CODE_WIDTH:
            return any(name in names for names in towns.values())
        return name in towns.get(code[:TOWN_CODE_WIDTH], ())


def in_subtree_where_on(name: str, scope, column=None):
    """SQL condition for every list and count a module shows for the node ``scope``: the grid
    code ``column`` (``Grid.code`` unless told) lies under ``scope`` and, for a county, in a
    town where module ``name`` is on. A town that switched a module off keeps the records made
    while it was on; the county's lists, reports, pickers and cards must leave them out as the
    guard leaves out the town's pages. For a town or a node below it, just its subtree: the
    guard already answers 404 there when the module is off."""
    from sqlalchemy import and_, false, func

    from portal.grids.models import Grid

    column = Grid.code if column is None else column
    inside = column.startswith(scope.code, autoescape=True)
    if len(scope.code) >= TOWN_CODE_WIDTH:
        return inside
    towns = host().towns_on(name, scope)
    if towns is None:
        return inside  # on everywhere: the query stays as it was
    if not towns:
        return false()
    return and_(inside, func.substr(column, 1, TOWN_CODE_WIDTH).in_(sorted(towns)))


def serving_plugin() -> str | None:
    """The plugin whose page answers this request (None for the core's pages)."""
    if not has_request_context():
        return None
    from flask import current_app

    owners = host(current_app).blueprint_owner
    return next((owners[b] for b in request.blueprints if b in owners), None)


def module_on_for_request(code: str) -> bool:
    """On a plugin's page: whether the plugin is on where ``code`` lies. Always true on the
    core's pages."""
    name = serving_plugin()
    return name is None or host().module_on_at(name, code)


def require_module_at(code: str) -> None:
    """404 unless the plugin serving this request is on for the town of ``code``. Every loader
    that finds what a plugin page acts for (a record, ``?town=``, ``?grid=``, a form's town)
    calls this, so a module switched off in a town is a 404 there for every role, the county's
    admin included (whom the blanket guard lets in because another town has it on)."""
    if not module_on_for_request(code):
        abort(404)


def request_scope():
    """The grid node a plugin page is about: a ``town_code`` or ``grid_code`` in the URL (public
    pages), else the logged-in user's scope."""
    from portal.grids.models import Grid
    from portal.extensions import db

    args = request.view_args or {}
    code = args.get("town_code") or args.get("grid_code")
    if code:
        return db.session.scalar(db.select(Grid).filter_by(code=code))
    if current_user.is_authenticated:
        return current_user.scope
    return None


def _nobody_answers(**kwargs) -> None:
    return None


def package_dir(module) -> Path:
    return Path(module.__file__).resolve().parent


def import_submodule(module, name: str):
    """``<package>.<name>`` if the plugin's package has it, else None (an error inside it is
    raised: a broken module must fail the plugin, not vanish)."""
    if not hasattr(module, "__path__"):
        return None  # a single-module plugin has no submodules
    full = f"{module.__name__}.{name}"
    if importlib.util.find_spec(full) is None:
        return None
    return importlib.import_module(full)


def check_table_prefixes(name, module):
    """A plugin's tables must carry its name as prefix (``points_ledger``), so that plugins can
    never collide with each other or with the core."""
    from portal.extensions import db

    package = module.__name__
    for mapper in db.Model.registry.mappers:
        cls = mapper.class_
        if cls.__module__ == package or cls.__module__.startswith(package + "."):
            table = mapper.local_table.name
            if not table.startswith(name + "_"):
                raise PluginSetupError(f"table {table!r} must start with {name}_")


def host(app=None) -> PluginHost:
    from flask import current_app

    return (app or current_app).extensions["portal_plugins"]
