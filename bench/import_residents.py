"""Benchmark: the Excel import of residents, whole process, against raw executemany, whole process.

Generates N residents (households of three, valid ID numbers, Chinese names) over 100 base grids
and writes them to an .xlsx in the import template's layout (not timed). Then, ``--runs`` times,
alternately, each on a fresh copy of the same empty database (schema and grids):

- the import: ``portal import residents FILE`` in a process of its own (the command an operator
  runs; start-up, reading the workbook, the checks, the writes, the commit);
- the baseline: a process of its own (``raw_insert.py``) that opens a DB-API connection
  (``sqlite3`` / ``psycopg``), loads the rows the import wrote (every table that grew, every
  column, ids included, dumped after the first import and pickled: not timed) and inserts them
  with one ``executemany`` per table, then commits.

Each process is timed from its start to its exit and its peak resident memory read from the
kernel (``os.wait4``'s ``ru_maxrss``). It prints the median seconds and peak of each, and the
ratios import ÷ raw (issue 20's goals: ≤ 3 × the time, ≤ 2 × the peak). It checks the counts
after every import and, at the end, imports the same file again, which must update every resident
and create nothing. Run it from the repository root:

    .venv/bin/python bench/import_residents.py                 # 100,000 rows on SQLite
    .venv/bin/python bench/import_residents.py --rows 5000 --runs 2
    .venv/bin/python bench/import_residents.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench
"""
import argparse
import json
import os
import pickle
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from common import (  # noqa: E402  (after the path is set)
    MachineLoad, database_kind, machine, shown_command, stop_on_sigterm)

SURNAMES = "王李张刘陈杨黄赵周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉梅建国红云飞鹏志辉春海燕亮林宇欣"
#: The instance configuration of every process: the bench imports past the portal's default
#: ceilings (IMPORT_MAX_ROWS 50,000, 5 MB files).
INSTANCE_CONFIG = """\
SECRET_KEY = "bench-import"
PLUGINS_ENTRY_POINTS = False
PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
IMPORT_MAX_ROWS = 10_000_000
IMPORT_MAX_BYTES = 2**31
IMPORT_MAX_UNCOMPRESSED_BYTES = 2**34
"""
SUMMARY = re.compile(r"households \+(\d+) ~(\d+), residents \+(\d+) ~(\d+)")


