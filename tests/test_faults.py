"""Load and faults: the real portal under gunicorn on loopback, kiosks redeeming and grid workers
filing cases at the same time, while the server (master and workers) is killed with SIGKILL at
random moments and started again. Afterwards nothing acknowledged is lost and nothing is
counted twice:

- ``portal points verify`` passes: every balance is the sum of its ledger, every stock the sum
  of its stock entries;
- every redemption answered with a receipt (302) exists, with its basket's items;
- no basket key was redeemed twice, although clients retry a basket whose answer was lost;
- every case acknowledged (302 to its page) exists.

A request whose answer was lost may or may not have happened; the clients tolerate that. The
database is a SQLite file, or the PostgreSQL database of PORTAL_TEST_DATABASE_URL. Four starts of
gunicorn and a few seconds of load: about 15 s on an idle machine.
"""
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest

from portal.plugin_testing import needs_plugin  # the plugins' fixtures come with them

ROOT = Path(__file__).resolve().parent.parent
KILLS = 3
SECRET = "fault-test-secret"

requests = pytest.importorskip("requests")
pytest.importorskip("gunicorn")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn serving the portal (bench.kiosk:wsgi_app(), as a deployment builds it) in a
    process group of its own, so that the master and its workers die together."""

    def __init__(self, database_url: str, workdir: Path, workers: int = 2):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.log = workdir / "gunicorn.log"
        self.env = {**os.environ, "PORTAL_DATABASE_URL": database_url,
                    "PORTAL_SECRET_KEY": SECRET, "PORTAL_INSTANCE_PATH": str(workdir / "instance"),
                    "PYTHONPATH": str(ROOT)}
        self.env.pop("PORTAL_ENV", None)
        self.proc = None
        self.starts = 0
        self.start_seconds = []

    def start(self, timeout: float = 30):
        began = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(self.workers), "-b",
             f"127.0.0.1:{self.port}", "--chdir", str(ROOT), "--error-logfile", str(self.log),
             "--log-level", "warning", "--preload", "bench.kiosk:wsgi_app()"],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
            start_new_session=True)
        self.starts += 1
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.proc.returncode}):\n{self.tail()}")
            try:
                if requests.get(self.base + "/healthz", timeout=2).status_code == 200:
                    self.start_seconds.append(round(time.monotonic() - began, 1))
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"gunicorn did not come up in {timeout} s:\n{self.tail()}")

    def kill(self):
        """SIGKILL to the whole process group: no worker finishes its request."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(10)
        self.proc = None

    def tail(self) -> str:
        try:
            return "\n".join(self.log.read_text().splitlines()[-30:])
        except FileNotFoundError:
            return "(no log)"


def build_data(app):
    """The test tree, the points module on in town A, a supermarket with goods (one nearly
    sold out) and accounts with points, and the case categories."""
    from plugins.points import ledger
    from plugins.points import shop as shops
    from plugins.points.models import PointsGoods, PointsShop
    from portal.extensions import db
    from portal.modules.services import set_module
    from portal.testing import build_tree

    tree = build_tree()
    set_module(tree.town_a, "points", True)
    shop = PointsShop(grid_id=tree.village_a1.id, name="城西积分超市")
    db.session.add(shop)
    db.session.flush()
    goods = []
    for name, price, stock in (("香皂", 2, 1000), ("毛巾", 3, 1000), ("食用油", 5, 6)):
        item = PointsGoods(shop_id=shop.id, name=name, price=price)
        db.session.add(item)
        db.session.flush()
        shops.restock(item, stock)
        goods.append(item.id)
    accounts = []
    from portal.people.services import add_household, add_resident

    for i in range(8):
        household = add_household(tree.grid_a1, f"城西路{100 + i}号")
        account = ledger.account_for(add_resident(household, f"居民{i}"))
        ledger.post(account, "earn", 400)
        accounts.append(account.id)
    db.session.commit()
    return {"shop": shop.id, "goods": goods, "accounts": accounts, "grid": tree.grid_a1.id,
            "kiosk": "kiosk_operator"}  # the tree's user of the plugin's role


def logged_in(base: str, username: str, stop):
    """A session logged in as ``username``, trying again while the server is down."""
    while not stop.is_set():
        try:
            return _log_in(base, username)
        except requests.RequestException:
            time.sleep(0.05)
    return None


