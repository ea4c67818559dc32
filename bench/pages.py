"""Benchmark: the main pages over HTTP through gunicorn, each against its own SQL run bare.

Builds the county-scale demo (``portal demo --scale county``; ``--scale-factor`` of it) in a new
SQLite file, or reuses one (``--reuse PATH``), or empties and fills a PostgreSQL database
(``--database-url``; ``--reuse-database`` keeps what is there). Then, for every page:

1. capture: the page is requested in this process through the Flask test client, logged in as
   the role that uses it, as a normal full request (no outer app context, so no session cache
   hides a statement): once to warm up, once with every SQL statement and its parameters
   recorded by a ``before_cursor_execute`` listener on the engine;
2. measure, interleaved request by request, ``-n`` times: the page over HTTP (``gunicorn -w N``
   serving the portal on a loopback port; the request sent by one of ``--clients`` client
   processes, each with its own logged-in session, one request in flight at a time); the
   captured statements replayed bare in this process (raw DB-API cursor of the same engine,
   every result fetched, then rolled back); the same statements run by a bare Flask endpoint
   served by the same gunicorn command (``GET /replay/<page>`` over HTTP from the same clients).

It prints p50 and p95 (linear interpolation between closest ranks) of the three, the statements
of every measured request (counted in the gunicorn worker), the ratios and the portal's overhead
(page p50 − bare endpoint p50: the same statements and the same HTTP, minus the portal's Python),
with the machine's load. Run it from the repository root:

    .venv/bin/python bench/pages.py --scale-factor 0.02 -n 30       # a quick look, ~2 minutes
    .venv/bin/python bench/pages.py --reuse /tmp/county.db           # the county; built once
    .venv/bin/python bench/pages.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench

A URL that answers 404 is skipped with a note.
"""
import argparse
import json
import os
import pickle
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from common import (  # noqa: E402  (after the path is set)
    Capture, Clients, Gunicorn, MachineLoad, database_kind, machine, p50, p95, replay,
    shown_command, stop_on_sigterm)

CONFIG = {"PLUGINS_ENTRY_POINTS": False, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
          "SECRET_KEY": "bench-pages", "WTF_CSRF_ENABLED": True,
          # the ID-number searches are measured, not rate-limited (a reused database keeps count)
          "NUMBER_SEARCH_MAX_PER_WINDOW": 1_000_000}


@dataclass
class Page:
    label: str
    user: str
    url: str
    statements: list = field(default_factory=list)
    captured: list = field(default_factory=list)  # statements of the capture requests
    page: list = field(default_factory=list)  # seconds over HTTP
    replayed: list = field(default_factory=list)  # seconds, bare replay in this process
    bare: list = field(default_factory=list)  # seconds over HTTP, bare Flask endpoint
    server: list = field(default_factory=list)  # seconds in the gunicorn worker (WSGI call)
    counts: list = field(default_factory=list)  # statements of each measured page request
    bare_counts: list = field(default_factory=list)
    rows: int = 0
    size: int = 0


def build(app, factor: float) -> float:
    from portal.cases.calendar import seed_from_library
    from portal.demo_scale import load_scaled
    from portal.extensions import db
    from portal.testing import reset_database

    with app.app_context():
        reset_database()
        db.create_all()
        seed_from_library()
        db.session.commit()
        started = time.perf_counter()
        load_scaled(factor, echo=lambda line: print(line, flush=True))
        seconds = time.perf_counter() - started
        db.session.remove()
    return seconds


def has_data(app) -> bool:
    from sqlalchemy import inspect

    from portal.extensions import db

    with app.app_context():
        if not inspect(db.engine).has_table("residents"):
            return False
        return bool(db.session.execute(db.text("SELECT 1 FROM residents LIMIT 1")).first())


