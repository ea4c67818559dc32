"""Database set-up shared by every engine: SQLite pragmas and Alembic's view of plugin branches."""
import os

from flask import current_app
from sqlalchemy import event
from sqlalchemy.engine import Engine

from portal import ROOT
from portal.extensions import migrate

CORE_VERSIONS = ROOT / "migrations" / "versions"


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    # WAL lets readers go on while a kiosk writes; foreign keys are off in SQLite unless asked.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        # busy_timeout first: setting the journal mode waits for a lock, and a connection opened
        # while another one writes would otherwise fail at once with "database is locked"
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


@migrate.configure
def _plugin_version_locations(config):
    """Each plugin owns an Alembic branch in its own folder; Alembic sees them all at once."""
    dirs = [str(CORE_VERSIONS), *current_app.extensions["portal_plugins"].migration_dirs]
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join(dirs))
    return config


def upgrade():
    """Bring the database to the current schema of the core and every loaded plugin."""
    import flask_migrate

    flask_migrate.upgrade(revision="heads")
