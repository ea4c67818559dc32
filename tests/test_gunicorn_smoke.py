"""Smoke checks against the portal as deployed: gunicorn with three sync workers on PostgreSQL,
the schema built by `portal db upgrade`, requests over loopback.

Runs when PORTAL_TEST_DATABASE_URL names a PostgreSQL database (the CI's second run of the suite
sets it); the database is emptied and rebuilt, as every test does. Everything that must hold
across worker processes is checked through several connections: a session (cookie) made by one
worker is honoured by the others, a case reported through one is listed by the others, and the
login throttle, counted in the database, locks an account (from one address) for every worker,
and a session cookie kept from before a logout is refused by every worker.
"""
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from portal import create_app
from portal.extensions import db
from portal.database_snapshots import worker_database_url
from portal.testing import PASSWORD, build_tree, reset_database

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("PORTAL_TEST_DATABASE_URL", "")
WORKERS = 3
SECRET = "gunicorn-smoke"
ADDRESS_MAX = 8
CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')

pytestmark = pytest.mark.skipif(
    not DATABASE_URL.startswith(("postgresql", "postgres:")),
    reason="needs PostgreSQL: set PORTAL_TEST_DATABASE_URL=postgresql+psycopg://… (gunicorn with "
           "several workers on SQLite is covered by bench/kiosk.py)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def token(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


@pytest.fixture
def deployed(tmp_path):
    """The portal served by ``gunicorn -w 3`` on a migrated PostgreSQL database holding the test
    tree; yields (base URL, tree ids). gunicorn is stopped whatever happens."""
    pytest.importorskip("gunicorn",
                        reason="gunicorn is in the test extras: pip install -e '.[test]'")
    database_url = worker_database_url()  # the database of this pytest-xdist worker
    env = {**os.environ, "PORTAL_DATABASE_URL": database_url, "PORTAL_SECRET_KEY": SECRET,
           "PORTAL_INSTANCE_PATH": str(tmp_path / "instance"), "PORTAL_PROXY_COUNT": "1"}
    env.pop("PORTAL_ENV", None)  # development: the cookies must travel over plain http here
    # a low ceiling for one address's failures, so that the test reaches it quickly
    (tmp_path / "instance").mkdir()
    (tmp_path / "instance" / "config.py").write_text(
        f"LOGIN_ADDRESS_MAX_FAILURES = {ADDRESS_MAX}\n")

    config = {"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": SECRET,
              "PLUGINS_ENTRY_POINTS": False, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}
    old_instance = os.environ.get("PORTAL_INSTANCE_PATH")
    os.environ["PORTAL_INSTANCE_PATH"] = env["PORTAL_INSTANCE_PATH"]
    try:
        app = create_app(config)
    finally:
        if old_instance is None:
            os.environ.pop("PORTAL_INSTANCE_PATH")
        else:
            os.environ["PORTAL_INSTANCE_PATH"] = old_instance
    with app.app_context():
        reset_database()
        # the schema as a deployment builds it: `portal db upgrade` (in this process: starting
        # one more Python with the whole portal costs seconds)
        upgrade = app.test_cli_runner().invoke(args=["db", "upgrade"])
        assert upgrade.exit_code == 0, upgrade.output
        tree = build_tree()
        ids = {"grid_a1": tree.grid_a1.id}
        db.session.remove()
        db.engine.dispose()

    port = free_port()
    log = tmp_path / "gunicorn.log"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(WORKERS), "-b", f"127.0.0.1:{port}",
         "--chdir", str(ROOT), "--timeout", "60", "--error-logfile", str(log),
         "--log-level", "warning", "portal:create_app()"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(server, base, log, timeout=60)
        yield base, ids, app
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGINT)  # quick shutdown: the arbiter stops its workers
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(5)
        with app.app_context():
            db.engine.dispose()


def wait_until_healthy(server, base, log, timeout):
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"gunicorn exited ({server.returncode}):\n{tail(log)}")
        try:
            if requests.get(base + "/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer /healthz in {timeout} s:\n{tail(log)}")


def tail(log: Path) -> str:
    try:
        return "\n".join(log.read_text().splitlines()[-30:])
    except FileNotFoundError:
        return "(no log)"


def fresh(base):
    """A new client whose every request opens a new connection, so that successive requests
    are spread over the workers rather than kept on one by keep-alive."""
    import requests

    session = requests.Session()
    session.headers["Connection"] = "close"
    return session


def login(base, username, password=PASSWORD, address="10.0.0.1"):
    http = fresh(base)
    http.headers["X-Forwarded-For"] = address
    form = http.get(base + "/login", timeout=30)
    answer = http.post(base + "/login", allow_redirects=False, timeout=30, data={
        "login": username, "password": password, "csrf_token": token(form.text)})
    return http, answer