def fresh_schema(grids: int) -> list[str]:
    """Empty the database, create the schema and a county of ``grids`` base grids; their codes."""
    from portal.extensions import db
    from portal.grids.services import create_county, create_grid
    from portal.testing import reset_database

    db.session.remove()
    reset_database()
    db.drop_all()
    db.create_all()
    county = create_county("430624", "湘阴县")
    town = create_grid(county, "town", "文星镇")
    villages = [create_grid(town, "village", f"{n}村") for n in range(1, grids // 25 + 2)]
    codes = [create_grid(villages[n // 25], "grid", f"第{n + 1}网格").code for n in range(grids)]
    db.session.commit()
    db.session.remove()
    db.engine.dispose()
    return codes


def make_rows(n: int, codes: list[str]) -> list[list]:
    from portal.people.identity import make_id_number

    rng = random.Random(1)
    rows, seen = [], set()
    for i in range(n):
        household, member = divmod(i, 3)
        born = date(1940, 1, 1) + timedelta(days=rng.randint(0, 80 * 365))
        while (id_number := make_id_number("430624", born, i, member == 1)) in seen:
            born += timedelta(days=1)  # three sequence digits a day: move to the next day
        seen.add(id_number)
        rows.append([
            codes[household % len(codes)], f"{household // len(codes) + 1:04d}",
            f"{household // len(codes) + 1}号", "", rng.choice(SURNAMES) + rng.choice(GIVEN)
            + (rng.choice(GIVEN) if rng.random() < 0.6 else ""),
            ("户主", "配偶", "子女")[member], id_number,
            f"1{rng.choice('358')}{rng.randint(0, 999999999):09d}", "户籍常住", "否",
            "独居老人" if rng.random() < 0.03 else "",
        ])
    return rows


def to_xlsx(rows) -> bytes:
    from openpyxl import Workbook

    from portal.people.transfer import COLUMNS

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("居民")
    sheet.append([header for _key, header, _required in COLUMNS])
    for row in rows:
        sheet.append(row)
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


# ---------------------------------------------------------------- databases


class Databases:
    """A fresh copy of the empty database (schema and grids) for each run: SQLite copies a
    template file; PostgreSQL rebuilds the schema of the one database it was given."""

    def __init__(self, url: str | None, workdir: Path, grids: int):
        from portal import create_app

        self.workdir, self.grids, self.runs = workdir, grids, 0
        self.sqlite = url is None
        self.template_url = url or f"sqlite:///{workdir / 'template.db'}"
        self.app = create_app({"SQLALCHEMY_DATABASE_URI": self.template_url})
        with self.app.app_context():
            self.codes = fresh_schema(grids)
        if self.sqlite:
            with sqlite3.connect(workdir / "template.db") as connection:
                connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def fresh(self) -> str:
        self.runs += 1
        if not self.sqlite:
            with self.app.app_context():
                fresh_schema(self.grids)
            return self.template_url
        path = self.workdir / f"run{self.runs}.db"
        shutil.copyfile(self.workdir / "template.db", path)
        return f"sqlite:///{path}"

    def done(self, url: str):
        if self.sqlite:
            for suffix in ("", "-wal", "-shm"):
                Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)

    def counts(self, url: str, what: str = "count(*)") -> dict:
        """{table: count(*)} (or another aggregate that every table answers) of every table."""
        from sqlalchemy import create_engine, inspect, text

        engine = create_engine(url)
        try:
            with engine.connect() as connection:
                return {t: connection.execute(text(f'SELECT {what} FROM "{t}"')).scalar()
                        for t in inspect(connection).get_table_names()}
        finally:
            engine.dispose()

    def last_ids(self, url: str) -> dict:
        """{table: its largest id (0 when empty)} of the tables with an id column."""
        from sqlalchemy import create_engine, inspect, text

        engine = create_engine(url)
        try:
            with engine.connect() as connection:
                inspector = inspect(connection)
                return {t: connection.execute(text(f'SELECT max(id) FROM "{t}"')).scalar() or 0
                        for t in inspector.get_table_names()
                        if "id" in {c["name"] for c in inspector.get_columns(t)}}
        finally:
            engine.dispose()

    def in_insert_order(self, url: str, tables: list[str]) -> list[str]:
        """``tables``, each after the tables it refers to."""
        from sqlalchemy import create_engine, inspect

        engine = create_engine(url)
        try:
            with engine.connect() as connection:
                ordered = inspect(connection).get_sorted_table_and_fkc_names()
            return [name for name, _fks in ordered if name in tables]
        finally:
            engine.dispose()

    def dump(self, url: str, tables: list[str], after: dict, empty: dict) -> dict:
        """{table: (columns, rows)}: the rows the import added to ``tables`` (those past the
        empty database's last id), in their id order."""
        from sqlalchemy import create_engine, inspect, text

        engine = create_engine(url)
        try:
            with engine.connect() as connection:
                found = {}
                for table in tables:
                    columns = [c["name"] for c in inspect(connection).get_columns(table)]
                    if "id" not in columns and empty.get(table):
                        raise RuntimeError(f"{table} has no id column and rows before the "
                                           f"import: cannot tell the import's rows apart")
                    names = ", ".join(f'"{c}"' for c in columns)
                    rows = connection.execute(text(
                        f'SELECT {names} FROM "{table}" WHERE id > :after ORDER BY id'
                        if "id" in columns else f'SELECT {names} FROM "{table}" ORDER BY {names}'
                    ), {"after": after.get(table, 0)}).all()
                    found[table] = (columns, [tuple(r) for r in rows])
                return found
        finally:
            engine.dispose()


# ---------------------------------------------------------------- the timed processes


def timed(command: list[str], env: dict) -> tuple[float, int, str]:
    """(seconds from start to exit, peak resident memory in bytes, output) of a process, run
    and measured by ``peak.py`` (see there why not from here)."""
    result = Path(tempfile.mkstemp(suffix=".json")[1])
    try:
        proc = subprocess.run([sys.executable, str(ROOT / "bench" / "peak.py"), str(result),
                               *command], env=env, cwd=ROOT, capture_output=True)
        text = (proc.stdout + proc.stderr).decode(errors="replace")
        measured = json.loads(result.read_text() or "{}")
    finally:
        result.unlink(missing_ok=True)
    if proc.returncode != 0 or measured.get("returncode") != 0:
        raise RuntimeError(f"{shown(command)} exited with {measured.get('returncode')}:\n"
                           f"{text[-3000:]}")
    return measured["seconds"], measured["peak_bytes"], text


def shown(command: list[str]) -> str:
    return " ".join(os.path.relpath(part, ROOT) if part.startswith(str(ROOT)) else part
                    for part in command)


def portal_command() -> list[str]:
    script = Path(sys.executable).parent / "portal"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from portal.cli import main; sys.exit(main())"]


def import_once(url: str, xlsx: Path, env: dict) -> tuple[float, int, tuple]:
    seconds, peak, output = timed([*portal_command(), "import", "residents", str(xlsx)],
                                  {**env, "PORTAL_DATABASE_URL": url})
    found = SUMMARY.search(output)
    if found is None:
        raise RuntimeError(f"the import said nothing recognisable:\n{output[-2000:]}")
    return seconds, peak, tuple(int(x) for x in found.groups())


def raw_once(url: str, rows_path: Path, env: dict) -> tuple[float, int]:
    seconds, peak, _output = timed([sys.executable, str(ROOT / "bench" / "raw_insert.py"), url,
                                    str(rows_path)], env)
    return seconds, peak


# ---------------------------------------------------------------- main


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="residents (100,000)")
    parser.add_argument("--grids", type=int, default=100, help="base grids (100)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each, alternating (3)")
    parser.add_argument("--database-url", default=None,
                        help="PostgreSQL database to EMPTY and use (default: SQLite files in a "
                             "temporary directory)")
    args = parser.parse_args()
    stop_on_sigterm()

    workdir = Path(tempfile.mkdtemp(prefix="bench-import-"))
    instance = workdir / "instance"
    instance.mkdir()
    (instance / "config.py").write_text(INSTANCE_CONFIG)
    os.environ["PORTAL_INSTANCE_PATH"] = str(instance)
    os.environ.pop("PORTAL_ENV", None)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    databases = Databases(args.database_url, workdir, args.grids)
    started = time.perf_counter()
    xlsx = workdir / "residents.xlsx"
    xlsx.write_bytes(to_xlsx(make_rows(args.rows, databases.codes)))
    generated = time.perf_counter() - started
    households = -(-args.rows // 3)
    empty_url = databases.fresh()
    empty, last_ids = databases.counts(empty_url), databases.last_ids(empty_url)
    databases.done(empty_url)
    print(f"{args.rows:,} rows, {households:,} households, {xlsx.stat().st_size / 1e6:.1f} MB "
          f".xlsx generated in {generated:.1f} s (not timed); {args.runs} runs of each, "
          f"alternating", flush=True)

    load = MachineLoad()
    imports, raws, startups, rows_path, tables = [], [], [], workdir / "rows.pickle", []
    url = ""
    for run in range(1, args.runs + 1):
        url = databases.fresh()
        seconds, peak, summary = import_once(url, xlsx, env)
        counts = databases.counts(url)
        if counts.get("residents", 0) - empty.get("residents", 0) != args.rows or \
                counts.get("households", 0) - empty.get("households", 0) != households:
            raise RuntimeError(f"the import wrote {counts}, not {args.rows} residents and "
                               f"{households} households")
        imports.append((seconds, peak))
        print(f"  import {run}: {seconds:6.2f} s, peak {peak / 2**20:6.0f} MB", flush=True)
        if run == 1:
            tables = databases.in_insert_order(url, [t for t in counts
                                                    if counts[t] > empty.get(t, 0)])
            dumped = databases.dump(url, tables, last_ids, empty)
            rows_path.write_bytes(pickle.dumps(
                {"order": tables, "tables": dumped, "kind": "sqlite" if databases.sqlite
                 else "postgresql"}))
        if run < args.runs:
            databases.done(url)

        raw_url = databases.fresh()
        seconds, peak = raw_once(raw_url, rows_path, env)
        counts_raw = databases.counts(raw_url)
        if any(counts_raw.get(t) != counts.get(t) for t in tables):
            raise RuntimeError(f"the raw insert wrote {counts_raw}, the import {counts}")
        raws.append((seconds, peak))
        print(f"  raw    {run}: {seconds:6.2f} s, peak {peak / 2**20:6.0f} MB", flush=True)
        databases.done(raw_url)
        seconds, peak, _output = timed([*portal_command(), "routes"],
                                       {**env, "PORTAL_DATABASE_URL": raw_url})
        startups.append((seconds, peak))
        print(f"  start  {run}: {seconds:6.2f} s, peak {peak / 2**20:6.0f} MB", flush=True)
        if run == args.runs and not databases.sqlite:
            url = databases.fresh()  # PostgreSQL: one database; the re-import needs the import
            import_once(url, xlsx, env)

    reimport, _peak, summary = import_once(url, xlsx, env)
    if summary[0] or summary[2] or summary[3] != args.rows:
        raise RuntimeError(f"the re-import made households +{summary[0]} ~{summary[1]}, "
                           f"residents +{summary[2]} ~{summary[3]}, not +0 and +0 ~{args.rows}")
    databases.done(url)
    load.sample_others()
    load_line = load.stop()

    from portal.timeutil import local_today

    median = statistics.median
    t_import, t_raw = median(s for s, _ in imports), median(s for s, _ in raws)
    m_import, m_raw = median(m for _, m in imports), median(m for _, m in raws)
    print(f"\n# import of {args.rows:,} residents ({households:,} households), whole process, "
          f"{local_today()}")
    print(f"machine: {machine()}; database {database_kind(databases.template_url)}")
    print(f"load: {load_line}")
    print(f"command: `{shown_command()}`")
    print(f"method: each run a fresh copy of the same empty database; the import is "
          f"`{shown(portal_command())} import residents FILE`, the baseline `raw_insert.py` (one "
          f"DB-API executemany per table the import filled — {', '.join(tables)} — ids "
          f"included, then commit); both timed from process start to exit, peak memory from "
          f"ru_maxrss; {args.runs} runs each, alternating (import, raw, start-up), medians\n")
    print("| | median s | runs s | median peak MB | runs peak MB |")
    print("| --- | ---: | --- | ---: | --- |")
    for label, runs, t, m in (("import (`portal import residents`)", imports, t_import, m_import),
                              ("raw executemany (baseline)", raws, t_raw, m_raw),
                              ("the portal's start-up alone (`portal routes`)", startups,
                               median(s for s, _ in startups), median(m for _, m in startups))):
        print(f"| {label} | {t:.2f} | {', '.join(f'{s:.2f}' for s, _ in runs)} | "
              f"{m / 2**20:.0f} | {', '.join(f'{x / 2**20:.0f}' for _, x in runs)} |")
    print(f"| **import ÷ raw** | **{t_import / t_raw:.1f} ×** (goal ≤ 3) | | "
          f"**{m_import / m_raw:.1f} ×** (goal ≤ 2) | |")
    print(f"\nThe start-up row is for reading only (not a baseline): a process that builds the "
          f"portal app and does nothing; import minus start-up = "
          f"{t_import - median(s for s, _ in startups):.2f} s.")
    print(f"re-import of the same file into the last import's database: {reimport:.2f} s, "
          f"households +0 ~{summary[1]:,}, residents +0 ~{args.rows:,} (nothing created)")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
