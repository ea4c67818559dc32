"""Benchmark: kiosk redemptions through gunicorn, against a bare Flask ``SELECT 1`` baseline.

Builds a fresh database (a village points supermarket, 200 accounts with plenty of points, goods
with plenty of stock), serves the real portal with gunicorn (sync workers) on loopback and drives
it with concurrent clients (threads using ``requests``, each logged in as the kiosk operator with
its own session). It measures, at the same concurrency and with the same gunicorn settings:

- kiosk redemptions per second: POST ``/kiosk/<shop>/accounts/<account>/redeem``, one item, a
  fresh basket key each, expecting 302 to the receipt; clients never share an account or goods;
- the latency of the balance page GET ``/kiosk/<shop>/accounts/<account>``;
- the portal's ``/healthz`` (the whole portal stack, one ``SELECT 1``);
- the baseline: a bare Flask app (the same Flask-SQLAlchemy engine settings and database URL, no
  portal) whose one route runs ``SELECT 1``. Every figure is also given as a ratio to it.

Afterwards it checks the ledger (``portal points verify``) and that the redemptions in the database
are exactly the 302 answers. Run it from the repository root:

    .venv/bin/python bench/kiosk.py                            # SQLite in a temp dir, 2 workers
    .venv/bin/python bench/kiosk.py --workers 4 --seconds 20
    .venv/bin/python bench/kiosk.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench
"""
import argparse
import os
import platform
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECRET = "bench-kiosk"
#: What the portal is built with here and in every gunicorn worker (URL and key come from the env).
CONFIG = {"PLUGINS_ENTRY_POINTS": False, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}
PASSWORD = "secret123"  # portal.testing.build_tree's
ACCOUNTS = 200
GOODS = 32
PLENTY = 1_000_000


# ---------------------------------------------------------------- the two WSGI apps gunicorn serves


def wsgi_app():
    """The portal, as a deployment builds it (gunicorn: ``bench.kiosk:wsgi_app()``)."""
    from portal import create_app

    return create_app(CONFIG)


def baseline_app():
    """A bare Flask app with one route that runs ``SELECT 1`` on the portal's database through
    Flask-SQLAlchemy, with the portal's engine options and SQLite pragmas; nothing else."""
    from flask import Flask
    from sqlalchemy import text

    from portal import database  # noqa: F401  (the SQLite pragmas every portal engine gets)
    from portal.config import Defaults, normalise_database_url
    from portal.extensions import db

    app = Flask("bench_baseline")
    app.config.update(
        SQLALCHEMY_DATABASE_URI=normalise_database_url(os.environ["PORTAL_DATABASE_URL"]),
        SQLALCHEMY_ENGINE_OPTIONS=Defaults.SQLALCHEMY_ENGINE_OPTIONS,
        SQLALCHEMY_TRACK_MODIFICATIONS=False)
    db.init_app(app)

    @app.route("/select1")
    def select1():
        return str(db.session.execute(text("SELECT 1")).scalar_one())

    return app


# ---------------------------------------------------------------- data


def build_data(app) -> dict:
    """Schema, calendar, the test tree, the module switched on, a shop, goods and accounts."""
    from plugins.points import ledger
    from plugins.points import shop as shops
    from plugins.points.models import PointsGoods, PointsShop
    from portal.cases.calendar import seed_from_library
    from portal.extensions import db
    from portal.modules.services import set_module
    from portal.people.services import add_household, add_resident
    from portal.testing import build_tree, reset_database

    with app.app_context():
        reset_database()  # PostgreSQL: drop and recreate the public schema
        db.create_all()
        seed_from_library()
        db.session.commit()
        tree = build_tree()
        set_module(tree.town_a, "points", True)
        shop = PointsShop(grid_id=tree.village_a1.id, name="bench shop")
        db.session.add(shop)
        db.session.flush()
        goods = []
        for n in range(GOODS):
            item = PointsGoods(shop_id=shop.id, name=f"商品{n + 1}", price=1)
            db.session.add(item)
            db.session.flush()
            shops.restock(item, PLENTY)
            goods.append(item.id)
        accounts = []
        for i in range(ACCOUNTS):
            household = add_household(tree.grid_a1, f"bench road {i}")
            resident = add_resident(household, "测试")
            account = ledger.account_for(resident)
            ledger.post(account, "earn", PLENTY)
            accounts.append(account.id)
        db.session.commit()
        shop_id = shop.id
        db.session.remove()
        db.engine.dispose()
    return {"shop": shop_id, "goods": goods, "accounts": accounts}


