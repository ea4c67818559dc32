"""Snapshots of a test database, so that each test starts from a ready database in milliseconds.

Building the schema (61 tables), seeding the holiday calendar, the shared test tree and the demo
county costs from half a second to half a minute each, and almost every test wants one of them.
They are built once per test process (per pytest-xdist worker) and saved: a SQLite database as a
file copied next to the test's own file, a PostgreSQL database as a template database that
``CREATE DATABASE ... TEMPLATE`` clones and as a copy of its rows that refills the tables of
the test's database (much faster than a clone while the tables are the same: see _refill).
Restoring one gives the test a real, fresh database of its own (not a transaction rolled back at
the end), so code that commits, live servers in threads, racing connections and backups behave
exactly as on a database built from scratch.

Putting a snapshot in place waits for the first connection (or the test's start): a test asking
for the tree is given the schema by its app fixture first, and only the last one asked for is
put in place.

A snapshot is known by a name and everything its content depends on (the tables the loaded
models declare, the plugins loaded), and is taken only from a database nobody has written to
since the previous restore; otherwise the builder simply runs in place.
"""
import functools
import os
import shutil
from collections.abc import Callable, Hashable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.pool import NullPool

from portal.extensions import db

#: Statements that leave a database as it was: anything else marks it as written to.
_READ_ONLY = ("SELECT", "PRAGMA", "SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT", "SHOW",
              "SET", "WITH")


def worker_name() -> str:
    """The pytest-xdist worker running this process (gw0, gw1, ...), "main" without xdist."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@functools.cache
def worker_database_url(base: str | None = None) -> str | None:
    """The PostgreSQL database of this worker: PORTAL_TEST_DATABASE_URL itself without xdist, its
    name plus ``_gw0`` under xdist (created when missing), so that workers never share one."""
    base = base or os.environ.get("PORTAL_TEST_DATABASE_URL")
    if not base:
        return None
    url = make_url(base)
    if worker_name() == "main":
        return base
    url = url.set(database=f"{url.database}_{worker_name()}")
    with _server(url) as server:
        exists = server.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                {"name": url.database}).scalar()
        if not exists:
            server.execute(text(f'CREATE DATABASE "{url.database}"'))
    return url.render_as_string(hide_password=False)


class _server:
    """An autocommit connection to the maintenance database of ``url``'s server (CREATE and DROP
    DATABASE cannot run inside a transaction, nor while connected to the database concerned)."""

    def __init__(self, url: URL):
        self.engine = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT",
                                    poolclass=NullPool)

    def __enter__(self):
        self.connection = self.engine.connect()
        return self.connection

    def __exit__(self, *exc):
        self.connection.close()
        self.engine.dispose()


def _clone_postgresql(url: URL, source: str, target: str) -> None:
    with _server(url) as server:
        server.execute(text(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)'))
        server.execute(text(f'CREATE DATABASE "{target}" TEMPLATE "{source}"'))


# PostgreSQL: a test's database is put back by refilling its tables, not by cloning a template.
# CREATE DATABASE ... TEMPLATE copies every relation of the schema (about 300 files) through the
# write-ahead log: a fifth of a second when idle, half a second under the suite's load, more than
# half of the PostgreSQL run. A snapshot therefore also keeps its rows in a schema of its own
# (``snapshot3``) inside the database it was taken from, and so inside every later clone; while
# the tables are still the snapshot's (a fingerprint of the catalogue), putting it back deletes
# every row and copies the snapshot's back, with the foreign keys' triggers off for the
# transaction (session_replication_role, which a superuser may set; otherwise, or when the
# tables changed, the database is cloned as before).

#: The tables, columns, types, constraints and indexes of the public schema.
_FINGERPRINT = text("""
SELECT md5(coalesce((
  SELECT string_agg(c.relname || '.' || a.attname || ':' || format_type(a.atttypid, a.atttypmod),
                    ',' ORDER BY c.relname, a.attnum)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_attribute a ON a.attrelid = c.oid
  WHERE n.nspname = 'public' AND a.attnum > 0 AND NOT a.attisdropped), '') || '|' || coalesce((
  SELECT string_agg(conrelid::regclass::text || '.' || conname || ':' || pg_get_constraintdef(k.oid),
                    ',' ORDER BY conrelid::regclass::text, conname)
  FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace
  WHERE n.nspname = 'public'), ''))
""")

_KEEP = """
DO $$
DECLARE t text; has_rows boolean;
BEGIN
  EXECUTE 'CREATE SCHEMA {schema}';
  FOR t IN SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND c.relkind = 'r' LOOP
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM public.%I)', t) INTO has_rows;
    IF has_rows THEN
      EXECUTE format('CREATE TABLE {schema}.%I AS TABLE public.%I', t, t);
    END IF;
  END LOOP;
  CREATE TABLE {schema}._sequences AS
    SELECT format('public.%I', sequencename)::regclass AS name, last_value, start_value
    FROM pg_sequences WHERE schemaname = 'public';
