"""The extension points the core calls: the table of contents of what a plugin can do for it.

Hooks are called with keyword arguments, so an implementation may accept any subset of them and
specs can grow new arguments without breaking plugins. A plugin implements hooks with
``@portal.hookimpl`` in its package's ``__init__.py``.

What a plugin owns, and where it lives (the host, portal.plugins.PluginHost, derives it from the
package by convention, as datasette does; a set-up hook below overrides the convention):

- its blueprints: every ``flask.Blueprint`` at module level of ``<package>.blueprint`` (its route
  table), else ``bp`` of ``<package>.views``; ``register_blueprints`` overrides;
- its Alembic branch (labelled with the plugin's name): ``<package>/migrations/versions``;
  ``register_migrations`` overrides. ``portal plugins remove NAME`` downgrades it to base;
- its models (``<package>.models``, imported when present), templates and static files (the
  ``templates`` and ``static`` folders beside its blueprint);
- its roles (``register_roles``) and permissions (``register_permissions``);
- the hooks it offers other plugins: their specs live in ``<package>.hookspecs`` (added to the
  plugin manager when the plugin loads, like pytest's ``pytest_addhooks``; ``add_hookspecs``
  overrides), e.g. ``points_award_requested`` in ``plugins.points.hookspecs`` and
  ``grid_measures`` in ``plugins.best_grid.hookspecs``. A plugin implementing a hook whose
  declaring plugin may be absent marks it ``@hookimpl(optionalhook=True)``; calling such a hook
  through ``host().hook(scope, name)`` while its declarer is absent answers None (``collect``: []);
- its part of the core's test machinery (``testing_roles``, ``testing_records``,
  ``testing_routes``), written in ``<package>/testing.py`` and imported only when the tests ask.

This module lists only what the core itself calls. Per-town switching: set-up hooks run for every
registered plugin at start-up. UI and event hooks are called only for plugins switched on for the
town concerned (see portal.plugins.PluginHost).
"""
import pluggy

hookspec = pluggy.HookspecMarker("portal")
hookimpl = pluggy.HookimplMarker("portal")

# ---------------------------------------------------------------- set-up (once, at start-up)


@hookspec
def configure_app(app):
    """Adjust the Flask app (config defaults, template filters, context processors)."""


@hookspec
def add_hookspecs(pluginmanager):
    """Add the hook specifications this plugin declares for other plugins
    (``pluginmanager.add_hookspecs(module)``). Default: the plugin's ``hookspecs`` module, if any."""


@hookspec
def register_roles():
    """Return a list of portal.permissions.Role only this plugin needs (named freely); give them
    permissions in ``register_permissions``. Users holding a role whose plugin is gone keep their
    row, show the raw role name and hold no permission."""


@hookspec
def register_blueprints():
    """Return a list of Flask blueprints; each answers 404 in towns where the plugin is off.
    Default: every Blueprint at module level of ``<package>.blueprint``, else
    ``<package>.views.bp``."""


@hookspec
def register_migrations():
    """Return the path of the plugin's Alembic versions folder (its own branch, labelled with
    the plugin's name). Default: ``<package>/migrations/versions`` when it exists."""


@hookspec
def register_permissions():
    """Return a list of portal.permissions.Permission the plugin introduces."""


@hookspec
def register_commands(cli):
    """Add click commands or groups to the ``portal`` command line (``cli`` is app.cli)."""


@hookspec
def register_demo_data(town, db):
    """Add the plugin's demo records for one demo town; must be idempotent. Called by
    ``portal demo`` only for towns where the plugin is on. Return the demo logins of the
    plugin's own roles made (or found) for this town, as (username, role, grid) made with
    portal.demo.demo_login, for ``portal demo`` to print with the core's; None for none."""


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


@hookspec
def audit_labels():
    """Return the names the audit log shows for the plugin's entries (portal.audit.labels), a dict
    of dicts of lazy strings: "actions" (action code -> name), "objects" (model class name ->
    name), "fields" (detail key -> name). Asked of every loaded plugin, switched on or not."""


# ---------------------------------------------------------------- UI (each returns a list item or a list)


@hookspec
def menu_links(user, town):
    """Return a list of portal.plugins.MenuLink for the navigation of ``user`` in ``town``."""


@hookspec
def dashboard_cards(scope, user):
    """Return a list of portal.plugins.Card for the home page of the grid node ``scope``."""


@hookspec
def today_items(user, scope):
    """Return a list of portal.today.TodayItem: what ``user`` (whose scope is ``scope``) must
    do today in this module (activities tomorrow, pairing visits due, applications to decide,
    a resident's points ...), each number linked to the list of exactly those rows. Shown on
    the home page, the printed day sheet and the daily digest (portal.today.items_for); order
    100 and up. Asked only of the plugins on for the user's town."""