def test_smoke_through_gunicorn_workers_on_postgresql(deployed):
    base, ids, app = deployed

    health = fresh(base).get(base + "/healthz", timeout=30)
    assert health.status_code == 200 and health.json() == {"status": "ok", "database": "ok"}

    # log in (CSRF token from the form), then the session works on every worker
    http, answer = login(base, "town_admin")
    assert answer.status_code == 302, answer.text[:500]
    for _ in range(2 * WORKERS):
        home = http.get(base + "/", timeout=30, allow_redirects=False)
        assert home.status_code == 200 and "town_admin 用户" in home.text
    assert http.get(base + "/cases/", timeout=30).status_code == 200

    # report a case (a POST with the CSRF token of the form page)
    title = f"烟雾测试 {uuid.uuid4().hex[:8]}"
    form = http.get(base + "/cases/new", timeout=30)
    assert form.status_code == 200
    reported = http.post(base + "/cases/new", allow_redirects=False, timeout=30, data={
        "csrf_token": token(form.text), "grid": ids["grid_a1"], "category": "hazard",
        "kind": "general", "title": title, "description": "通过 gunicorn 上报"})
    assert reported.status_code == 302 and "/cases/" in reported.headers["Location"], \
        reported.text[:1000]
    case_url = base + reported.headers["Location"].removeprefix(base)

    # every worker sees it: the same session on new connections, and another user's session
    for _ in range(2 * WORKERS):
        listed = http.get(base + "/cases/", timeout=30)
        assert listed.status_code == 200 and title in listed.text
    county, answer = login(base, "county_admin", address="10.0.0.2")
    assert answer.status_code == 302
    assert title in county.get(base + "/cases/", timeout=30).text
    assert title in county.get(case_url, timeout=30).text

    # a POST without the CSRF token is refused, and changes nothing
    refused = http.post(base + "/cases/new", allow_redirects=False, timeout=30, data={
        "grid": ids["grid_a1"], "category": "hazard", "kind": "general", "title": "无令牌",
        "description": "x"})
    assert refused.status_code == 400
    assert http.post(base + "/logout", allow_redirects=False, timeout=30).status_code == 400
    assert "无令牌" not in http.get(base + "/cases/", timeout=30).text
    assert http.get(base + "/", allow_redirects=False, timeout=30).status_code == 200  # still in

    # log out (a POST with the token); the session is gone on every worker
    page = http.get(base + "/", timeout=30)
    kept = http.cookies.get("portal_session")
    out = http.post(base + "/logout", data={"csrf_token": token(page.text)},
                    allow_redirects=False, timeout=30)
    assert out.status_code == 302 and "/login" in out.headers["Location"]
    for _ in range(WORKERS):
        assert http.get(base + "/", allow_redirects=False, timeout=30).status_code == 302
        replayed = fresh(base)  # a copy of the cookie from before the logout: refused too
        replayed.cookies.set("portal_session", kept)
        assert replayed.get(base + "/", allow_redirects=False, timeout=30).status_code == 302

    # several workers really served: each keeps its own database connection
    assert served_by_several_workers(base, app), "every request went to one gunicorn worker"

    # the login throttle is counted in the database, so it holds across workers: five failures
    # for one account from one address (new connections each), then even the right password
    # is refused there, whichever worker answers; the account from elsewhere and another
    # account from that address are not affected
    for _ in range(5):
        _, failed = login(base, "village_admin", "wrong-password", address="10.0.1.1")
        assert failed.status_code == 401
    for _ in range(WORKERS):
        _, locked = login(base, "village_admin", address="10.0.1.1")
        assert locked.status_code == 429
    _, elsewhere = login(base, "village_admin", address="10.0.2.9")
    assert elsewhere.status_code == 302
    _, other = login(base, "grid_worker", address="10.0.1.1")
    assert other.status_code == 302
    # and the address: its (much higher) ceiling of failures locks it for every account
    for n in range(ADDRESS_MAX):
        _, failed = login(base, f"nobody{n}", "wrong-password", address="10.0.3.1")
        assert failed.status_code == 401
    _, locked = login(base, "info_officer", address="10.0.3.1")
    assert locked.status_code == 429


def served_by_several_workers(base, app, attempts=5) -> bool:
    """Bursts of concurrent requests until at least two gunicorn workers hold a connection to
    the database (each worker has its own pool; this test process holds none)."""
    from sqlalchemy import text

    def burst():
        threads = [threading.Thread(target=lambda: fresh(base).get(base + "/healthz", timeout=30))
                   for _ in range(3 * WORKERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    with app.app_context():
        for _ in range(attempts):
            burst()
            with db.engine.connect() as connection:
                others = connection.execute(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND backend_type = 'client backend'")).scalar_one()
            db.engine.dispose()
            if others >= 2:
                return True
    return False
