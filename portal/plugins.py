"""The plugin host: one pluggy PluginManager per app, and per-town hook calls at run time.

Every plugin is registered at start-up whatever the towns chose; a town's switched-off plugins are
left out of the hook calls made for that town (``subset_hook_caller``), out of its menus and cards,
and their blueprints answer 404 for it (which modules are on where, and that 404, belong to
``portal.tenancy``). A plugin that fails to import or to set up is recorded in
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
from markupsafe import Markup

from portal import hookspecs
from portal.tenancy.cache import request_cache

log = logging.getLogger(__name__)

#: Built-in optional modules, by import path. Listed explicitly: nothing is registered by accident.
BUILTIN_PLUGINS: tuple[str, ...] = ("plugins.points", "plugins.volunteers", "plugins.mutual_aid",
                                     "plugins.associations", "plugins.best_grid",
                                     "plugins.wecom_robot", "plugins.disputes",
                                     "plugins.rentals", "plugins.places",
                                     "plugins.grid_work")

#: Core behaviour written as an ordinary (always-on) plugin.
CORE_PLUGINS = ("portal.core_hooks", "portal.notifications.core_channels")

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
        #: (plugins on, hook name) -> the hook caller without the others (``_caller``); emptied
        #: whenever a plugin is registered or left out.
        self._callers: dict[tuple[frozenset[str], str], object] = {}
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
        self._callers.clear()
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
        self._callers.clear()
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
        that some town under it has switched on (``portal.tenancy.modules_on``)."""
        from portal.tenancy import modules_on

        if scope is None:
            return set()
        return modules_on(scope) & set(self.optional)

    def hook(self, scope, name):
        """The hook ``name`` restricted to the plugins on for ``scope`` (looked up once a
        request; forgotten with the modules when one is switched)."""
        cache = request_cache("hooks")
        key = (scope.code if scope is not None else None, name)
        caller = cache.get(key)
        if caller is None:
            caller = cache[key] = self._caller(frozenset(self.enabled_names(scope)), name)
        return caller

    def _caller(self, enabled: frozenset[str], name: str):
        """The hook ``name`` without the plugins not in ``enabled``, made once per process for
        each set of plugins that is on somewhere: the key is the set itself, so a town that
        switches a module asks for another key and nothing needs invalidating."""
        key = (enabled, name)
        caller = self._callers.get(key)
        if caller is None:
            if not hasattr(self.pm.hook, name):
                # a hook declared by a plugin that is not loaded (points_award_requested
                # without points): nobody answers
                caller = _nobody_answers
            else:
                off = [m for n, m in self.optional.items() if n not in enabled]
                caller = self.pm.subset_hook_caller(name, remove_plugins=off)
            self._callers[key] = caller
        return caller

    def collect(self, scope, name, /, **kwargs) -> list:
        """Call a list-returning UI hook for ``scope`` and flatten the results, sorted."""
        items: list = []
        for result in self.hook(scope, name)(**kwargs) or []:
            items.extend(result if isinstance(result, (list, tuple)) else [result])
        return sorted(items, key=lambda item: getattr(item, "order", 0))

    def notify(self, scope, event, /, **kwargs):
        """Tell the plugins that are on for ``scope`` that something happened."""
        self.hook(scope, event)(**kwargs)


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