def pages(app) -> list[Page]:
    """The pages, with codes, names and ids taken from the data."""
    from sqlalchemy import text

    from portal.extensions import db

    with app.app_context():
        one = lambda sql, **p: db.session.execute(text(sql), p).first()  # noqa: E731
        town = one("SELECT id, code FROM grids WHERE level = 'town' ORDER BY code DESC LIMIT 1")
        seq = int(town.code[-3:])
        village = one("SELECT id, code FROM grids WHERE parent_id = :t AND level = 'village' "
                      "ORDER BY code LIMIT 1", t=town.id)
        grid = one("SELECT id, code FROM grids WHERE parent_id = :v AND level = 'grid' "
                   "ORDER BY code LIMIT 1", v=village.id)
        resident = one("SELECT name, name_initials, id_number FROM residents "
                       "WHERE grid_id = :g ORDER BY id LIMIT 1", g=grid.id)
        points_town = one("SELECT g.code FROM town_modules m JOIN grids g ON g.id = m.town_id "
                          "WHERE m.name = 'points' AND m.enabled AND g.code LIKE '430624%' "
                          "ORDER BY g.code DESC LIMIT 1")
        kiosk = shop = account = None
        if points_town is not None:
            kiosk = f"kiosk{points_town.code[-3:]}"
            shop = one("SELECT s.id, s.grid_id FROM points_shops s JOIN grids g ON "
                       "g.id = s.grid_id WHERE g.code LIKE :p ORDER BY s.id LIMIT 1",
                       p=points_town.code + "%")
            if shop is not None:
                account = one("SELECT a.id FROM points_accounts a JOIN grids g ON "
                              "g.id = a.grid_id WHERE g.code LIKE :p ORDER BY a.id LIMIT 1",
                              p=one("SELECT code FROM grids WHERE id = :i",
                                    i=shop.grid_id).code + "%")
            if one("SELECT 1 FROM users WHERE username = :u", u=kiosk) is None:
                kiosk = None
        db.session.remove()
    admin = f"town{seq:03d}"
    found = [
        Page("case list", admin, "/cases/"),
        Page("case list, state=open", admin, "/cases/?state=open"),
        Page("case list, light=red", admin, "/cases/?light=red"),
        Page("case list, category", admin, "/cases/?category=dispute"),
        Page("case list, page 50", admin, "/cases/?page=50"),
        Page("case list, county", "county", "/cases/"),
        Page("resident search, name", admin, f"/people/?q={resident.name}"),
        Page("resident search, initials", admin, f"/people/?q={resident.name_initials}"),
        Page("resident search, ID tail", admin, f"/people/?q={resident.id_number[-6:]}"),
        Page("home, county", "county", "/"),
        Page("home, town", admin, "/"),
        Page("home, grid", f"gw{grid.code}", "/"),
    ]
    for label, code in (("county", "430624"), ("town", town.code), ("village", village.code),
                        ("grid", grid.code)):
        found.append(Page(f"dashboard, {label}", "county", f"/dashboard/?code={code}"))
    if kiosk and shop and account:
        found.append(Page("kiosk balance", kiosk, f"/kiosk/{shop.id}/accounts/{account.id}"))
    return found


def capture(app, found: list[Page]) -> list[str]:
    """Each page's own statements, from a full request in this process (after one to warm up).
    Returns notes on the pages skipped."""
    from portal.demo import DEMO_PASSWORD
    from portal.extensions import db
    from portal.testing import PortalClient

    app.test_client_class = PortalClient
    with app.app_context():
        engine = db.engine
    recorder = Capture(engine)
    clients, skipped = {}, []
    try:
        for page in list(found):
            client = clients.get(page.user)
            if client is None:
                client = clients[page.user] = app.test_client()
                client.login(page.user, DEMO_PASSWORD)
            for _ in range(2):  # the first warms the caches; the second is the one replayed
                with recorder:
                    answer = client.get(page.url)
                page.captured.append(len(recorder.statements))
                if answer.status_code != 200:
                    break
            if answer.status_code == 404:
                skipped.append(f"{page.label}: {page.url} answered 404, skipped")
                found.remove(page)
                continue
            if answer.status_code != 200:
                raise RuntimeError(f"{page.url} as {page.user} answered {answer.status_code}")
            page.statements = list(recorder.statements)
    finally:
        recorder.close()
    return skipped