def check_ledger(app) -> tuple[list, int, int]:
    """(mismatches of `portal points verify`, redemptions in the database, redeem entries)."""
    from sqlalchemy import func, select

    from plugins.points.models import PointsEntry, PointsRedemption
    from plugins.points.reports import verify
    from portal.extensions import db

    with app.app_context():
        found = verify()
        redemptions = db.session.scalar(select(func.count()).select_from(PointsRedemption))
        entries = db.session.scalar(select(func.count()).select_from(PointsEntry)
                                    .where(PointsEntry.kind == "redeem"))
        db.session.remove()
        db.engine.dispose()
    return found, redemptions, entries


# ---------------------------------------------------------------- gunicorn


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """``gunicorn -w N`` serving ``bench.kiosk:<factory>()`` on a free loopback port."""

    def __init__(self, factory: str, workers: int, workdir: str, ready_path: str):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = Path(workdir) / f"gunicorn-{factory}.log"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{self.port}",
             "--chdir", str(ROOT), "--error-logfile", str(self.log), "--log-level", "warning",
             f"bench.kiosk:{factory}()"],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        self.wait_ready(ready_path)

    def wait_ready(self, path: str, timeout: float = 60):
        import requests

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.proc.returncode}):\n{self.tail()}")
            try:
                if requests.get(self.base + path, timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer {path} with 200 in {timeout} s:\n{self.tail()}")

    def tail(self) -> str:
        try:
            return "\n".join(self.log.read_text().splitlines()[-30:])
        except FileNotFoundError:
            return "(no log)"

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # graceful: the arbiter stops its workers
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# ---------------------------------------------------------------- clients and load


CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(html: str) -> str:
    found = CSRF_META.search(html) or CSRF_INPUT.search(html)
    if found is None:
        raise RuntimeError("no CSRF token on the page")
    return found.group(1)


@dataclass
class Client:
    http: object
    accounts: list = field(default_factory=list)
    goods: list = field(default_factory=list)
    token: str = ""


def kiosk_clients(base: str, n: int, data: dict) -> list[Client]:
    """``n`` sessions logged in as the kiosk operator; client i gets accounts i, i+n, … and goods
    likewise, so no two clients ever wait on the same row."""
    import requests

    clients = []
    for i in range(n):
        client = Client(requests.Session(), data["accounts"][i::n],
                        data["goods"][i::n] or [data["goods"][i % len(data["goods"])]])
        token = csrf_token(client.http.get(base + "/login", timeout=30).text)
        answer = client.http.post(base + "/login", allow_redirects=False, timeout=30, data={
            "login": "kiosk_operator", "password": PASSWORD, "csrf_token": token})
        if answer.status_code != 302:
            raise RuntimeError(f"login failed: {answer.status_code}")
        page = client.http.get(f"{base}/kiosk/{data['shop']}", timeout=30)
        if page.status_code != 200:
            raise RuntimeError(f"GET /kiosk/{data['shop']} answered {page.status_code}")
        client.token = csrf_token(page.text)  # the session was renewed at login
        clients.append(client)
    return clients


@dataclass
class Result:
    name: str
    ok: int
    seconds: float
    latencies: list  # seconds, of the answers with the expected status
    statuses: Counter
    errors: Counter
    client_cpu: float  # cores the load generator (this process) kept busy

    @property
    def rate(self) -> float:
        return self.ok / self.seconds

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    @property
    def median(self) -> float:
        return statistics.median(self.latencies) * 1000


def load(name: str, clients: list, send, expect: int, seconds: float) -> Result:
    """Every client sends requests back to back for ``seconds``; ``send(client, n)`` makes the
    n-th request of a client and returns the response."""
    import requests

    start = threading.Barrier(len(clients) + 1)
    lock = threading.Lock()
    latencies, statuses, errors, finished = [], Counter(), Counter(), []
    deadline = [0.0]

    def run(client):
        mine, codes, failures = [], Counter(), Counter()
        start.wait()
        n = 0
        while time.perf_counter() < deadline[0]:
            t0 = time.perf_counter()
            try:
                answer = send(client, n)
            except requests.RequestException as error:
                failures[type(error).__name__] += 1
                time.sleep(0.01)
                continue
            finally:
                n += 1
            codes[answer.status_code] += 1
            if answer.status_code == expect:
                mine.append(time.perf_counter() - t0)
        with lock:
            latencies.extend(mine)
            statuses.update(codes)
            errors.update(failures)
            finished.append(time.perf_counter())

    threads = [threading.Thread(target=run, args=(c,), daemon=True) for c in clients]
    for thread in threads:
        thread.start()
    cpu0 = time.process_time()
    began = time.perf_counter()
    deadline[0] = began + seconds
    start.wait()
    for thread in threads:
        thread.join()
    elapsed = max(finished) - began
    return Result(name, statuses[expect], elapsed, latencies, statuses, errors,
                  (time.process_time() - cpu0) / elapsed)


# ---------------------------------------------------------------- main


def shown_command() -> str:
    return re.sub(r"://([^:/@]+):[^@/]+@", r"://\1:***@", shlex.join([sys.executable, *sys.argv]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("PORTAL_BENCH_DATABASE_URL"),
                        help="PostgreSQL database to EMPTY and use (default: SQLite in a temp dir;"
                             " env PORTAL_BENCH_DATABASE_URL)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (2)")
    parser.add_argument("--clients", type=int, default=None,
                        help="concurrent client threads (default: 2 per worker)")
    parser.add_argument("--seconds", type=float, default=10, help="load per measurement (10)")
    args = parser.parse_args()
    clients_n = args.clients or 2 * args.workers

    workdir = tempfile.mkdtemp(prefix="bench-kiosk-")
    url = args.database_url or f"sqlite:///{workdir}/bench.db"
    os.environ.update(PORTAL_INSTANCE_PATH=str(Path(workdir) / "instance"),
                      PORTAL_DATABASE_URL=url, PORTAL_SECRET_KEY=SECRET)
    os.environ.pop("PORTAL_ENV", None)
    import requests

    app = wsgi_app()
    started = time.perf_counter()
    data = build_data(app)
    print(f"data: {ACCOUNTS} accounts, {GOODS} goods, built in {time.perf_counter() - started:.1f} s;"
          f" {args.workers} gunicorn workers, {clients_n} clients, {args.seconds:g} s each",
          flush=True)

    results = {}
    server = Gunicorn("baseline_app", args.workers, workdir, "/select1")
    try:
        plain = [Client(requests.Session()) for _ in range(clients_n)]
        results["baseline"] = load(
            "bare Flask, SELECT 1 (baseline)", plain,
            lambda c, n: c.http.get(server.base + "/select1", timeout=30), 200, args.seconds)
    finally:
        server.stop()

    server = Gunicorn("wsgi_app", args.workers, workdir, "/healthz")
    try:
        base, shop = server.base, data["shop"]
        results["healthz"] = load(
            "portal GET /healthz (SELECT 1)", [Client(requests.Session()) for _ in range(clients_n)],
            lambda c, n: c.http.get(base + "/healthz", timeout=30), 200, args.seconds)
        clients = kiosk_clients(base, clients_n, data)

        def balance(c, n):
            account = c.accounts[n % len(c.accounts)]
            return c.http.get(f"{base}/kiosk/{shop}/accounts/{account}", timeout=30)

        results["balance"] = load("balance page GET", clients, balance, 200, args.seconds)

        def redeem(c, n):
            account, goods = c.accounts[n % len(c.accounts)], c.goods[n % len(c.goods)]
            return c.http.post(f"{base}/kiosk/{shop}/accounts/{account}/redeem", timeout=30,
                               allow_redirects=False,
                               data={"csrf_token": c.token, "key": uuid.uuid4().hex,
                                     f"qty-{goods}": "1"})

        results["redeem"] = load("kiosk redemption POST (302)", clients, redeem, 302, args.seconds)
    finally:
        server.stop()

    found, redemptions, entries = check_ledger(app)

    b = results["baseline"]
    from portal.timeutil import local_today

    print(f"\n# kiosk redemptions through gunicorn, {local_today()}")
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}, database {url.split(':')[0]}")
    print(f"command: {shown_command()}")
    print(f"gunicorn {args.workers} sync workers on loopback, {clients_n} client threads "
          f"(requests) in this process, {args.seconds:g} s per measurement\n")
    print("| measurement | req/s | ÷ baseline | median ms | ÷ baseline | p95 ms | ÷ baseline |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results.values():
        print(f"| {r.name} | {r.rate:.0f} | {r.rate / b.rate:.2f} × | {r.median:.1f} | "
              f"{r.median / b.median:.1f} × | {r.pct(0.95):.1f} | {r.pct(0.95) / b.pct(0.95):.1f} × |")
    print()
    for r in results.values():
        other = {code: n for code, n in r.statuses.items() if code != (302 if r is results["redeem"]
                                                                         else 200)}
        print(f"{r.name}: {r.ok} answers in {r.seconds:.1f} s, other statuses {other or 'none'}, "
              f"client errors {dict(r.errors) or 'none'}, load generator used "
              f"{r.client_cpu:.2f} CPU")
    r = results["redeem"]
    print(f"\nledger: `portal points verify` "
          f"{'clean' if not found else f'FOUND {len(found)} MISMATCHES: {found[:5]}'}; "
          f"{redemptions} redemptions and {entries} redeem entries in the database for "
          f"{r.ok} answers 302 ({'equal' if redemptions == entries == r.ok else 'DIFFERENT'})")
    print(f"one redemption costs {b.rate / r.rate:.1f} × a bare SELECT 1 request; "
          f"the balance page {b.rate / results['balance'].rate:.1f} ×")
    ok = not found and redemptions == entries == r.ok
    if ok:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        print(f"(kept {workdir} for a look)")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
