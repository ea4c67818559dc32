"""Benchmark: importing residents from an .xlsx file, against a raw executemany baseline.

Generates N residents (households of three, valid ID numbers, Chinese names) over 100 base grids,
then measures the portal's import in its three phases (read the workbook, check every row, write
in bulk) and, in the same run and on the same kind of database, the time a bare DB-API
``executemany`` takes to insert the same households and residents. The figure that matters is
the ratio: it says what the checks and the bookkeeping cost over the unavoidable writes.
Finally it imports the same file again to show that a re-import updates and never duplicates.

    .venv/bin/python bench/import_residents.py                 # 100,000 rows on SQLite
    .venv/bin/python bench/import_residents.py --rows 20000
    .venv/bin/python bench/import_residents.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
"""
import argparse
import os
import platform
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SURNAMES = "王李张刘陈杨黄赵周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉梅建国红云飞鹏志辉春海燕亮林宇欣"


def build_app(url: str, instance: str):
    os.environ["PORTAL_INSTANCE_PATH"] = instance
    from portal import create_app

    # the bench measures imports past the portal's default ceilings (IMPORT_MAX_ROWS 50,000)
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                       "PLUGINS_ENTRY_POINTS": False, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                       "IMPORT_MAX_ROWS": 10_000_000, "IMPORT_MAX_BYTES": 2**31,
                       "IMPORT_MAX_UNCOMPRESSED_BYTES": 2**34})


def fresh_schema(grids: int):
    """Empty database with the schema and a county of ``grids`` base grids; returns the county."""
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
    return county, codes


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


def raw_baseline(report) -> float:
    """Insert the same households and residents with a bare executemany; seconds."""
    from portal.extensions import db
    from portal.people.transfer import _resident_values
    from portal.timeutil import utcnow

    households, numbers = [], {}
    for row in report.good:
        key = (row["grid_id"], row["number"])
        if key not in numbers:
            numbers[key] = len(numbers) + 1
            households.append((numbers[key], row["grid_id"], row["number"], row["address"]))
    residents = []
    for row in report.good:
        values = _resident_values(row, numbers[(row["grid_id"], row["number"])])
        residents.append((values["household_id"], values["grid_id"], values["name"],
                          values["relation"], values["sex"], values["birth_date"],
                          values["id_number"], values["phone"], values["residence"],
                          values["party_member"], values["name_pinyin"], values["name_initials"],
                          values["id_reversed"], values["phone_reversed"]))
    connection = db.engine.raw_connection()
    mark = "?" if db.engine.dialect.name == "sqlite" else "%s"
    now = utcnow()  # stored as naive UTC, like the portal's own rows
    try:
        cursor = connection.cursor()
        started = time.perf_counter()
        cursor.executemany(
            "INSERT INTO households (id, grid_id, number, address, created_at) VALUES "
            f"({mark}, {mark}, {mark}, {mark}, {mark})", [(*h, now) for h in households])
        cursor.executemany(
            "INSERT INTO residents (household_id, grid_id, name, relation, sex, birth_date, "
            "id_number, phone, residence, party_member, name_pinyin, name_initials, id_reversed, "
            "phone_reversed, created_at) VALUES (" + ", ".join([mark] * 15) + ")",
            [(*r, now) for r in residents])
        connection.commit()
        return time.perf_counter() - started
    finally:
        connection.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--grids", type=int, default=100)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="bench-import-")
    url = args.database_url or f"sqlite:///{workdir}/bench.db"
    app = build_app(url, workdir)
    from portal.extensions import db
    from portal.people.models import Household, Resident
    from portal.people.transfer import apply, read_rows, validate

    with app.app_context():
        county, codes = fresh_schema(args.grids)
        started = time.perf_counter()
        data = to_xlsx(make_rows(args.rows, codes))
        generated = time.perf_counter() - started

        t0 = time.perf_counter()
        rows = read_rows(data)
        t1 = time.perf_counter()
        report = validate(rows, county)
        t2 = time.perf_counter()
        apply(report, county)
        db.session.commit()
        t3 = time.perf_counter()
        assert not report.errors, report.errors[:5]
        residents = db.session.scalar(db.select(db.func.count()).select_from(Resident))
        households = db.session.scalar(db.select(db.func.count()).select_from(Household))
        assert residents == args.rows and households == -(-args.rows // 3), (residents, households)

        r0 = time.perf_counter()
        again = validate(read_rows(data), county)
        apply(again, county)
        db.session.commit()
        reimport = time.perf_counter() - r0
        assert db.session.scalar(db.select(db.func.count()).select_from(Resident)) == residents
        assert again.residents_created == 0 and again.residents_updated == args.rows

        fresh_schema(args.grids)
        baseline = raw_baseline(report)

    total = t3 - t0
    from portal.timeutil import local_today

    print(f"# import of {args.rows:,} residents ({households:,} households), {local_today()}")
    print(f"machine: {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()},"
          f" database {url.split(':')[0]}")
    print(f"(generating the .xlsx took {generated:.1f} s, not counted)")
    print("| phase | seconds |")
    print("| --- | ---: |")
    print(f"| read the workbook | {t1 - t0:.2f} |")
    print(f"| check every row | {t2 - t1:.2f} |")
    print(f"| write in bulk | {t3 - t2:.2f} |")
    print(f"| **import total** | **{total:.2f}** |")
    print(f"| raw executemany of the same rows (baseline) | {baseline:.2f} |")
    print(f"| re-import of the same file (all updates) | {reimport:.2f} |")
    print(f"\nimport total = {total / baseline:.1f} × the raw executemany; "
          f"the write phase alone = {(t3 - t2) / baseline:.1f} ×")


if __name__ == "__main__":
    main()