def measure(found: list[Page], portal: Gunicorn, bare: Gunicorn, clients: Clients, engine,
            n: int, password: str):
    """Page, bare replay, bare endpoint; page, replay, endpoint; … ``n`` rounds a page, each
    HTTP request from the next client process in turn."""
    users = sorted({page.user for page in found})
    for i in range(len(clients)):
        for user in users:
            clients.login(i, portal.base, user, password)
    connection = engine.raw_connection()
    try:
        for number, page in enumerate(found):
            name = str(number)
            for i in range(2 * len(clients) + 1):  # warm every worker of both servers
                clients.get(i % len(clients), portal.base, page.user, page.url)
                clients.get(i % len(clients), bare.base, None, f"/replay/{name}")
            page.rows = replay(connection, page.statements)
            for k in range(n):
                who = k % len(clients)
                status, seconds, count, size, server = clients.get(who, portal.base, page.user,
                                                                   page.url)
                if status != 200:
                    raise RuntimeError(f"{page.url} as {page.user} answered {status} over HTTP")
                page.page.append(seconds)
                page.counts.append(int(count))
                page.size = size
                page.server.append(float(server) / 1000)
                started = time.perf_counter()
                replay(connection, page.statements)
                page.replayed.append(time.perf_counter() - started)
                status, seconds, count, _size, _server = clients.get(who, bare.base, None,
                                                                     f"/replay/{name}")
                if status != 200:
                    raise RuntimeError(f"the bare endpoint of {page.label} answered {status}")
                page.bare.append(seconds)
                page.bare_counts.append(int(count))
            print(f"  {page.label:<28} page p50 {p50(page.page) * 1000:8.1f} ms, replay "
                  f"{p50(page.replayed) * 1000:7.1f} ms, bare endpoint "
                  f"{p50(page.bare) * 1000:7.1f} ms, {counts(page.counts)} statements", flush=True)
    finally:
        connection.close()


