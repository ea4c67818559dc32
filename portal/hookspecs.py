"""Every extension point of the portal: the table of contents of what a plugin can do.

Hooks are called with keyword arguments, so an implementation may accept any subset of them and
specs can grow new arguments without breaking plugins. A plugin implements hooks with
``@portal.hookimpl`` in its package's ``__init__.py``.

Per-town switching: set-up hooks run for every registered plugin at start-up. UI and event hooks
are called only for plugins switched on for the town concerned (see portal.plugins.PluginHost).
"""
import pluggy

hookspec = pluggy.HookspecMarker("portal")
hookimpl = pluggy.HookimplMarker("portal")

# ---------------------------------------------------------------- set-up (once, at start-up)


@hookspec
def configure_app(app):
    """Adjust the Flask app (config defaults, template filters, context processors)."""


@hookspec
def register_blueprints():
    """Return a list of Flask blueprints; each answers 404 in towns where the plugin is off."""


@hookspec
def register_migrations():
    """Return the path of the plugin's Alembic versions folder (its own branch, labelled with
    the plugin's name)."""


@hookspec
def register_permissions():
    """Return a list of portal.permissions.Permission the plugin introduces."""


@hookspec
def register_commands(cli):
    """Add click commands or groups to the ``portal`` command line (``cli`` is app.cli)."""


@hookspec
def register_demo_data(town, db):
    """Add the plugin's demo records for one demo town; must be idempotent. Called by
    ``portal demo`` only for towns where the plugin is on."""


@hookspec
def register_scale_demo_data(generator):
    """Add the plugin's rows to the county-scale demo (``portal demo --scale county``) in bulk:
    switch the module on in the towns of ``generator.towns`` marked ``modules``, take ids with
    ``generator.ids.take(table, n)`` and write with ``generator.write(table, rows)``
    (portal.demo_scale.Generator: towns, villages, base grids, households, rng, now). Called once
    for every loaded plugin."""


@hookspec
def plugin_info():
    """Return a dict with "label" (Chinese name shown on the module page) and "description"."""


# ---------------------------------------------------------------- UI (each returns a list item or a list)


@hookspec
def menu_links(user, town):
    """Return a list of portal.plugins.MenuLink for the navigation of ``user`` in ``town``."""


@hookspec
def dashboard_cards(scope, user):
    """Return a list of portal.plugins.Card for the home page of the grid node ``scope``."""


@hookspec
def grid_tabs(grid, user):
    """Return a list of portal.plugins.Tab shown on a grid's page."""


@hookspec
def template_slot(name, context):
    """Return HTML (markupsafe.Markup) to insert at the named slot of a core template."""


# ---------------------------------------------------------------- decisions (first answer wins)


@hookspec(firstresult=True)
def check_permission(user, action, obj):
    """Return True or False to decide whether ``user`` may do ``action`` (on ``obj``); None to
    leave it to the next implementation. The core's default runs last."""


@hookspec(firstresult=True)
def points_award_requested(resident, points, reason, source, actor):
    """Ask the points module to award ``points`` to ``resident`` (to their household's account
    where the town keeps points per household). ``reason`` is what the resident's statement shows
    ("志愿服务 3 小时：清扫村道"); ``source`` is a unique key of the evidence
    ("volunteers.activity:12"): the same source pays an account once, however often it is asked.
    Returns the ledger entry, or None where no points module is on. Call it through
    ``host().hook(resident.grid, "points_award_requested")`` so a town without points is skipped."""


@hookspec
def grid_measures(town, grids, since, until):
    """Return a list of portal.plugins.Measure: a figure per base grid over the local dates
    ``since``..``until`` that a contest may score (volunteer hours, mutual-aid problems solved …).
    Called only for the plugins on in ``town``; ``grids`` are the grids asked about."""


# ---------------------------------------------------------------- events (notify only)


@hookspec
def grid_created(grid, actor):
    """A grid node was created."""


@hookspec
def grid_changed(grid, change, actor):
    """A grid node was renamed, moved, retired or restored (``change`` says which)."""


@hookspec
def resident_created(resident, actor):
    """A resident was added to the register."""


@hookspec
def case_created(case, actor):
    """A case was reported (by anyone, through any channel)."""


@hookspec
def case_state_changed(case, old, new, action, actor):
    """A case moved from state ``old`` to ``new`` by ``action`` (a case closed, escalated ...)."""


@hookspec
def module_switched(town, name, enabled, actor):
    """A module was switched on or off for a town (called for the module itself even when it
    has just been switched off, so it can tidy up)."""
