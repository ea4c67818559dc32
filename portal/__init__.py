"""网格通 GridPortal: the core application."""
import os
from pathlib import Path

from flask import Flask

from portal.hookspecs import hookimpl  # re-exported for plugins: `from portal import hookimpl`

ROOT = Path(__file__).resolve().parent.parent

__all__ = ["create_app", "hookimpl"]


def create_app(config: dict | None = None) -> Flask:
    """Build a portal app. ``config`` overrides everything else (tests use it)."""
    from portal import database, i18n, models, request_guard, security, ui  # noqa: F401
    from portal.config import load_config
    from portal.extensions import babel, csrf, db, htmx, login_manager, migrate
    from portal.plugins import PluginHost

    app = Flask(
        __name__,
        instance_path=os.environ.get("PORTAL_INSTANCE_PATH") or str(ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    load_config(app, config)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    htmx.init_app(app)
    babel.init_app(app, locale_selector=ui.select_locale,
                   default_translation_directories=str(Path(__file__).parent / "translations"))
    login_manager.init_app(app)
    security.init_app(app)
    request_guard.init_app(app)
    ui.init_app(app)
    i18n.init_app(app)

    plugins = PluginHost(app)
    app.extensions["portal_plugins"] = plugins
    plugins.load()
    _register_core_blueprints(app)
    from portal import cli

    cli.register(app)
    plugins.setup(app.cli)
    from portal.tenancy import guard_module_pages

    app.before_request(guard_module_pages)
    return app


def _register_core_blueprints(app):
    from portal.admin.blueprint import bp as admin_bp
    from portal.auth.blueprint import bp as auth_bp
    from portal.grids.blueprint import bp as grids_bp
    from portal.grids.public import bp as public_bp
    from portal.health import bp as health_bp
    from portal.cases.blueprint import bp as cases_bp
    from portal.cases.open311 import bp as open311_bp
    from portal.cases.settings_views import bp as case_rules_bp
    from portal.cases.kinds_views import bp as case_kinds_bp
    from portal.cases.intake import bp as cases_intake_bp
    from portal.departments.blueprint import bp as departments_bp
    from portal.home import bp as home_bp
    from portal.people.blueprint import bp as people_bp
    from portal.people.key_person_views import bp as keypersons_bp
    from portal.people.transfer_views import bp as transfer_bp
    from portal.people.visit_views import bp as visits_bp
    from portal.dashboard.blueprint import bp as dashboard_bp
    from portal.maps.blueprint import bp as maps_bp

    app.register_blueprint(departments_bp)  # the departments' admin page and inbox
    for bp in (auth_bp, grids_bp, public_bp, admin_bp, health_bp, home_bp, people_bp,
               visits_bp, keypersons_bp, transfer_bp, cases_bp, open311_bp,
               case_rules_bp, cases_intake_bp, dashboard_bp, maps_bp):
        app.register_blueprint(bp)
    app.register_blueprint(case_kinds_bp)  # coordination and approval cases
    from portal.cases.callbacks import bp as callbacks_bp
    from portal.cases.me_too import bp as me_too_bp
    from portal.cases.my_cases import bp as my_cases_bp
    from portal.cases.tracking import bp as track_bp

    # the resident's own loop (issue 19): their cases, /track, call-backs, 我也遇到
    for bp in (my_cases_bp, track_bp, callbacks_bp, me_too_bp):
        app.register_blueprint(bp)
    from portal.today.views import bp as today_bp

    app.register_blueprint(today_bp)  # today's work: the full list and the A5 day sheet
    from portal.offline.views import bp as offline_bp, pwa as pwa_bp

    # the phone without signal (issue 19): manifest and /sw.js at the root, the offline pages
    app.register_blueprint(pwa_bp)
    app.register_blueprint(offline_bp)
    from portal.notifications.inbox import bp as inbox_bp
    from portal.notifications.settings_views import bp as my_notifications_bp

    app.register_blueprint(inbox_bp)  # the bell and the in-portal inbox
    app.register_blueprint(my_notifications_bp)  # one's own notification choices
    from portal.notifications.outbox_views import bp as outbox_bp

    app.register_blueprint(outbox_bp)  # the admins' outbox: sent, failed and why, retry
    from portal.documents.render import stylesheet
    from portal.documents.views import bp as documents_bp

    app.register_blueprint(documents_bp)  # printed documents: one, or a batch by the worker
    from portal.town_templates.views import bp as town_templates_bp

    app.register_blueprint(town_templates_bp)  # 样板间: a town's settings exported, imported
    from portal.grids.size_views import bp as grid_size_bp
    from portal.people.completeness_views import bp as completeness_bp

    # issue 23: grids outside the town's size range, the information completeness (信息采集率)
    app.register_blueprint(grid_size_bp)
    app.register_blueprint(completeness_bp)
    from portal.grids.posts_views import bp as grid_posts_bp
    from portal.grids.representative_views import bp as representatives_bp

    # issue 23: the town's staff posts beyond 一长三员, resident representatives' households (联户)
    app.register_blueprint(grid_posts_bp)
    app.register_blueprint(representatives_bp)
    app.jinja_env.globals["document_stylesheet"] = stylesheet