def counts(values: list) -> str:
    """The statements per request: one number, or the range and the most frequent."""
    low, high = min(values), max(values)
    if low == high:
        return str(low)
    return f"{low}–{high} (mostly {statistics.mode(values)})"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def report(found, skipped, args, url, counts_of, built, load_line, workers, clients_n):
    from portal.timeutil import local_today

    print(f"\n# pages over HTTP against their own SQL, {local_today()}")
    print(f"machine: {machine()}; database {database_kind(url)}")
    print(f"load: {load_line}")
    print(f"command: `{shown_command()}`")
    print("data: " + ", ".join(f"{v:,} {k}" for k, v in counts_of.items())
          + (f"; built in {built:.0f} s" if built else " (reused)"))
    print(f"method: gunicorn -w {workers} (sync) on loopback; {args.n} requests a page from "
          f"{clients_n} client processes in turn, one in flight at a time, interleaved request "
          f"by request with the bare replay (this process, raw DB-API cursor of the same engine) "
          f"and the bare Flask endpoint (`/replay/<page>` running the same statements, served "
          f"by the same gunicorn command); p95 by linear interpolation between closest ranks; "
          f"overhead = page p50 − bare endpoint p50 (both over the same HTTP, both running the "
          f"same statements: what is left is the portal's Python); \"in the worker\" = the WSGI "
          f"call timed inside gunicorn, for reading only\n")
    print("| page | URL | login | statements | page p50 ms | page p95 ms | replay p50 ms | "
          "replay p95 ms | bare endpoint p50 ms | bare endpoint p95 ms | page ÷ replay (p50) | "
          "page ÷ bare endpoint (p50) | overhead ms | page p50 in the worker ms | KB |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
          "| ---: | ---: |")
    for page in found:
        print(f"| {page.label} | `{page.url}` | {page.user} | {counts(page.counts)} | "
              f"{ms(p50(page.page))} | {ms(p95(page.page))} | {ms(p50(page.replayed))} | "
              f"{ms(p95(page.replayed))} | {ms(p50(page.bare))} | {ms(p95(page.bare))} | "
              f"{p50(page.page) / p50(page.replayed):.1f} × | "
              f"{p50(page.page) / p50(page.bare):.1f} × | "
              f"{ms(p50(page.page) - p50(page.bare))} | {ms(p50(page.server))} | "
              f"{page.size / 1024:.0f} |")
    notes = []
    for page in found:
        if set(page.counts) != {len(page.statements)}:
            notes.append(f"{page.label}: {len(page.statements)} statements captured in-process, "
                         f"{counts(page.counts)} counted in the workers")
        if set(page.bare_counts) != {len(page.statements)}:
            notes.append(f"{page.label}: the bare endpoint ran {counts(page.bare_counts)} "
                         f"statements, not {len(page.statements)}")
        if page.captured and page.captured[0] != page.captured[-1]:
            notes.append(f"{page.label}: {page.captured[0]} statements on the first request "
                         f"(cold caches), {page.captured[-1]} after")
    for line in notes + skipped:
        print(f"\nnote: {line}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale-factor", type=float, default=1.0,
                        help="share of the county-scale data set to build (1.0 = the county)")
    parser.add_argument("--reuse", metavar="PATH",
                        help="SQLite file: built there if it has no data, reused if it has")
    parser.add_argument("--database-url", default=os.environ.get("PORTAL_BENCH_DATABASE_URL"),
                        help="PostgreSQL database to EMPTY and fill (unless --reuse-database)")
    parser.add_argument("--reuse-database", action="store_true",
                        help="with --database-url: use the data already there")
    parser.add_argument("-n", type=int, default=30, help="requests per page (30)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (2)")
    parser.add_argument("--clients", type=int, default=2, help="client processes (2)")
    parser.add_argument("--only", metavar="TEXT", help="only the pages whose label has TEXT")
    args = parser.parse_args()
    if args.n < 30:
        print(f"note: -n {args.n} is under 30 requests a page: its p95 is a rough figure",
              flush=True)
    stop_on_sigterm()

    workdir = tempfile.mkdtemp(prefix="bench-pages-")
    if args.database_url:
        url = args.database_url
    elif args.reuse:
        url = f"sqlite:///{Path(args.reuse).resolve()}"
    else:
        url = f"sqlite:///{workdir}/bench.db"
    os.environ.update(PORTAL_INSTANCE_PATH=str(Path(workdir) / "instance"),
                      PORTAL_DATABASE_URL=url, BENCH_CONFIG=json.dumps(CONFIG))
    os.environ.pop("PORTAL_ENV", None)
    from portal import create_app
    from portal.demo import DEMO_PASSWORD

    app = create_app(CONFIG)
    built = None
    if (args.reuse or args.reuse_database) and has_data(app):
        print(f"reusing {url}", flush=True)
    else:
        print(f"building the county-scale demo (factor {args.scale_factor:g}) in {url}",
              flush=True)
        built = build(app, args.scale_factor)
    from sqlalchemy import text

    from portal.extensions import db

    with app.app_context():
        counts_of = {t: db.session.execute(text(f"SELECT count(*) FROM {t}")).scalar()
                     for t in ("grids", "households", "residents", "cases", "points_entries")}
        db.session.remove()
        engine = db.engine
    found = pages(app)
    if args.only:
        found = [page for page in found if args.only in page.label]
    print(f"capturing the statements of {len(found)} pages", flush=True)
    skipped = capture(app, found)
    statements = Path(workdir) / "statements.pickle"
    statements.write_bytes(pickle.dumps({str(i): page.statements for i, page in enumerate(found)}))

    load = MachineLoad()
    portal = bare = clients = None
    try:
        portal = Gunicorn("apps:portal_app()", args.workers, workdir, "/healthz")
        bare = Gunicorn("apps:bare_app()", args.workers, workdir, "/select1",
                        env={"BENCH_STATEMENTS": str(statements)})
        clients = Clients(args.clients)
        print(f"measuring {len(found)} pages, {args.n} requests each", flush=True)
        measure(found, portal, bare, clients, engine, args.n, DEMO_PASSWORD)
        load.sample_others()
    finally:
        if clients is not None:
            clients.close()
        for server in (bare, portal):
            if server is not None:
                server.stop()
    engine.dispose()
    report(found, skipped, args, url, counts_of, built, load.stop(), args.workers, args.clients)


if __name__ == "__main__":
    main()
