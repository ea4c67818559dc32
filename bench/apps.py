"""The WSGI apps the benchmarks serve with gunicorn (``apps:portal_app()``, ``apps:bare_app()``).

Both count the SQL statements each request runs and answer the count in an ``X-Bench-Statements``
header, so that the benchmark reports what the measured requests really did (one listener on the
engine, the same in both apps: a few microseconds a statement).

Environment: ``PORTAL_DATABASE_URL`` (and the portal's other variables); ``BENCH_CONFIG`` (JSON:
overrides for ``create_app``); for the bare app ``BENCH_BARE_DATABASE_URL`` (default the
portal's), ``BENCH_STATEMENTS`` (a pickle of ``{name: [common.Statement, …]}``) and
``BENCH_REPLAY_COMMIT`` ("1": commit each replay instead of rolling it back).
"""
import json
import os
import pickle
import time
import uuid


def _count_statements(app, engine):
    from sqlalchemy import event

    count = [0]

    @event.listens_for(engine, "before_cursor_execute")
    def seen(*args):
        count[0] += 1

    inner = app.wsgi_app

    def counting(environ, start_response):
        count[0] = 0  # a sync worker serves one request at a time
        started = time.perf_counter()

        def start(status, headers, exc_info=None):
            if not any(name == "X-Bench-Statements" for name, _value in headers):
                headers.append(("X-Bench-Statements", str(count[0])))
            headers.append(("X-Bench-Server-Ms", f"{(time.perf_counter() - started) * 1000:.2f}"))
            return start_response(status, headers, exc_info)

        return inner(environ, start)

    app.wsgi_app = counting
    return app


def portal_app():
    """The portal as a deployment builds it."""
    from portal import create_app
    from portal.extensions import db

    app = create_app(json.loads(os.environ.get("BENCH_CONFIG", "{}")))
    with app.app_context():
        engine = db.engine
    return _count_statements(app, engine)


def bare_app():
    """A bare Flask app on the portal's engine settings (Flask-SQLAlchemy, the same engine
    options and SQLite pragmas), no portal: ``/select1`` runs ``SELECT 1``; ``/replay/<name>``
    runs the statements captured from a portal request, on a pooled connection's raw DB-API
    cursor, fetching every result."""
    from flask import Flask, abort
    from sqlalchemy import text

    from common import replay
    from portal import database  # noqa: F401  (the SQLite pragmas every portal engine gets)
    from portal.config import Defaults, normalise_database_url
    from portal.extensions import db

    url = os.environ.get("BENCH_BARE_DATABASE_URL") or os.environ["PORTAL_DATABASE_URL"]
    app = Flask("bench_bare")
    app.config.update(SQLALCHEMY_DATABASE_URI=normalise_database_url(url),
                      SQLALCHEMY_ENGINE_OPTIONS=Defaults.SQLALCHEMY_ENGINE_OPTIONS,
                      SQLALCHEMY_TRACK_MODIFICATIONS=False)
    db.init_app(app)
    statements = {}
    if os.environ.get("BENCH_STATEMENTS"):
        with open(os.environ["BENCH_STATEMENTS"], "rb") as handle:
            statements = pickle.load(handle)
    commit = os.environ.get("BENCH_REPLAY_COMMIT") == "1"

    @app.route("/select1")
    def select1():
        return str(db.session.execute(text("SELECT 1")).scalar_one())

    @app.route("/replay/<name>")
    def replayed(name):
        if name not in statements:
            abort(404)
        connection = db.engine.raw_connection()  # from the pool, as the portal's session gets it
        try:
            rows = replay(connection, statements[name], commit=commit, fresh=uuid.uuid4().hex)
        finally:
            connection.close()
        # a raw cursor is not seen by the engine's listener: the statements run are these
        return (f"{len(statements[name])} statements, {rows} rows",
                {"X-Bench-Statements": str(len(statements[name]))})

    with app.app_context():
        engine = db.engine
    return _count_statements(app, engine)
