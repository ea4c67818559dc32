"""Benchmark: server time of the main pages on the county-scale demo, against the bare SQL query
that fetches the same rows, timed with the same engine in the same run.

Builds the county-scale data set (``portal demo --scale county``; ``--scale-factor`` of it) in a
new SQLite file, or reuses one (``--reuse PATH``: built there the first time, reused afterwards),
or empties and fills a PostgreSQL database (``--database-url``). Then, through the Flask test
client (no network, no WSGI server: the portal's own time), logged in as the role that uses each
page, it requests every page ``-n`` times and reports the median and the 95th percentile, the SQL
statements per request, and each time as a ratio to the bare query's median. Run it from the
repository root:

    .venv/bin/python bench/pages.py --scale-factor 0.05             # a quick look, ~1 minute
    .venv/bin/python bench/pages.py --reuse /tmp/county.db           # the county; built once
    .venv/bin/python bench/pages.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench

A URL that answers 404 (e.g. ``/dashboard/`` before that page exists) is skipped with a note.
"""
import argparse
import os
import platform
import re
import shlex
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CONFIG = {"PLUGINS_ENTRY_POINTS": False, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
          "SECRET_KEY": "bench-pages", "WTF_CSRF_ENABLED": True,
          # the ID-number searches are measured, not rate-limited (a reused database keeps count)
          "NUMBER_SEARCH_MAX_PER_WINDOW": 1_000_000}


@dataclass
class Page:
    label: str
    user: str
    url: str
    sql: str  # the bare query fetching the same rows
    params: dict


@dataclass
class Timing:
    page: Page
    status: int
    median: float
    p95: float
    queries: float
    sql_median: float
    sql_rows: int


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
    """The pages and their bare queries, with codes, names and ids taken from the data."""
    from sqlalchemy import text

    from portal.cases.blueprint import PAGE_SIZE
    from portal.extensions import db
    from portal.timeutil import local_today

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
            account = one("SELECT a.id FROM points_accounts a JOIN grids g ON g.id = a.grid_id "
                          "WHERE g.code LIKE :p ORDER BY a.id LIMIT 1",
                          p=(one("SELECT code FROM grids WHERE id = :i", i=shop.grid_id).code
                             + "%"))
            if db.session.execute(text("SELECT 1 FROM users WHERE username = :u"),
                                  {"u": kiosk}).first() is None:
                kiosk = None
        today = local_today().isoformat()
    admin = f"town{seq:03d}"
    cases = ("SELECT cases.* FROM cases JOIN grids ON grids.id = cases.grid_id "
             "WHERE grids.code >= :lo AND grids.code < :hi {where} ORDER BY cases.created_at DESC, cases.id DESC "
             f"LIMIT {PAGE_SIZE + 1} OFFSET :offset")
    open_ = "AND cases.state IN ('received', 'assigned', 'in_progress', 'escalated')"
    people = ("SELECT residents.* FROM residents JOIN households ON households.id = "
              "residents.household_id JOIN grids ON grids.id = residents.grid_id "
              "WHERE grids.code >= :lo AND grids.code < :hi AND residents.left_at IS NULL AND ({where}) "
              "ORDER BY residents.name_pinyin, residents.id LIMIT 30")
    tp = {**span(town.code), "offset": 0}
    found = [
        Page("case list", admin, "/cases/", cases.format(where=""), tp),
        Page("case list, state=open", admin, "/cases/?state=open", cases.format(where=open_), tp),
        Page("case list, light=red", admin, "/cases/?light=red", cases.format(
            where=open_ + " AND ((cases.state = 'received' AND cases.assign_due < :today) OR "
            "(cases.state != 'received' AND cases.resolve_due < :today))"), {**tp, "today": today}),
        Page("case list, category", admin, "/cases/?category=dispute",
             cases.format(where="AND cases.category = 'dispute'"), tp),
        Page("case list, page 50", admin, "/cases/?page=50", cases.format(where=""),
             {**tp, "offset": 49 * PAGE_SIZE}),
        Page("case list, county", "county", "/cases/", cases.format(where=""),
             {**span("430624"), "offset": 0}),
        Page("resident search, name", admin, f"/people/?q={resident.name}",
             people.format(where="residents.name LIKE :q OR households.address LIKE :q"),
             {**span(town.code), "q": f"%{resident.name}%"}),
        Page("resident search, initials", admin, f"/people/?q={resident.name_initials}",
             people.format(where="residents.name_initials LIKE :q OR residents.name_pinyin "
                                 "LIKE :q"), {**span(town.code), "q": resident.name_initials + "%"}),
        Page("resident search, ID tail", admin, f"/people/?q={resident.id_number[-6:]}",
             people.format(where="residents.id_reversed LIKE :q OR residents.phone_reversed "
                                 "LIKE :q"), {**span(town.code),
                                              "q": resident.id_number[-6:][::-1] + "%"}),
    ]
    home_sql = ("SELECT count(*) FROM residents WHERE residents.left_at IS NULL AND "
                "residents.grid_id IN (SELECT id FROM grids WHERE code >= :lo AND code < :hi)")
    for label, user, code in (("county", "county", "430624"), ("town", admin, town.code),
                              ("grid", f"gw{grid.code}", grid.code)):
        found.append(Page(f"home, {label}", user, "/", home_sql, span(code)))
    dash_sql = ("SELECT count(*), sum(CASE WHEN cases.resolved_at IS NOT NULL THEN 1 ELSE 0 END), "
                "avg(cases.satisfaction) FROM cases JOIN grids ON grids.id = cases.grid_id "
                "WHERE grids.code >= :lo AND grids.code < :hi AND cases.created_at >= :since")
    since = f"{local_today().year}-01-01"
    for label, code in (("county", "430624"), ("town", town.code), ("village", village.code),
                        ("grid", grid.code)):
        found.append(Page(f"dashboard, {label}", "county", f"/dashboard/?code={code}", dash_sql,
                          {**span(code), "since": since}))
    if kiosk and shop and account:
        found.append(Page("kiosk balance", kiosk, f"/kiosk/{shop.id}/accounts/{account.id}",
                          "SELECT a.*, (SELECT count(*) FROM points_entries e WHERE "
                          "e.account_id = a.id) FROM points_accounts a WHERE a.id = :a",
                          {"a": account.id}))
    return found