@hookspec
def grid_tabs(grid, user):
    """Return a list of portal.plugins.Tab shown on a grid's page."""


@hookspec
def document_types():
    """Return a list of portal.documents.DocumentType: the printed documents this plugin offers
    (a points statement, a dispute agreement ...), rendered by the core's documents service.
    Asked of every loaded plugin once; a kind exists only where the plugin is on."""


@hookspec
def town_template_parts():
    """Return a list of portal.town_templates.TemplatePart: the town's rule sets this plugin
    keeps (its points rules, its contest criteria ...), exported into a town template (样板间)
    and imported into another town with a preview. Asked only of the plugins on in the town
    concerned; a part of a module off in the target town is listed as skipped."""


@hookspec
def household_file_parts(household, user):
    """Return a list of portal.plugins.Card: this module's part of the household file (一户一档)
    of ``household`` as ``user`` may see it (points, pairings, groups ...), on the household's
    page and in its printed file; nothing where ``user`` may not see the module's records.
    Asked only of the plugins on in the household's town."""


@hookspec
def template_slot(name, context):
    """Return HTML (markupsafe.Markup) to insert at the named slot of a core template."""


# ---------------------------------------------------------------- decisions (first answer wins)


@hookspec(firstresult=True)
def check_permission(user, action, obj):
    """Return True or False to decide whether ``user`` may do ``action`` (on ``obj``); None to
    leave it to the next implementation. The core's default runs last."""


@hookspec(firstresult=True)
def landing_page(user):
    """Return the path (on this site) ``user`` starts on instead of the home page (after logging
    in, and when opening ``/``), e.g. the points kiosk for its operator; None for the home page.
    Asked only of the plugins on for the user's town."""


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


# ---------------------------------------------------------------- notifications (portal.notifications)


@hookspec
def notification_channels():
    """Return a list of portal.notifications.messages.Channel this plugin delivers (e-mail, SMS,
    a WeCom group robot ...). Asked of every loaded plugin: channels are the deployment's."""


@hookspec(firstresult=True)
def send_notification(channel, recipient, message):
    """Deliver ``message`` (messages.Message) to ``recipient`` (messages.Recipient) if
    ``channel`` is this plugin's: return True when sent; None when the channel is not yours.
    Raise to fail the attempt (retried with backoff), messages.PermanentError to give up. Pass
    ``message.id`` on as the idempotency key where the service takes one. Called by the worker
    for every loaded plugin."""


@hookspec
def notification_events():
    """Return {event code: lazy label} for the events this plugin notifies about (shown on the
    preferences page and the admins' outbox)."""


@hookspec
def notification_groups(event, grid):
    """Return a list of (channel, address) pairs: the groups of ``grid`` (or of the village or
    town above it) told about ``event``, e.g. a grid's WeCom group robot. Asked only of the
    plugins switched on for the grid's town."""


@hookspec
def sms_providers():
    """Return {name: factory} of SMS services this plugin can send through; ``factory(config)``
    builds a portal.notifications.sms.SmsProvider. ``SMS_PROVIDER`` names the one used (the
    core offers "log"). Asked of every loaded plugin: the provider is the deployment's."""


@hookspec
def scheduled_notifications(town, now):
    """Write the notifications due at ``now`` (UTC) for ``town`` with
    portal.notifications.outbox.notify (an activity tomorrow for its volunteers ...); keys make
    a second run add nothing. Called by the worker's periodic round for the plugins on in
    ``town``."""


# ---------------------------------------------------------------- the core's test machinery
# Called by the core's security, fuzz, gating and masking tests for every loaded plugin, so that
# those tests name no plugin and a plugin's folder can be deleted. By convention a plugin writes
# them as plain functions of the same names in ``<package>/testing.py`` (its fixtures live there
# too) and implements no hook: portal.plugin_testing.ask reads that module, which production
# never imports. A hook implementation in the plugin overrides the convention.


@hookspec
def testing_fixtures():
    """Return the dotted name of the module whose pytest fixtures (the plugin's records in the
    two-town tree) every test may use; portal.plugin_testing registers it with pytest."""


@hookspec
def testing_roles():
    """Return {role: portal.plugin_testing.TestRole} for the plugin's own roles: the two-town tree
    (portal.testing.build_tree) gives each a user named after it at a node of town A, the
    security, gating and masking tests visit every page as that user, and the least-privilege
    test holds the role to its reviewed permissions."""


@hookspec
def testing_records(tree):
    """Build a record of every kind the plugin keeps in town A of ``tree`` (portal.testing's
    two-town tree; the plugin is switched on in both towns beforehand) and return a
    portal.plugin_testing.PluginRecords: the URL values of its routes and what town B must never
    see."""


@hookspec
def testing_routes():
    """Return a portal.plugin_testing.PluginRoutes: the plugin's route-by-role table, the function
    that builds its world in the two-town tree and the one that fills its URLs from it."""