END $$
"""

_REFILL = """
DO $$
DECLARE t text;
BEGIN
  SET LOCAL session_replication_role = replica;
  FOR t IN SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND c.relkind = 'r' LOOP
    EXECUTE format('DELETE FROM public.%I', t);
  END LOOP;
  FOR t IN SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = '{schema}' AND c.relkind = 'r' AND relname <> '_sequences' LOOP
    EXECUTE format('INSERT INTO public.%I SELECT * FROM {schema}.%I', t, t);
  END LOOP;
  PERFORM CASE WHEN last_value IS NULL THEN setval(name, start_value, false)
               ELSE setval(name, last_value, true) END
  FROM {schema}._sequences;
END $$
"""


@functools.cache
def _worker_engine(url: URL) -> Engine:
    """An engine outside the app's, for snapshots: no pool (the database may be dropped), one
    per database (its dialect learns the server once)."""
    return create_engine(url, poolclass=NullPool)


def _keep_rows(url: URL, schema: str) -> str:
    """Copy the rows of every table of ``url``'s database into ``schema``; return the tables'
    fingerprint."""
    with _worker_engine(url).begin() as connection:
        connection.execute(text(_KEEP.format(schema=schema)))
        return connection.execute(_FINGERPRINT).scalar_one()


def _refill(url: URL, schema: str, fingerprint: str) -> bool:
    """Put the rows kept in ``schema`` back into ``url``'s database; False when that database no
    longer has the snapshot's tables or the rows kept (the caller clones instead)."""
    try:
        with _worker_engine(url).connect() as connection:
            # what DROP DATABASE ... WITH (FORCE) did: nobody else holds the tables
            connection.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"))
            connection.commit()
            kept = connection.execute(text(
                "SELECT 1 FROM pg_namespace WHERE nspname = :schema"), {"schema": schema}).scalar()
            if not kept or connection.execute(_FINGERPRINT).scalar_one() != fingerprint:
                return False
            connection.execute(text(_REFILL.format(schema=schema)))
            connection.commit()
            return True
    except Exception:  # noqa: BLE001 (not a superuser, a lock held: clone as before)
        return False


def _copy_sqlite(source: Path, target: Path) -> None:
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, target)