def span(code: str) -> dict:
    """A node and everything under it, as the indexed range the bare queries use (codes are paths:
    430624003 ≤ code < 430624004), the fastest way to say "in this scope" in SQL."""
    return {"lo": code, "hi": code[:-1] + chr(ord(code[-1]) + 1)}


def percentile(values: list, q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure(app, found: list[Page], n: int) -> tuple[list[Timing], list[str]]:
    from sqlalchemy import event, text

    from portal.demo import DEMO_PASSWORD
    from portal.extensions import db
    from portal.testing import PortalClient

    app.test_client_class = PortalClient
    timings, skipped, clients = [], [], {}
    with app.app_context():
        engine = db.engine
        statements = [0]

        @event.listens_for(engine, "before_cursor_execute")
        def count(*args):
            statements[0] += 1

        for page in found:
            client = clients.get(page.user)
            if client is None:
                client = clients[page.user] = app.test_client()
                client.login(page.user, DEMO_PASSWORD)
            first = client.get(page.url)  # warm: templates compiled, caches filled
            if first.status_code == 404:
                skipped.append(f"{page.label}: {page.url} answered 404 (not built yet?), skipped")
                continue
            if first.status_code != 200:
                raise RuntimeError(f"{page.url} as {page.user}: {first.status_code}")
            times = []
            statements[0] = 0
            for _ in range(n):
                started = time.perf_counter()
                client.get(page.url)
                times.append(time.perf_counter() - started)
            queries = statements[0] / n
            sql_times, rows = [], 0
            with engine.connect() as connection:
                connection.execute(text(page.sql), page.params).fetchall()  # warm
                for _ in range(n):
                    started = time.perf_counter()
                    rows = len(connection.execute(text(page.sql), page.params).fetchall())
                    sql_times.append(time.perf_counter() - started)
            timings.append(Timing(page, first.status_code, statistics.median(times),
                                  percentile(times, 0.95), queries,
                                  statistics.median(sql_times), rows))
            print(f"  {page.label:<28} {statistics.median(times) * 1000:8.1f} ms", flush=True)
        event.remove(engine, "before_cursor_execute", count)
    return timings, skipped


def shown_command() -> str:
    return re.sub(r"://([^:/@]+):[^@/]+@", r"://\1:***@", shlex.join([sys.executable, *sys.argv]))


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
    parser.add_argument("-n", type=int, default=20, help="requests per page (20)")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="bench-pages-")
    if args.database_url:
        url = args.database_url
    elif args.reuse:
        url = f"sqlite:///{Path(args.reuse).resolve()}"
    else:
        url = f"sqlite:///{workdir}/bench.db"
    os.environ.update(PORTAL_INSTANCE_PATH=str(Path(workdir) / "instance"), PORTAL_DATABASE_URL=url)
    os.environ.pop("PORTAL_ENV", None)
    from portal import create_app

    app = create_app(CONFIG)
    built = None
    if (args.reuse or args.reuse_database) and has_data(app):
        print(f"reusing {url}", flush=True)
    else:
        print(f"building the county-scale demo (factor {args.scale_factor:g}) in {url}", flush=True)
        built = build(app, args.scale_factor)
    with app.app_context():
        from sqlalchemy import text

        from portal.extensions import db

        counts = {t: db.session.execute(text(f"SELECT count(*) FROM {t}")).scalar()
                  for t in ("grids", "households", "residents", "cases", "points_entries")}
    found = pages(app)
    print(f"measuring {len(found)} pages, {args.n} requests each", flush=True)
    timings, skipped = measure(app, found, args.n)

    from portal.timeutil import local_today

    print(f"\n# page server times on the county-scale demo, {local_today()}")
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}, database {url.split(':')[0]}")
    print(f"command: {shown_command()}")
    print("data: " + ", ".join(f"{v:,} {k}" for k, v in counts.items())
          + (f"; built in {built:.0f} s" if built else ""))
    print(f"{args.n} requests per page through the Flask test client; the bare SQL is the query "
          f"fetching the same rows, timed on the same engine\n")
    print("| page | URL | login | median ms | p95 ms | SQL statements | bare SQL median ms (rows)"
          " | median ÷ SQL | p95 ÷ SQL |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for t in timings:
        print(f"| {t.page.label} | `{t.page.url}` | {t.page.user} | {t.median * 1000:.1f} | "
              f"{t.p95 * 1000:.1f} | {t.queries:.0f} | {t.sql_median * 1000:.2f} ({t.sql_rows}) | "
              f"{t.median / t.sql_median:.0f} × | {t.p95 / t.sql_median:.0f} × |")
    for line in skipped:
        print(f"\nskipped: {line}")


if __name__ == "__main__":
    main()
