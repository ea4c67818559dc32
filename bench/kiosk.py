"""Benchmark: kiosk redemptions through gunicorn, against a bare Flask endpoint running the same
SQL statements a redemption runs, and a bare ``SELECT 1``.

Builds a fresh database (a village points supermarket, 200 accounts with plenty of points, 32
goods with plenty of stock), then:

1. captures, in this process through the Flask test client (a normal full request), the SQL
   statements of one real redemption per client (each client its own account and goods), with
   their parameters; the basket key is marked to be replaced by a fresh one at each replay;
2. copies the database (SQLite: the backup API; PostgreSQL: ``CREATE DATABASE … TEMPLATE``): the
   bare endpoint replays on the copy and COMMITS each replay, as a redemption commits, while the
   portal's ledger stays intact for the check at the end (a replay writes the captured balances
   again, which the copy's ledger no longer adds up to: the copy is thrown away);
3. serves the portal and the bare app (``apps:portal_app()`` / ``apps:bare_app()``) with the same
   ``gunicorn -w N`` command on loopback ports, and drives them from ``--clients`` client
   processes (each its own session, logged in as the kiosk operator), requests back to back for
   ``--seconds`` each: the bare ``SELECT 1``, the portal's ``/healthz``, the balance page, then
   ``--rounds`` times alternately the bare replay endpoint and real redemptions (POST, one item, a
   fresh basket key, 302 expected; no two clients share an account or goods);
4. checks the ledger (``portal points verify``) and that the redemptions in the database are
   exactly the 302 answers plus the captured ones.

The figure: redemptions per second ÷ bare replay endpoint requests per second (issue 20's goal:
≥ 0.8). Run it from the repository root:

    .venv/bin/python bench/kiosk.py                            # SQLite in a temp dir, 2 workers
    .venv/bin/python bench/kiosk.py --workers 4 --seconds 20
    .venv/bin/python bench/kiosk.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench
"""
import argparse
import json
import os
import pickle
import shutil
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from common import (  # noqa: E402  (after the path is set)
    Capture, Clients, Gunicorn, MachineLoad, csrf_token, database_kind, machine, mark_fresh, p50,
    p95, shown_command, stop_on_sigterm)

__all__ = ["PASSWORD", "csrf_token", "wsgi_app"]  # tests/test_faults.py serves and drives these

SECRET = "bench-kiosk"
#: What the portal is built with here and in every gunicorn worker (URL and key come from the env).
CONFIG = {"PLUGINS_ENTRY_POINTS": False, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}
PASSWORD = "secret123"  # portal.testing.build_tree's
ACCOUNTS = 200
GOODS = 32
PLENTY = 1_000_000


def wsgi_app():
    """The portal, as a deployment builds it (``gunicorn bench.kiosk:wsgi_app()``)."""
    from portal import create_app

    return create_app(CONFIG)


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


def capture(app, data: dict, clients: int) -> tuple[dict, int]:
    """({client number: statements of one real redemption with that client's account and goods},
    redemptions made). One redemption first warms the caches and is not kept. Each is for another
    account than the one before, as in the load (where the kiosk's visit changes hands each
    time: a few statements more than a second redemption for the same account)."""
    from portal.extensions import db
    from portal.testing import PortalClient

    app.test_client_class = PortalClient
    client = app.test_client()
    client.login("kiosk_operator", PASSWORD)
    with app.app_context():
        engine = db.engine
    recorder = Capture(engine)
    shop, templates, made = data["shop"], {}, 0
    try:
        for i in [-1, *range(clients)]:
            account, goods = data["accounts"][i], data["goods"][i % GOODS]
            key = uuid.uuid4().hex
            with recorder:
                answer = client.post(f"/kiosk/{shop}/accounts/{account}/redeem",
                                     data={"key": key, f"qty-{goods}": "1"})
            if answer.status_code != 302:
                raise RuntimeError(f"the captured redemption answered {answer.status_code}")
            made += 1
            statements = list(recorder.statements)
            if not mark_fresh(statements, key):
                raise RuntimeError("the basket key is not among the redemption's parameters")
            if i >= 0:
                templates[str(i)] = statements
    finally:
        recorder.close()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return templates, made