class Snapshots:
    """The snapshots of one test process; ``folder`` holds the SQLite ones."""

    def __init__(self, folder: Path):
        self.folder = folder
        #: (key, the snapshot it was built on) -> (file or database, recipe of the result)
        self.saved: dict[Hashable, tuple[str, Any]] = {}
        #: engine -> the snapshot its database holds untouched, None once written to
        self.state: dict[Engine, Hashable | None] = {}
        self.templates: list[tuple[URL, str]] = []
        #: engine -> the snapshot to put in place before its next connection
        self.pending: dict[Engine, str] = {}
        #: PostgreSQL template -> the fingerprint of its tables (its rows are kept in the schema
        #: named after it, see _refill)
        self.fingerprints: dict[str, str] = {}

    def _release(self) -> None:
        """Let go of every connection, so that the database can be replaced or copied."""
        db.session.remove()
        db.engine.dispose()

    def _now_holds(self, snapshot: Hashable) -> None:
        engine = db.engine
        if engine not in self.state:
            def note_write(conn, cursor, statement, parameters, context, executemany):
                if not statement.lstrip().upper().startswith(_READ_ONLY):
                    self.state[engine] = None

            def put_pending(dialect, conn_rec, cargs, cparams):
                self.flush(engine)

            event.listen(engine, "before_cursor_execute", note_write)
            event.listen(engine, "do_connect", put_pending)
        self.state[engine] = snapshot

    def flush(self, engine: Engine | None = None) -> None:
        """Put the pending snapshot in place now (before a connection, or before the test runs,
        since a server in another process may be the first to connect)."""
        engines = [engine] if engine is not None else list(self.pending)
        for each in engines:
            source = self.pending.pop(each, None)
            if source is not None:
                self._put(each.url, source)

    def _put(self, url: URL, source: str) -> None:
        if url.get_backend_name() != "postgresql":
            _copy_sqlite(Path(source), Path(url.database))
        elif not _refill(url, source.rsplit("_", 1)[-1], self.fingerprints[source]):
            _clone_postgresql(url, source, url.database)

    def empty(self) -> None:
        """Make the app's database empty (no tables); on PostgreSQL a new database is faster
        than dropping a schema of 61 tables."""
        self._release()
        self.pending.pop(db.engine, None)
        url = db.engine.url
        if url.get_backend_name() == "postgresql":
            with _server(url) as server:
                server.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
                server.execute(text(f'CREATE DATABASE "{url.database}"'))
        elif url.database:
            _copy_sqlite(self._blank_sqlite(), Path(url.database))
        self._now_holds("empty")

    def _blank_sqlite(self) -> Path:
        blank = self.folder / "blank.db"
        blank.touch()
        return blank

    def fresh(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """Like ``restore``, from an empty database whatever the app's database holds now."""
        if (key, "empty") in self.saved:
            self._now_holds("empty")  # replaced whole by the snapshot at once
        else:
            self.empty()
        return self.restore(key, build)

    def restore(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """Apply ``build`` to the app's database, or put in its place the snapshot of what
        ``build`` made of the same starting point before; return what ``build`` returned, its
        records loaded again from the database."""
        base = self.state.get(db.engine)
        if base is not None and (key, base) in self.saved:
            source, recipe = self.saved[(key, base)]
            self._release()
            self.pending[db.engine] = source  # put in place when first connected
            self._now_holds((key, base))
            return _recall(recipe)
        self.flush(db.engine)
        result = build()
        db.session.commit()
        recipe = _remember(result)
        if base is not None:  # nothing but ``build`` wrote since the last snapshot: keep it
            self._release()
            self.saved[(key, base)] = (self._take(len(self.saved)), recipe)
            self._now_holds((key, base))
        return _recall(recipe)

    def _take(self, number: int) -> str:
        self.flush(db.engine)
        url = db.engine.url
        if url.get_backend_name() == "postgresql":
            name = f"{url.database}_snapshot{number}"
            self.fingerprints[name] = _keep_rows(url, f"snapshot{number}")
            _clone_postgresql(url, url.database, name)
            self.templates.append((url, name))
            return name
        copy = self.folder / f"snapshot{number}.db"
        _copy_sqlite(Path(url.database), copy)
        return str(copy)

    def drop(self) -> None:
        """Drop the PostgreSQL templates at the end of the session."""
        for url, name in self.templates:
            with _server(url) as server:
                server.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# ------------------------------------------------- pytest: put what is pending before the test

def pytest_runtest_call(item) -> None:
    """Every fixture is set up: put the last snapshot asked for in place before the test body,
    which may first reach the database from another process (a server, a backup)."""
    snapshots = getattr(item, "funcargs", {}).get("snapshots")
    if snapshots is not None:
        snapshots.flush()


def pytest_runtest_teardown(item, nextitem) -> None:
    """The test's apps are gone with it: nothing of theirs is to be put in place any more."""
    snapshots = getattr(item, "funcargs", {}).get("snapshots")
    if snapshots is not None:
        snapshots.pending.clear()


def schema_key(name: str, *extra: Hashable) -> tuple:
    """A snapshot's key: its name, the tables of every model imported so far (a plugin imported
    later adds its own) and whatever else its content depends on."""
    return (name, frozenset(db.metadata.tables), *extra)


# ---------------------------------------------------------------- what a builder returned

def _remember(value: Any) -> Any:
    """A picture of ``value`` with each record replaced by its class and primary key."""
    if isinstance(value, SimpleNamespace):
        return ("namespace", {k: _remember(v) for k, v in vars(value).items()})
    if isinstance(value, dict):
        return ("dict", {k: _remember(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return (type(value).__name__, [_remember(v) for v in value])
    if isinstance(value, db.Model):
        return ("record", type(value), inspect(value).identity)
    return ("value", value)


def _records(recipe: Any, found: dict) -> dict:
    """model -> the primary keys of its records in ``recipe``."""
    kind, *rest = recipe
    if kind in ("namespace", "dict"):
        for value in rest[0].values():
            _records(value, found)
    elif kind in ("list", "tuple"):
        for value in rest[0]:
            _records(value, found)
    elif kind == "record":
        found.setdefault(rest[0], set()).add(rest[1])
    return found


def _recall(recipe: Any) -> Any:
    """What ``_remember`` pictured, its records loaded with one query per model (a tree holds
    thirty records: as many round trips otherwise), then taken from the session."""
    loaded: list[Any] = []  # held: the session's identity map keeps records only while referenced
    for model, identities in _records(recipe, {}).items():
        key = inspect(model).primary_key
        if len(key) == 1:
            loaded += db.session.scalars(db.select(model).where(
                key[0].in_([identity[0] for identity in identities]))).all()
    return _rebuild(recipe)


def _rebuild(recipe: Any) -> Any:
    kind, *rest = recipe
    if kind == "namespace":
        return SimpleNamespace(**{k: _rebuild(v) for k, v in rest[0].items()})
    if kind == "dict":
        return {k: _rebuild(v) for k, v in rest[0].items()}
    if kind in ("list", "tuple"):
        items = [_rebuild(v) for v in rest[0]]
        return items if kind == "list" else tuple(items)
    if kind == "record":
        model, identity = rest
        return db.session.get(model, identity)
    return rest[0]
