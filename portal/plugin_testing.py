"""What the core's tests ask each loaded plugin for, so that they name no plugin.

The security, fuzz, gating and masking tests of the core cover every plugin's routes. They used to
import each plugin's fixtures, so deleting a plugin's folder stopped the suite at collection. Now
each plugin answers four questions in its own ``<package>/testing.py``, found by convention like
its blueprint and migrations (a hook of the same name in the plugin, portal.hookspecs, overrides
the convention; the example plugin answers through hooks):

- ``testing_roles()``: its own roles' test users (where in the tree) and reviewed permissions,
  as TestRole, so that the core's tests name no plugin role;
- its pytest fixtures (its records in the two-town tree: ``points``, ``vol`` …), which every test
  may use: the ``testing.py`` module itself (hook: ``testing_fixtures()``, a dotted module name).
  This module, a pytest plugin loaded with ``-p portal.plugin_testing``, registers them for the
  plugins that are installed;
- ``testing_records(tree)``: a record of every kind in town A, as a PluginRecords;
- ``testing_routes()``: the plugin's route-by-role table and world, as a PluginRoutes.

A core test about one plugin's page asks for that plugin with ``needs_plugin("points")``: it is
skipped, not broken, on a portal without it.

PYTEST_DONT_REWRITE: portal.testing imports this module before pytest loads it as a plugin (its
visitors include the plugins' roles), and it holds no assert to rewrite.
"""
from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from types import ModuleType
from typing import Any

import pluggy
import pytest


@dataclass(frozen=True)
class TestRole:
    """A plugin role's part of the core's tests."""

    __test__ = False  # not a test class, whatever pytest makes of its name

    #: The node of town A (an attribute of portal.testing's tree: ``village_a1``, ``grid_a1`` …)
    #: where the tree gives the role its user, named after the role.
    scope: str
    #: The permissions the role was reviewed to hold (tests/test_least_privilege.py).
    permissions: frozenset[str] = frozenset()


@dataclass
class PluginRecords:
    """A plugin's records in town A of the two-town tree, for the core's isolation tests."""

    plugin: str
    #: URL argument -> a town-A value, for every argument of the plugin's routes.
    url_values: dict[str, Any]
    #: endpoint -> URL values of its own (a scan URL carrying its activity's token).
    url_overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Strings only town A's records contain: no town-B page may show them.
    markers: tuple[str, ...] = ()
    #: endpoint -> why town B may open it with town A's values (a public page).
    not_scoped: dict[str, str] = field(default_factory=dict)
    #: The records themselves, for tests that look further (e.g. the masking tests).
    records: Any = None


@dataclass
class PluginRoutes:
    """A plugin's route matrix (portal.testing.Rule per (endpoint, method)) and how to fill it:
    ``world(tree)`` builds its records in town A, ``build(app, world)`` returns the function
    that turns (endpoint, arguments) into a URL."""

    plugin: str
    table: dict
    world: Callable[[Any], Any]
    build: Callable[[Any, Any], Callable[[str, Any], str]]
    #: (record, attribute) of the world's records that the plugin's lists show by that attribute
    #: (a name, a title): the county-list test marks them and looks for the mark.
    listed: Callable[[Any], list[tuple[Any, str]]] = lambda world: []


@cache
def _installed_plugins() -> pluggy.PluginManager:
    """The built-in plugins that import, registered on a manager of their own: the tests ask
    before any app exists (``pytest_configure``)."""
    from portal import hookspecs
    from portal.plugins import BUILTIN_PLUGINS

    manager = pluggy.PluginManager("portal")
    manager.add_hookspecs(hookspecs)
    for path in BUILTIN_PLUGINS:
        try:
            manager.register(importlib.import_module(path), name=path.rsplit(".", 1)[-1])
        except ImportError:
            continue  # its folder was deleted: the suite goes on without it
    return manager


def _testing_module(plugin: object) -> ModuleType | None:
    """``<package>.testing`` of a plugin package, when it has one (imported only by the tests)."""
    if not hasattr(plugin, "__path__"):  # a plain module (the core's own hooks)
        return None
    name = f"{plugin.__name__}.testing"  # type: ignore[attr-defined]
    return importlib.import_module(name) if importlib.util.find_spec(name) else None


def ask(manager: pluggy.PluginManager, question: str, names=None, **kwargs) -> list:
    """Every plugin's answer to one of the testing questions, in registration order (``names``:
    only those plugins): its own hook implementation when it has one, else the function of that
    name in its ``testing.py`` (for ``testing_fixtures``: that module's name)."""
    answers = []
    own = {id(impl.plugin): impl for impl in getattr(manager.hook, question).get_hookimpls()}
    for name, plugin in manager.list_name_plugin():
        if names is not None and name not in names:
            continue
        impl = own.get(id(plugin))
        if impl is not None:
            answers.append(impl.function(**{arg: kwargs[arg] for arg in impl.argnames}))
            continue
        module = _testing_module(plugin)
        if module is None:
            continue
        if question == "testing_fixtures":
            answers.append(module.__name__)
        elif hasattr(module, question):
            answers.append(getattr(module, question)(**kwargs))
    return answers


@cache
def installed_names() -> frozenset[str]:
    return frozenset(name for name, _plugin in _installed_plugins().list_name_plugin())


@cache
def plugin_roles() -> dict[str, TestRole]:
    """role -> TestRole of every installed plugin's own roles (``testing_roles``), in the order
    of the built-in list; asked before any app exists (the visitors of the route tests are
    parameters)."""
    found: dict[str, TestRole] = {}
    for answer in ask(_installed_plugins(), "testing_roles"):
        found.update(answer or {})
    return found


def needs_plugin(*names: str) -> pytest.MarkDecorator:
    """Skip a core test about some plugins' pages where one of them is not installed (its
    fixtures, e.g. ``points``, come from the plugin's ``testing_fixtures`` module)."""
    missing = sorted(set(names) - installed_names())
    return pytest.mark.skipif(bool(missing), reason=f"plugins not installed: {missing}")


def pytest_configure(config: pytest.Config) -> None:
    for module in ask(_installed_plugins(), "testing_fixtures"):
        if not module or config.pluginmanager.has_plugin(module):
            continue
        if module in sys.modules:  # imported already by the plugin's own conftest
            config.pluginmanager.register(sys.modules[module], module)
        else:
            config.pluginmanager.import_plugin(module)


def plugin_records(app, tree) -> dict[str, PluginRecords]:
    """Ask every loaded plugin (of ``app``) for its records in town A of ``tree``."""
    from portal.plugins import host

    found = {r.plugin: r for r in ask(host(app).pm, "testing_records", tree=tree) if r is not None}
    return {name: found[name] for name in host(app).optional if name in found}


def plugin_routes(app) -> dict[str, PluginRoutes]:
    from portal.plugins import host

    found = {r.plugin: r for r in ask(host(app).pm, "testing_routes") if r is not None}
    return {name: found[name] for name in host(app).optional if name in found}  # load order
