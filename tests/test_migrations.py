"""The schema comes from migrations: the core's and each plugin's branch, and they match the models."""
import flask_migrate
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from portal import database
from portal.extensions import db

#: Tables of fixture plugins that are refused at load and so never migrated.
REFUSED = {"misnamed_things"}


def _tables():
    return set(inspect(db.engine).get_table_names())


def test_upgrade_builds_core_and_plugin_tables_from_an_empty_database(make_app, app_config):
    app = make_app(app_config)
    with app.app_context():
        assert not _tables() - {"alembic_version"}
        database.upgrade()
        tables = _tables()
        assert {"grids", "users", "grid_staff", "audit_log", "town_modules", "households",
                "residents", "login_attempts", "example_notes"} <= tables


def test_migrations_match_the_models(make_app, app_config):
    app = make_app(app_config)
    with app.app_context():
        database.upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diffs = compare_metadata(context, db.metadata)
    diffs = [d for d in diffs if not (d[0] == "add_table" and d[1].name in REFUSED)]
    assert diffs == [], "models changed without a migration: run `portal db migrate`"


def test_cli_upgrade_brings_an_older_database_to_every_head(make_app, app_config):
    app = make_app(app_config)
    with app.app_context():
        flask_migrate.upgrade(revision="core@head")  # a database from before the plugin came
        assert "grids" in _tables() and "example_notes" not in _tables()
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert "example_notes" in _tables()
        # running it again is harmless
    assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0


def test_demo_on_a_migrated_database(make_app, app_config):
    app = make_app(app_config)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    result = runner.invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "county" in result.output and "demo2026" in result.output
    again = runner.invoke(args=["demo", "--if-empty"])
    assert "already has data" in again.output