def _log_in(base: str, username: str):
    from bench.kiosk import PASSWORD, csrf_token

    http = requests.Session()
    token = csrf_token(http.get(base + "/login", timeout=10).text)
    answer = http.post(base + "/login", allow_redirects=False, timeout=10,
                       data={"login": username, "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 302, f"login as {username}: {answer.status_code}"
    http.token = csrf_token(http.get(base + "/", timeout=10).text)  # renewed at login
    return http


class Log:
    """What the clients were told, shared between their threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.receipts = {}  # basket key -> (redemption id, {goods id: quantity})
        self.cases = {}  # case id -> title
        self.statuses = Counter()
        self.errors = Counter()

    def count(self, what):
        with self.lock:
            self.statuses[what] += 1


def kiosk_client(base, data, log, stop, seed):
    rng = random.Random(seed)
    http = logged_in(base, data["kiosk"], stop)
    pending = None  # a basket whose answer was lost: retried with the same key
    while not stop.is_set():
        if pending is None:
            basket = {rng.choice(data["goods"]): rng.randint(1, 2)}
            pending = (rng.choice(data["accounts"]), uuid.uuid4().hex, basket)
        account, key, basket = pending
        form = {"csrf_token": http.token, "key": key,
                **{f"qty-{goods}": str(n) for goods, n in basket.items()}}
        try:
            answer = http.post(f"{base}/kiosk/{data['shop']}/accounts/{account}/redeem",
                               data=form, allow_redirects=False, timeout=10)
        except requests.RequestException as error:
            with log.lock:
                log.errors[type(error).__name__] += 1
            if rng.random() < 0.3:
                pending = None  # the operator gives up on this basket: it may or may not exist
            time.sleep(0.05)
            continue
        log.count(f"redeem {answer.status_code}")
        if answer.status_code == 302 and "/receipts/" in answer.headers["Location"]:
            redemption = int(answer.headers["Location"].rstrip("/").rsplit("/", 1)[1])
            with log.lock:
                previous = log.receipts.setdefault(key, (redemption, basket))
            assert previous[0] == redemption, f"basket {key}: two receipts"
            pending = None
        elif answer.status_code == 409:
            pending = None  # not enough points or stock: nothing written
        else:
            raise AssertionError(f"redeem answered {answer.status_code}")


def case_client(base, data, log, stop, seed):
    rng = random.Random(seed)
    http = logged_in(base, "grid_worker", stop)
    n = 0
    while not stop.is_set():
        n += 1
        title = f"故障测试{seed}-{n}"
        form = {"csrf_token": http.token, "grid": data["grid"], "category": "hazard",
                "kind": rng.choice(["general", "coordination"]), "title": title,
                "description": "井盖松动", "address": "城西路"}
        try:
            answer = http.post(f"{base}/cases/new", data=form, allow_redirects=False, timeout=10)
        except requests.RequestException as error:
            with log.lock:
                log.errors[type(error).__name__] += 1
            time.sleep(0.05)
            continue
        log.count(f"case {answer.status_code}")
        assert answer.status_code == 302, f"case form answered {answer.status_code}"
        case_id = int(answer.headers["Location"].rstrip("/").rsplit("/", 1)[1])
        with log.lock:
            log.cases[case_id] = title


@needs_plugin("points")
def test_kill_the_server_under_load_and_lose_nothing_acknowledged(make_app, app_config,
                                                                   tmp_path):
    from sqlalchemy import func, select

    from plugins.points.models import PointsEntry, PointsRedemption, PointsRedemptionLine
    from portal.cases.calendar import seed_from_library
    from portal.cases.models import Case
    from portal.extensions import db

    url = app_config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite:///"):
        url = f"sqlite:///{tmp_path / 'faults.db'}"
    app = make_app({**app_config, "SQLALCHEMY_DATABASE_URI": url,
                    "PLUGINS_EXTRA": []})
    with app.app_context():
        db.create_all()
        seed_from_library()
        db.session.commit()
        data = build_data(app)
        db.session.remove()
        db.engine.dispose()

    server = Server(url, tmp_path)
    log, stop, failures = Log(), threading.Event(), []
    rng = random.Random(20261125)
    began = time.monotonic()
    try:
        server.start()

        def run(target, seed):
            try:
                target(server.base, data, log, stop, seed)
            except Exception as error:  # noqa: BLE001  (reported below)
                failures.append(f"{target.__name__}: {error!r}")
                stop.set()

        threads = [threading.Thread(target=run, args=(kiosk_client, i), daemon=True)
                   for i in range(3)]
        threads += [threading.Thread(target=run, args=(case_client, 10 + i), daemon=True)
                    for i in range(2)]
        for thread in threads:
            thread.start()
        for _ in range(KILLS):
            stop.wait(rng.uniform(0.5, 2.0))  # requests are in flight: both kinds, all the time
            server.kill()
            stop.wait(rng.uniform(0.0, 0.3))
            server.start()
        stop.wait(1.5)  # the last clients get their answers
        stop.set()
        for thread in threads:
            thread.join(30)
    finally:
        stop.set()
        server.kill()
    elapsed = time.monotonic() - began
    assert not failures, "\n".join(failures)
    assert server.starts == KILLS + 1
    assert log.receipts and log.cases, f"too little got through: {log.statuses}"

    with app.app_context():
        result = app.test_cli_runner().invoke(args=["points", "verify"])
        assert result.exit_code == 0, result.output

        found = {r.idempotency_key: r for r in db.session.scalars(select(PointsRedemption))}
        twice = db.session.execute(
            select(PointsRedemption.idempotency_key, func.count())
            .group_by(PointsRedemption.idempotency_key).having(func.count() > 1)).all()
        assert twice == [], "a basket was redeemed twice"
        for key, (redemption_id, basket) in log.receipts.items():
            row = found.get(key)
            assert row is not None and row.id == redemption_id, f"receipt {key} lost"
            items = {i.goods_id: i.quantity for i in db.session.scalars(
                select(PointsRedemptionLine).filter_by(redemption_id=row.id))}
            assert items == basket, f"receipt {key}: {items} != {basket}"
        # every redemption in the database has exactly one debit
        debits = Counter(db.session.scalars(select(PointsEntry.redemption_id)
                                            .where(PointsEntry.kind == "redeem")))
        assert set(debits) == {r.id for r in found.values()}
        assert set(debits.values()) == {1}

        cases = dict(db.session.execute(select(Case.id, Case.title)).all())
        lost = {i: t for i, t in log.cases.items() if cases.get(i) != t}
        assert lost == {}, f"acknowledged cases lost: {lost}"
        db.session.remove()
    print(f"\n{elapsed:.1f} s, starts in {server.start_seconds} s; answers {dict(log.statuses)}; "
          f"client errors {dict(log.errors)}; {len(log.receipts)} receipts, "
          f"{len(found)} redemptions, {len(log.cases)} cases acknowledged, {len(cases)} in the "
          f"database")