def copy_database(url: str, workdir: str) -> str:
    """A copy of the database for the bare endpoint's committed replays; its URL."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    if url.startswith("sqlite"):
        import sqlite3

        target = Path(workdir) / "replay.db"
        with sqlite3.connect(make_url(url).database) as source, sqlite3.connect(target) as copy:
            source.backup(copy)
        return f"sqlite:///{target}"
    parsed = make_url(url)
    name = f"{parsed.database}_replay"
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{parsed.database}"'))
    finally:
        admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


def drop_copy(url: str):
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    if url.startswith("sqlite"):
        return
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}"'))
    finally:
        admin.dispose()


# ---------------------------------------------------------------- load


@dataclass
class Result:
    name: str
    latencies: list
    statuses: dict
    errors: dict
    seconds: float
    client_cpu: float
    statements: dict  # {statements counted in the worker: answers}
    server: list  # milliseconds in the worker
    expect: int

    @property
    def ok(self) -> int:
        return self.statuses.get(self.expect, 0)

    @property
    def rate(self) -> float:
        return self.ok / self.seconds

    @property
    def p50(self) -> float:
        return p50(self.latencies) * 1000

    @property
    def p95(self) -> float:
        return p95(self.latencies) * 1000

    @property
    def counted(self) -> str:
        return ", ".join(f"{count}" + (f" ({n}×)" if len(self.statements) > 1 else "")
                         for count, n in sorted(self.statements.items(), key=lambda x: -x[1]))


def run(name: str, clients: Clients, plans: list, expect: int, seconds: float) -> Result:
    result = Result(name, *clients.load(plans, expect, seconds), expect=expect)
    print(f"  {name:<40} {result.rate:7.0f} /s, p50 {result.p50:6.1f} ms, p95 "
          f"{result.p95:6.1f} ms", flush=True)
    return result


# ---------------------------------------------------------------- main


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("PORTAL_BENCH_DATABASE_URL"),
                        help="PostgreSQL database to EMPTY and use (default: SQLite in a temp dir;"
                             " env PORTAL_BENCH_DATABASE_URL); <name>_replay is made beside it")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (2)")
    parser.add_argument("--clients", type=int, default=None,
                        help="client processes (default: 2 per worker)")
    parser.add_argument("--seconds", type=float, default=10, help="load per measurement (10)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="alternations of the bare replay endpoint and redemptions (3)")
    args = parser.parse_args()
    clients_n = args.clients or 2 * args.workers
    if clients_n > min(ACCOUNTS, GOODS):
        parser.error(f"at most {min(ACCOUNTS, GOODS)} clients")
    stop_on_sigterm()

    workdir = tempfile.mkdtemp(prefix="bench-kiosk-")
    url = args.database_url or f"sqlite:///{workdir}/bench.db"
    os.environ.update(PORTAL_INSTANCE_PATH=str(Path(workdir) / "instance"),
                      PORTAL_DATABASE_URL=url, PORTAL_SECRET_KEY=SECRET,
                      BENCH_CONFIG=json.dumps(CONFIG))
    os.environ.pop("PORTAL_ENV", None)

    app = wsgi_app()
    started = time.perf_counter()
    data = build_data(app)
    templates, captured = capture(app, data, clients_n)
    sizes = sorted({len(t) for t in templates.values()})
    statements = "/".join(map(str, sizes))
    replay_url = copy_database(url, workdir)
    (Path(workdir) / "statements.pickle").write_bytes(pickle.dumps(templates))
    print(f"data: {ACCOUNTS} accounts, {GOODS} goods, {captured} redemptions captured "
          f"({statements} statements each), built in {time.perf_counter() - started:.1f} s; "
          f"{args.workers} gunicorn workers, {clients_n} client processes, {args.seconds:g} s "
          f"each", flush=True)

    load = MachineLoad()
    results, portal, bare, clients = {}, None, None, None
    try:
        portal = Gunicorn("apps:portal_app()", args.workers, workdir, "/healthz")
        bare = Gunicorn("apps:bare_app()", args.workers, workdir, "/select1", env={
            "BENCH_BARE_DATABASE_URL": replay_url, "BENCH_REPLAY_COMMIT": "1",
            "BENCH_STATEMENTS": str(Path(workdir) / "statements.pickle")})
        clients = Clients(clients_n)
        shop = data["shop"]
        for i in range(clients_n):
            clients.login(i, portal.base, "kiosk_operator", PASSWORD, f"/kiosk/{shop}")

        def plans(base, user, make):
            return [(base, user, make(i)) for i in range(clients_n)]

        results["select1"] = run("bare Flask, SELECT 1", clients, plans(
            bare.base, None, lambda i: [("GET", "/select1", None)]), 200, args.seconds)
        results["healthz"] = run("portal GET /healthz (SELECT 1)", clients, plans(
            portal.base, None, lambda i: [("GET", "/healthz", None)]), 200, args.seconds)
        results["balance"] = run("balance page GET", clients, plans(
            portal.base, "kiosk_operator",
            lambda i: [("GET", f"/kiosk/{shop}/accounts/{a}", None)
                       for a in data["accounts"][i::clients_n]]), 200, args.seconds)

        def redemptions(i):
            accounts, goods = data["accounts"][i::clients_n], data["goods"][i::clients_n]
            return [("POST", f"/kiosk/{shop}/accounts/{accounts[n % len(accounts)]}/redeem",
                     {"csrf_token": "{csrf}", "key": "{key}",
                      f"qty-{goods[n % len(goods)]}": "1"})
                    for n in range(len(accounts) * len(goods))]

        for r in range(1, args.rounds + 1):
            results[f"replay{r}"] = run(f"bare endpoint, a redemption's SQL ({r})", clients,
                                        plans(bare.base, None,
                                              lambda i: [("GET", f"/replay/{i}", None)]),
                                        200, args.seconds)
            results[f"redeem{r}"] = run(f"kiosk redemption POST, 302 ({r})", clients,
                                        plans(portal.base, "kiosk_operator", redemptions),
                                        302, args.seconds)
        load.sample_others()
    finally:
        if clients is not None:
            clients.close()
        for server in (bare, portal):
            if server is not None:
                server.stop()
    load_line = load.stop()
    drop_copy(replay_url)

    found, redemptions_n, entries = check_ledger(app)
    answered = sum(results[f"redeem{r}"].ok for r in range(1, args.rounds + 1))
    report(args, url, clients_n, statements, results, load_line)
    print(f"\nledger: `portal points verify` "
          f"{'clean' if not found else f'FOUND {len(found)} MISMATCHES: {found[:5]}'}; "
          f"{redemptions_n} redemptions and {entries} redeem entries in the database for "
          f"{answered} answers 302 + {captured} captured "
          f"({'equal' if redemptions_n == entries == answered + captured else 'DIFFERENT'})")
    ok = not found and redemptions_n == entries == answered + captured
    if ok:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        print(f"(kept {workdir} for a look)")
    sys.exit(0 if ok else 1)


def report(args, url, clients_n, statements, results, load_line):
    from portal.timeutil import local_today

    base = results["select1"]
    print(f"\n# kiosk redemptions through gunicorn, {local_today()}")
    print(f"machine: {machine()}; database {database_kind(url)}")
    print(f"load: {load_line}")
    print(f"command: `{shown_command()}`")
    print(f"method: gunicorn -w {args.workers} (sync) on loopback; {clients_n} client processes "
          f"(requests, each its own session) sending back to back, {args.seconds:g} s per "
          f"measurement; the bare endpoint replays the {statements} statements of a captured "
          f"redemption (a fresh basket key each time) on a copy of the database and commits; "
          f"p95 by linear interpolation between closest ranks; statements counted in the "
          f"gunicorn worker for each answer; \"in the worker\": the WSGI call timed inside "
          f"gunicorn (the rest of p50 is HTTP and waiting for a free worker)\n")
    print("| measurement | req/s | ÷ SELECT 1 | p50 ms | p95 ms | statements | p50 in the worker "
          "ms | errors / other statuses |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for r in results.values():
        other = {code: n for code, n in r.statuses.items() if code != r.expect}
        print(f"| {r.name} | {r.rate:.0f} | {r.rate / base.rate:.2f} × | {r.p50:.1f} | "
              f"{r.p95:.1f} | {r.counted} | {p50(r.server):.1f} | {dict(r.errors) or '–'} / "
              f"{other or '–'} |")
    rounds = range(1, args.rounds + 1)
    ratios = [results[f"redeem{r}"].rate / results[f"replay{r}"].rate for r in rounds]
    total = (sum(results[f"redeem{r}"].ok for r in rounds)
             / sum(results[f"redeem{r}"].seconds for r in rounds))
    bare_total = (sum(results[f"replay{r}"].ok for r in rounds)
                  / sum(results[f"replay{r}"].seconds for r in rounds))
    print(f"\n**redemptions/s ÷ bare endpoint running the same {statements} statements: "
          f"{total / bare_total:.2f} ×** ({total:.0f} ÷ {bare_total:.0f} over the {args.rounds} "
          f"rounds; per round " + ", ".join(f"{x:.2f}" for x in ratios) + "); goal ≥ 0.8")
    cpu = sum(r.client_cpu for r in results.values()) / sum(r.seconds for r in results.values())
    print(f"the client processes used {cpu:.2f} CPU cores on average while sending (on the "
          f"same {os.cpu_count()} CPUs as the server)")


if __name__ == "__main__":
    main()
