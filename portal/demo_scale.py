"""A county-scale data set (``portal demo --scale county``): the articles' county of about
600,000 residents in 200,000 households, 1,100 base grids, three years of cases at 160,000 a year,
visits and points ledgers, for benchmarks and for seeing the pages under a real load.

It adds towns to the normal demo county (430624): the demo's logins keep working, and each new town
gets a town admin (``town<seq>``), each village a village admin (``va<code>``), each base grid a
grid worker (``gw<code>``), all with the demo password; a plugin adds its own roles' logins
(the points supermarket's kiosk operators ``kiosk<seq>``) through ``register_scale_demo_data``.

Everything is written in bulk with SQLAlchemy Core (``insert()`` with lists of dicts, executemany in
chunks), ids are given by the generator so rows can point at each other without reading anything
back, and the expensive parts are computed once: the password hash once, the pinyin once per name
of a fixed pool, the deadlines once per day with one WorkCalendar. ``factor`` scales every count
(0.01 makes 1 % of the rows) for tests and quick runs.
"""
import json
from bisect import bisect_right
from collections.abc import Callable
import random
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from operator import itemgetter
from typing import Any

from flask import current_app
from sqlalchemy import func, insert, select, text
from sqlalchemy import types as sa_types
from werkzeug.security import generate_password_hash

from portal.demo import CASE_SAMPLES as DEMO_CASE_SAMPLES, GIVEN, SURNAMES
from portal.cases.monthly import roll_months
from portal.extensions import db
from portal.people import grid_counts, visit_due
from portal.grids.models import GRID, SPECIAL, TOWN, VILLAGE, Grid, GridStaff
from portal.people.identity import pinyin_keys
from portal.people.models import (House, Household, Resident, ResidentCare, Visit,
                                  refresh_last_visits)
from portal.validators import ID_CHECK_CHARS, ID_WEIGHTS
from portal.timeutil import local_date, to_utc, utcnow

#: The county at factor 1.0 (the demo's two towns come on top of these).
COUNTY_SCALE = {"towns": 13, "grids": 1_076, "households": 200_000, "residents": 600_000,
                "cases_per_year": 160_000, "years": 3}
#: Every n-th base grid has no grid worker ("一格一员" not yet met), so the pages show the gap.
NO_WORKER_EVERY = 47
#: Every n-th new town runs the points supermarket (the first one always does).
MODULES_TOWN_EVERY = 4
CHUNK = 20_000
#: Region code of the residents' ID numbers (the county's).
REGION = "430624"

TOWN_NAMES = ["金龙镇", "新泉镇", "岭北镇", "湘滨镇", "南湖洲镇", "东塘镇", "城西街道", "鹤龙湖镇",
              "杨林寨乡", "六塘乡", "三塘镇", "静河镇", "洋沙湖镇", "白泥湖镇", "青潭镇", "石塘镇",
              "玉华镇", "高河镇", "长康镇", "龙泉镇"]
VILLAGE_WORDS = ["青山", "白马", "长岭", "桃花", "凤凰", "金盆", "柳塘", "石桥", "荷花", "新塘",
                 "杨柳", "黄泥", "清水", "大湾", "双江", "永丰", "太平", "和平", "红星", "光明",
                 "丰收", "团结", "幸福", "高峰", "梅林", "竹山", "松树", "茶园", "文昌", "兴隆"]
GRID_WORDS = ["一组", "二组", "三组", "四组", "五组", "六组", "七组", "八组", "九组", "十组",
              "上屋场", "下屋场", "老街", "新街", "河堤", "山脚", "塘边", "桥头"]
CARE_WEIGHTS = [(None, 80), ("elderly_alone", 5), ("empty_nest", 4), ("disabled", 3),
                ("in_difficulty", 3), ("left_behind_child", 3), ("low_income", 2)]
COLOURS = [(None, 70), ("green", 15), ("yellow", 10), ("red", 5)]
AGES = {"head": (30, 85), "spouse": (28, 83), "child": (1, 40), "parent": (60, 92)}
#: The demo's samples and two that a county sees often.
CASE_SAMPLES = [*DEMO_CASE_SAMPLES,
                ("info_collection", "新增外来务工人员登记", "组里新来三名务工人员，需要登记"),
                ("minor_case", "电动车电瓶被盗", "夜里停在门口的电动车电瓶被盗")]
#: Final states of cases by age in days: old cases are mostly closed and evaluated, a few are
#: still open (overdue, red); the last days' are mostly still being handled.
STATES_BY_AGE = [
    (30, [("evaluated", 760), ("closed", 130), ("resolved", 90), ("in_progress", 8),
          ("assigned", 4), ("escalated", 5), ("received", 3)]),
    (7, [("evaluated", 45), ("closed", 18), ("resolved", 17), ("in_progress", 10),
         ("assigned", 3), ("escalated", 5), ("received", 2)]),
    (1, [("evaluated", 10), ("closed", 10), ("resolved", 25), ("in_progress", 30),
         ("assigned", 15), ("escalated", 5), ("received", 5)]),
    (-1, [("resolved", 10), ("in_progress", 20), ("assigned", 30), ("received", 40)]),
]
SATISFACTION = [(5, 70), (4, 20), (3, 6), (2, 3), (1, 1)]
RESIDENCE_WEIGHTS = [("local", 88), ("registered_away", 8), ("non_registered", 4)]
REPLIES = ["问题已处理完毕，感谢您的反映。", "已安排人员现场处理，如仍有问题请再次反映。",
           "已协调相关部门解决，欢迎监督。"]
FOUND = ["家中一切正常", "老人身体不适，已联系村医", "反映路灯不亮", "子女在外务工，已留联系电话",
         "了解生产生活情况，无困难", "宣传防诈骗知识"]


class ScaleError(RuntimeError):
    """The database is not one the generator may add to."""


@dataclass
class Plan:
    """How many of each, for a factor."""

    factor: float
    towns: int
    grids: int
    households: int
    residents: int
    cases_per_year: int
    years: int

    @classmethod
    def for_factor(cls, factor: float) -> "Plan":
        if factor <= 0:
            raise ScaleError("scale factor must be positive")
        c = COUNTY_SCALE
        grids = max(2, round(c["grids"] * factor))
        return cls(factor=factor,
                   towns=max(1, min(c["towns"], round(c["towns"] * factor ** 0.5))),
                   grids=grids,
                   households=max(grids * 5, round(c["households"] * factor)),
                   residents=max(grids * 15, round(c["residents"] * factor)),
                   cases_per_year=max(50, round(c["cases_per_year"] * factor)),
                   years=c["years"])


@dataclass
class Ids:
    """The next free id of each table, read once; the generator hands ids out itself."""

    next: dict = field(default_factory=dict)

    def take(self, table, n: int = 1) -> int:
        name = table.name
        if name not in self.next:
            self.next[name] = (db.session.scalar(select(func.max(table.c.id))) or 0) + 1
        first = self.next[name]
        self.next[name] += n
        return first


def _sqlite_converters(table) -> list[tuple[int, Callable[[Any], Any]]]:
    """(column index, converter) for the columns whose Python values SQLite would not store the
    way SQLAlchemy's types do: datetimes with microseconds, dates as ISO text, JSON as text."""
    found = []
    for index, column in enumerate(table.columns):
        kind = column.type
        if isinstance(kind, sa_types.DateTime):
            found.append((index, lambda v: v.isoformat(" ", "microseconds") if v else None))
        elif isinstance(kind, sa_types.Date):
            found.append((index, lambda v: v.isoformat() if v else None))
        elif isinstance(kind, sa_types.JSON):
            found.append((index, lambda v: json.dumps(v, ensure_ascii=False)))
    return found


def _pg_value(value):
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value


def _write(table, rows: list[dict], counts: dict, chunk: int = CHUNK) -> None:
    """Bulk insert in chunks on the session's connection (same transaction): the DB-API
    ``executemany`` on SQLite, ``COPY`` on PostgreSQL. SQLAlchemy's per-row parameter processing
    would cost more than the database does, so the values are converted here once. Every row has
    the table's columns."""
    counts[table.name] = counts.get(table.name, 0) + len(rows)
    if not rows:
        return
    columns = [c.name for c in table.columns]
    missing = set(columns) - set(rows[0])
    if missing:
        raise ValueError(f"{table.name}: rows lack {sorted(missing)}")
    connection = db.session.connection()
    raw = connection.connection.driver_connection
    names = ", ".join(columns)
    if connection.dialect.name == "sqlite":
        sql = f"INSERT INTO {table.name} ({names}) VALUES ({', '.join('?' * len(columns))})"
        cursor = raw.cursor()
        getter, converters = itemgetter(*columns), _sqlite_converters(table)
        for start in range(0, len(rows), chunk):
            values = [list(getter(row)) for row in rows[start:start + chunk]]
            for index, convert in converters:
                for value in values:
                    value[index] = convert(value[index])
            cursor.executemany(sql, values)
        cursor.close()
    elif connection.dialect.name == "postgresql":
        with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([_pg_value(row[c]) for c in columns])
    else:  # any other database: SQLAlchemy Core executemany
        for start in range(0, len(rows), chunk):
            connection.execute(insert(table), rows[start:start + chunk])


def database_has_data() -> bool:
    return bool(db.session.scalar(select(Grid.id).limit(1)))


def scaled_already() -> bool:
    """Whether this generator has run here already (its first town exists)."""
    return bool(db.session.scalar(select(Grid.id).where(Grid.level == TOWN,
                                                        Grid.name == TOWN_NAMES[0]).limit(1)))


class Generator:
    def __init__(self, factor: float = 1.0, seed: int = 20261201, echo=print):
        self.plan = Plan.for_factor(factor)
        self.rng = random.Random(seed)
        self.echo = echo
        self.ids = Ids()
        self.counts: dict[str, int] = {}
        self.module_logins: list[str] = []  # the plugins' own roles' logins (``write``)
        self.timings: list[tuple[str, float]] = []
        self.now = utcnow().replace(microsecond=0)
        self.today = local_date(self.now)
        self._pinyin: dict[str, tuple[str, str]] = {}
        self._cumulative: dict[int, tuple] = {}
        self._id_prefix: dict[date, tuple[str, int]] = {}
        self._names = self._name_pool()

    # ------------------------------------------------------------ helpers

    def _phase(self, label: str, started: float) -> None:
        seconds = time.perf_counter() - started
        self.timings.append((label, seconds))
        self.echo(f"  {label:<28} {seconds:7.1f} s")

    def _name_pool(self) -> dict[str, list[str]]:
        """A fixed pool of given names per surname, so pinyin is computed once per name."""
        rng = random.Random(7)
        given = sorted({rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
                        for _ in range(400)})
        return {s: rng.sample(given, 120) for s in SURNAMES}

    def name(self, surname: str | None = None) -> str:
        surname = surname or self.rng.choice(SURNAMES)
        return surname + self.rng.choice(self._names[surname])

    def keys(self, name: str) -> tuple[str, str]:
        found = self._pinyin.get(name)
        if found is None:
            found = self._pinyin[name] = pinyin_keys(name)
        return found

    def phone(self) -> str:
        return f"1{self.rng.choice('3578')}{self.rng.randrange(10 ** 9):09d}"

    def weighted(self, pairs):
        """A value of ``pairs`` (value, weight) at random; ``pairs`` should be a constant."""
        found = self._cumulative.get(id(pairs))
        if found is None:
            values, totals, total = [], [], 0
            for value, weight in pairs:
                total += weight
                values.append(value)
                totals.append(total)
            found = self._cumulative[id(pairs)] = (pairs, values, totals, total)
        _pairs, values, totals, total = found
        return values[bisect_right(totals, self.rng.random() * total)]

    def id_number(self, born: date, seq: int) -> str:
        """make_id_number(REGION, born, seq, …) for a seq of the right parity, with the weighted
        sum of the region and birth date computed once per date."""
        prefix = self._id_prefix.get(born)
        if prefix is None:
            digits = f"{REGION}{born:%Y%m%d}"
            prefix = self._id_prefix[born] = (
                digits, sum(int(d) * w for d, w in zip(digits, ID_WEIGHTS)))
        digits, total = prefix
        total += (seq // 100) * ID_WEIGHTS[14] + (seq // 10 % 10) * ID_WEIGHTS[15] \
            + (seq % 10) * ID_WEIGHTS[16]
        return f"{digits}{seq:03d}{ID_CHECK_CHARS[total % 11]}"

    # ------------------------------------------------------------ the run

    def run(self) -> dict:
        from portal.demo import COUNTY_CODE, DEMO_PASSWORD

        county = db.session.scalar(select(Grid).filter_by(code=COUNTY_CODE))
        if county is None:
            raise ScaleError(f"county {COUNTY_CODE} is missing: load the normal demo first")
        started = time.perf_counter()
        self.echo(f"county-scale demo, factor {self.plan.factor:g}: {self.plan.towns} towns, "
                  f"{self.plan.grids} base grids, {self.plan.households} households, "
                  f"{self.plan.residents} residents, {self.plan.cases_per_year} cases a year "
                  f"× {self.plan.years}")
        if db.engine.dialect.name == "sqlite":
            # one bulk load: no fsync per commit, a large page cache (set outside a transaction)
            db.session.commit()
            db.session.execute(text("PRAGMA synchronous=OFF"))
            db.session.execute(text("PRAGMA cache_size=-262144"))
        # hashed once for every login (with the portal's method; the tests' is fast)
        self.password_hash = generate_password_hash(
            DEMO_PASSWORD, method=current_app.config["PASSWORD_HASH_METHOD"])

        t = time.perf_counter()
        self.tree(county)
        self._phase("grids, staff, users", t)
        t = time.perf_counter()
        self.register()
        self._phase("households and residents", t)
        t = time.perf_counter()
        self.visits()
        self._phase("visits", t)
        db.session.commit()
        t = time.perf_counter()
        self.cases()
        self._phase("cases and timelines", t)
        db.session.commit()
        t = time.perf_counter()
        roll_months(again=True)  # the cases were written without the ORM's events
        self._phase("finished months rolled", t)
        db.session.commit()
        t = time.perf_counter()
        self.modules()
        self._phase("optional modules", t)
        self.fix_sequences()
        db.session.commit()
        t = time.perf_counter()
        self.analyse()
        self._phase("statistics (ANALYZE)", t)
        self.seconds = time.perf_counter() - started
        return self.counts

    # ------------------------------------------------------------ the tree

    def tree(self, county: Grid) -> None:
        rng, plan = self.rng, self.plan
        grids_t = Grid.__table__
        existing = db.session.scalars(select(Grid.code).where(Grid.parent_id == county.id)).all()
        next_seq = max((int(c[-3:]) for c in existing if int(c[-3:]) < 900), default=0) + 1
        taken_names = set(db.session.scalars(select(Grid.name).where(Grid.parent_id == county.id)))
        town_names = [n for n in TOWN_NAMES if n not in taken_names]
        per_town = [plan.grids // plan.towns + (1 if i < plan.grids % plan.towns else 0)
                    for i in range(plan.towns)]
        rows, staff, users = [], [], []
        self.towns, self.villages, self.base_grids = [], [], []  # dicts with id, code, name ...
        self.worker_of: dict[int, int | None] = {}

        def user(username, role, scope_id, name):
            users.append(self.login_row(username, role, scope_id, name))
            return users[-1]["id"]

        def grid(parent, level, code, name, **extra):
            row = {"id": self.ids.take(grids_t), "parent_id": parent["id"], "level": level,
                   "code": code, "name": name, "special_kind": extra.get("special_kind"),
                   "supervision_phone": "0730-12345",
                   "description": extra.get("description"), "created_at": self.now,
                   "retired_at": None}
            rows.append(row)
            return row

        county_row = {"id": county.id, "code": county.code}
        for t_index in range(plan.towns):
            t_code = f"{county.code}{next_seq + t_index:03d}"
            town = grid(county_row, TOWN, t_code, town_names[t_index % len(town_names)])
            town["modules"] = t_index % MODULES_TOWN_EVERY == 0
            town["seq"] = next_seq + t_index
            self.towns.append(town)
            user(f"town{town['seq']:03d}", "town_admin", town["id"], self.name())
            n_grids = per_town[t_index]
            n_villages = max(1, round(n_grids / 6))
            words = rng.sample(VILLAGE_WORDS, min(n_villages, len(VILLAGE_WORDS)))
            left = n_grids
            for v_index in range(n_villages):
                v_code = f"{t_code}{v_index + 1:03d}"
                word = words[v_index % len(words)] + ("" if v_index < len(words) else
                                                      str(v_index // len(words) + 1))
                village = grid(town, VILLAGE, v_code, word + ("社区" if v_index == 0 else "村"))
                village["town"] = town
                self.villages.append(village)
                user(f"va{v_code}", "village_admin", village["id"], self.name())
                count = left // (n_villages - v_index)
                left -= count
                for g_index in range(count):
                    g_name = (GRID_WORDS[g_index] if g_index < len(GRID_WORDS)
                              else f"第{g_index + 1}") + "网格"
                    base = grid(village, GRID, f"{v_code}{g_index + 1:03d}", g_name,
                                description=f"{village['name']}{g_name}所辖住户")
                    base["village"], base["town"] = village, town
                    self.base_grids.append(base)
            special = grid(town, SPECIAL, f"{t_code}900", f"{town['name']}中心学校网格",
                           special_kind="school")
            staff.append(self._staff(special["id"], "leader", None, self.name(), 0))

        for number, base in enumerate(self.base_grids):
            staff.append(self._staff(base["id"], "leader", None, self.name(), 0))
            if number % NO_WORKER_EVERY == NO_WORKER_EVERY - 1:
                self.worker_of[base["id"]] = None  # deliberately without a grid worker
                continue
            name = self.name()
            worker = self.worker_of[base["id"]] = user(f"gw{base['code']}", "grid_worker",
                                                       base["id"], name)
            staff.append(self._staff(base["id"], "worker", worker, name, 1))
        # the households and residents counts are counted once the people are written
        clean = [{**{k: r[k] for k in ("id", "parent_id", "level", "code", "name", "special_kind",
                                       "supervision_phone", "description", "created_at",
                                       "retired_at")}, "households_count": 0, "residents_count": 0}
                 for r in rows]
        _write(grids_t, clean, self.counts)
        self._departments()
        _write(db.metadata.tables["users"], users, self.counts)
        for row in staff:
            row["id"] = self.ids.take(GridStaff.__table__)
        _write(GridStaff.__table__, staff, self.counts)

    def _departments(self) -> None:
        """Each new town's departments (portal.departments, as the normal demo's towns have);
        a case assigned to no grid worker goes to one of its town's."""
        from portal.demo import TOWN_DEPARTMENTS
        from portal.departments.models import Department

        rows = []
        for town in self.towns:
            town["departments"] = []
            for name in TOWN_DEPARTMENTS:
                rows.append({"id": self.ids.take(Department.__table__), "owner_id": town["id"],
                             "name": name, "kind": None, "active": True,
                             "created_at": self.now})
                town["departments"].append(rows[-1]["id"])
        _write(Department.__table__, rows, self.counts)
        self.town_of = {base["id"]: base["town"] for base in self.base_grids}

    def login_row(self, username: str, role: str, scope_id: int, name: str) -> dict:
        """A row of ``users`` with the demo password (hashed once) and an id of its own: the core
        writes its roles' logins in ``tree``, a plugin its own roles' with ``write``."""
        from portal.auth.models import new_session_token

        return {"id": self.ids.take(db.metadata.tables["users"]), "username": username,
                "phone": None, "id_number": None, "email": None, "display_name": name,
                "password_hash": self.password_hash, "role": role, "scope_id": scope_id,
                "is_active": True, "locale": None, "created_at": self.now, "last_login_at": None,
                "session_token": new_session_token(), "department_id": None}

    def _staff(self, grid_id, post, user_id, name, order) -> dict:
        duties = {"leader": "负责网格全面工作，组织开展走访和矛盾调处",
                  "worker": "每日巡查，采集信息，上报和跟进事件"}[post]
        return {"grid_id": grid_id, "user_id": user_id, "post": post, "post_label": None,
                "name": name, "phone": self.phone(), "duties": duties, "photo": None, "sort_order": order,
                "started_at": self.now, "ended_at": None}

    # ------------------------------------------------------------ the register

    def register(self) -> None:
        rng, plan = self.rng, self.plan
        houses, households, residents, care = [], [], [], []
        taken = set(db.session.scalars(select(Resident.id_number)
                                      .where(Resident.id_number.is_not(None))))
        sequence: dict[tuple[date, bool], int] = {}
        self.households_of: dict[int, list[int]] = {}
        self.household_rows: dict[int, dict] = {}
        n_grids = len(self.base_grids)
        per_grid = [plan.households // n_grids + (1 if i < plan.households % n_grids else 0)
                    for i in range(n_grids)]
        # 1 to 6 members a household, adding up to the planned residents exactly
        mean = plan.residents / plan.households
        sizes = [max(1, min(6, round(rng.gauss(mean, 1.1)))) for _ in range(plan.households)]
        missing = plan.residents - sum(sizes)
        while missing:
            index = rng.randrange(len(sizes))
            step = 1 if missing > 0 else -1
            if 1 <= sizes[index] + step <= 6:
                sizes[index] += step
                missing -= step
        h_id = self.ids.take(Household.__table__, plan.households)
        r_id = self.ids.take(Resident.__table__, 0)
        house_id = self.ids.take(House.__table__, plan.households)
        care_id = self.ids.take(ResidentCare.__table__, 0)
        today = self.today
        for base, count in zip(self.base_grids, per_grid):
            ids = self.households_of[base["id"]] = []
            prefix = base["village"]["name"] + base["name"].replace("网格", "")
            for number in range(1, count + 1):
                address = f"{prefix}{number}号"
                colour = self.weighted(COLOURS)
                created = self.now - timedelta(days=rng.randint(400, 1500))
                houses.append({"id": house_id, "grid_id": base["id"], "building": None,
                               "address": address})
                row = {"id": h_id, "grid_id": base["id"], "house_id": house_id,
                       "number": f"{number:03d}", "address": address, "colour": colour,
                       "created_at": created, "moved_out_at": None,
                       "last_visited_on": None, "visit_due_on": None}  # set after the visits
                households.append(row)
                ids.append(h_id)
                size = sizes[len(households) - 1]
                surname = rng.choice(SURNAMES)
                relations = ["head", "spouse", "child", "child", "parent", "child"][:size]
                if size >= 2 and rng.random() < 0.15:
                    relations[1] = "parent"
                party = False
                for relation in relations:
                    name = self.name(None if relation == "spouse" else surname)
                    low, high = AGES[relation]
                    born = today - timedelta(days=rng.randint(low * 365, high * 365))
                    female = relation == "spouse" or rng.random() < 0.5
                    while True:  # the 3-digit sequence per birth date and sex keeps IDs unique
                        seq = sequence.get((born, female), 2 if female else 1)
                        if seq > 999:
                            born -= timedelta(days=1)
                            continue
                        sequence[(born, female)] = seq + 2
                        id_number = self.id_number(born, seq)
                        if id_number not in taken:
                            break
                    taken.add(id_number)
                    phone = self.phone() if relation in ("head", "spouse") else None
                    pinyin, initials = self.keys(name)
                    member_party = rng.random() < 0.06
                    party = party or member_party
                    residents.append({
                        "id": r_id, "household_id": h_id, "grid_id": base["id"], "name": name,
                        "relation": relation, "sex": "F" if female else "M", "birth_date": born,
                        "id_number": id_number, "phone": phone, "residence": self.weighted(
                            RESIDENCE_WEIGHTS),
                        "party_member": member_party, "name_pinyin": pinyin,
                        "name_initials": initials, "id_reversed": id_number[::-1],
                        "phone_reversed": phone[::-1] if phone else None, "created_at": created,
                        "left_at": None, "left_reason": None})
                    category = self.weighted(CARE_WEIGHTS)
                    if category:
                        care.append({"id": care_id, "resident_id": r_id, "category": category})
                        care_id += 1
                    r_id += 1
                row["party"] = party
                row["size"] = size
                self.household_rows[h_id] = row
                h_id += 1
                house_id += 1
        self.ids.next["residents"], self.ids.next["resident_care"] = r_id, care_id
        _write(House.__table__, houses, self.counts)
        _write(Household.__table__, [{k: v for k, v in h.items() if k not in ("party", "size")}
                                     for h in households], self.counts)
        _write(Resident.__table__, residents, self.counts)
        _write(ResidentCare.__table__, care, self.counts)

    def visits(self) -> None:
        """The latest visit of most households (some overdue by their colour's interval), and an
        earlier one for many."""
        rng, rows = self.rng, []
        v_id = self.ids.take(Visit.__table__, 0)
        for base in self.base_grids:
            worker = self.worker_of[base["id"]]
            for h_id in self.households_of[base["id"]]:
                colour = self.household_rows[h_id]["colour"]
                interval = {"red": 7, "yellow": 15, "green": 30}.get(colour, 182)
                if rng.random() < 0.08:
                    continue  # never visited
                last = rng.randint(0, int(interval * (1.4 if rng.random() < 0.15 else 0.95)))
                for days in (last, last + interval) if rng.random() < 0.5 else (last,):
                    on = self.today - timedelta(days=days)
                    rows.append({"id": v_id, "household_id": h_id, "grid_id": base["id"],
                                 "user_id": worker, "visited_on": on, "found": rng.choice(FOUND),
                                 "follow_up": None, "latitude": None, "longitude": None,
                                 "created_at": datetime.combine(on, datetime.min.time())
                                 + timedelta(hours=rng.randint(1, 10)),
                                 "idempotency_key": None})  # only visits kept offline have one
                    v_id += 1
        _write(Visit.__table__, rows, self.counts)
        # written without the ORM, so without its events: the households' last visits at once
        refresh_last_visits(unset_only=True)
        visit_due.refresh()  # households, care and visits were written without the ORM's events
        grid_counts.refresh()  # and the grids' households and residents counts

    # ------------------------------------------------------------ cases

    def _deadlines(self, first: date, last: date) -> tuple[dict, str | None]:
        """Due dates per day received (13710 with the default rules), one WorkCalendar for all."""
        from portal.cases.calendar import WorkCalendar, add_months
        from portal.cases.deadlines import DEFAULT_DEADLINES as rules

        calendar = WorkCalendar(first.year - 1, last.year + 1)
        table, day = {}, first
        while day <= last:
            major = add_months(day, rules["major_months"])
            while not calendar.is_working_day(major):
                major += timedelta(days=1)
            table[day] = (calendar.add_working_days(day, rules["assign"]),
                          calendar.add_working_days(day, rules["feedback"]),
                          calendar.add_working_days(day, rules["resolve"]), major)
            day += timedelta(days=1)
        warning = ("missing:" + ",".join(str(y) for y in sorted(calendar.missing))
                   if calendar.missing else None)
        return table, warning

    def cases(self) -> None:
        from portal.cases.models import Case, CaseEvent

        rng, plan = self.rng, self.plan
        first_day = self.today - timedelta(days=365 * plan.years - 1)
        dues, warning = self._deadlines(first_day, self.today)
        total = plan.cases_per_year * plan.years
        # weekdays busier than weekends; the days' shares add up to ``total``
        days = [first_day + timedelta(days=n) for n in range((self.today - first_day).days + 1)]
        weights = [1.0 if d.weekday() < 5 else 0.55 for d in days]
        scale = total / sum(weights)
        c_id = self.ids.take(Case.__table__, 0)
        e_id = self.ids.take(CaseEvent.__table__, 0)
        cases, events = [], []
        grids = self.base_grids
        carry = 0.0
        recent_ids: list[int] = []
        for day, weight in zip(days, weights):
            carry += weight * scale
            n_today, carry = int(carry), carry - int(carry)
            age = (self.today - day).days
            moments = sorted(rng.randint(0, 11 * 3600) for _ in range(n_today))
            opening = to_utc(datetime(day.year, day.month, day.day, 8))  # 08:00 local
            for seconds in moments:
                # received between 08:00 and 19:00 local time, stored as naive UTC
                created = opening + timedelta(seconds=seconds)
                received_on = day
                if created > self.now:  # today's: before now, and numbered by their own day
                    created = self.now - timedelta(minutes=rng.randint(1, 600))
                    received_on = local_date(created)
                base = rng.choice(grids)
                worker = self.worker_of[base["id"]]
                category, title, description = rng.choice(CASE_SAMPLES)
                major = rng.random() < 0.03
                state = self._state(age, bool(recent_ids))
                if worker is not None and rng.random() < 0.6:
                    source, reporter, r_name, r_phone = "patrol", worker, None, None
                else:
                    source = rng.choice(("resident", "public", "representative"))
                    reporter, r_name, r_phone = None, self.name(), self.phone()
                households = self.households_of[base["id"]]
                assign_due, feedback_due, resolve_due, major_due = dues[received_on]
                row = {"id": c_id, "number": f"{received_on:%Y%m%d}-{c_id:06d}",
                       "grid_id": base["id"],
                       "household_id": rng.choice(households) if rng.random() < 0.3 else None,
                       "category": category, "kind": "general", "major": major, "title": title,
                       "description": description, "address": None, "latitude": None,
                       "longitude": None, "source": source, "reporter_id": reporter,
                       "reporter_name": r_name, "reporter_phone": r_phone, "state": state,
                       "level": "grid", "assignee_id": None, "department_id": None,
                       "duplicate_of_id": None, "created_at": created, "assigned_at": None,
                       "feedback_at": None, "resolved_at": None, "closed_at": None,
                       "assign_due": assign_due, "feedback_due": feedback_due,
                       "resolve_due": major_due if major else resolve_due,
                       "calendar_warning": warning, "satisfaction": None, "evaluation": None,
                       # general cases only: no deadline in hours; nobody reopens, so one episode
                       "assign_due_at": None, "feedback_due_at": None, "resolve_due_at": None,
                       "episode": 1, "lead_id": None,
                       "idempotency_key": None}  # only reports kept offline have one
                steps = [("report", None, "received", created, reporter, None)]
                self._handle(row, steps, worker, recent_ids)
                cases.append(row)
                for action, old, new, at, user, note in steps:
                    events.append({"id": e_id, "case_id": c_id, "at": at, "user_id": user,
                                   "action": action, "from_state": old, "to_state": new,
                                   "note": note, "public_reply": self._reply(row, action)})
                    e_id += 1
                recent_ids.append(c_id)
                if len(recent_ids) > 400:
                    del recent_ids[:200]
                c_id += 1
            if len(cases) >= CHUNK:
                _write(Case.__table__, cases, self.counts)
                _write(CaseEvent.__table__, events, self.counts)
                cases, events = [], []
        _write(Case.__table__, cases, self.counts)
        _write(CaseEvent.__table__, events, self.counts)

    def _reply(self, case: dict, action: str) -> str | None:
        """答复群众 on the resolve step of most cases someone outside reported, so their tracking
        pages read as in a live county (patrol cases have nobody to answer). Chosen by the case's
        id, not drawn: the rest of the county stays what the same seed made before."""
        if action != "resolve" or case["reporter_name"] is None or case["id"] % 5 == 0:
            return None
        return REPLIES[case["id"] % len(REPLIES)]

    def _state(self, age: int, may_duplicate: bool) -> str:
        rng = self.rng
        if may_duplicate and rng.random() < 0.02:
            return "duplicate"
        for oldest, pairs in STATES_BY_AGE:
            if age > oldest:
                return self.weighted(pairs)
        raise AssertionError("STATES_BY_AGE's last age is below every case's")

    def _handle(self, row: dict, steps: list, worker, recent_ids: list) -> None:
        """Fill the dates and the timeline of a case for its final state, never past now."""
        rng, state, now = self.rng, row["state"], self.now
        created = row["created_at"]
        room = (now - created).total_seconds()

        def at(fraction_of_room: float, hours: float) -> datetime:
            return created + timedelta(seconds=min(hours * 3600, room * fraction_of_room))

        if state == "duplicate":
            row["duplicate_of_id"] = rng.choice(recent_ids)
            steps.append(("duplicate", "received", "duplicate", at(0.3, rng.uniform(0.5, 6)),
                          None, "与已受理事件重复"))
            return
        if state == "received":
            return
        if state == "escalated":
            row["level"] = rng.choice(("village", "village", "town"))
            steps.append(("escalate", "received", "escalated", at(0.3, rng.uniform(1, 30)),
                          worker, "需要上级协调"))
            return
        assigned = at(0.2, rng.uniform(0.2, 20))
        row["assigned_at"] = assigned
        if worker is not None:
            row["assignee_id"] = worker
        else:
            departments = self.town_of[row["grid_id"]]["departments"]
            row["department_id"] = departments[row["id"] % len(departments)]
        steps.append(("assign", "received", "assigned", assigned, None, None))
        if state == "assigned":
            return
        started = assigned + timedelta(seconds=min(rng.uniform(600, 8 * 3600), room * 0.1))
        row["feedback_at"] = started
        steps.append(("start", "assigned", "in_progress", started, worker, None))
        steps.append(("feedback", "in_progress", "in_progress", started, worker,
                      "已到现场查看，正在处理"))
        if state == "in_progress":
            return
        # most are solved within the deadline; some late
        days = rng.choice((0.2, 0.5, 1, 1, 2, 2, 3, 4, 5, 6, 8)) if rng.random() < 0.92 \
            else rng.uniform(10, 25)
        resolved = min(started + timedelta(days=days), created + timedelta(seconds=room * 0.6))
        row["resolved_at"] = resolved
        steps.append(("resolve", "in_progress", "resolved", resolved, worker, "已处理完毕"))
        if state == "resolved":
            return
        closed = resolved + timedelta(seconds=min(rng.uniform(3600, 30 * 3600),
                                                  (now - resolved).total_seconds() * 0.5))
        row["closed_at"] = closed
        steps.append(("close", "resolved", "closed", closed, None, "已电话告知报告人办理结果"))
        if state == "closed":
            return
        evaluated = closed + timedelta(seconds=min(rng.uniform(3600, 72 * 3600),
                                                   (now - closed).total_seconds() * 0.5))
        row["satisfaction"] = self.weighted(SATISFACTION)
        row["evaluation"] = rng.choice(("满意", "很及时", None, "基本满意"))
        steps.append(("evaluate", "closed", "evaluated", evaluated, row["reporter_id"],
                      row["evaluation"]))

    # ------------------------------------------------------------ optional modules

    def write(self, table, rows: list[dict]) -> None:
        """Bulk-insert ``rows`` (dicts with every column of ``table``) in this load's transaction;
        for plugins' register_scale_demo_data, with ids from ``self.ids.take(table, n)``. Logins
        written so (``login_row``) are listed by ``portal demo`` as the modules' own."""
        _write(table, rows, self.counts)
        if table.name == "users":
            self.module_logins.extend(row["username"] for row in rows)

    def modules(self) -> None:
        """Every loaded plugin adds its rows (the core knows none of them): switched on in the
        towns marked ``modules``, written in bulk through ``write``."""
        from portal.plugins import host

        host().pm.hook.register_scale_demo_data(generator=self)

    # ------------------------------------------------------------ finishing

    def fix_sequences(self) -> None:
        """PostgreSQL: ids were given here, so move each table's sequence past them."""
        if db.engine.dialect.name != "postgresql":
            return
        for name in self.ids.next:
            db.session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {name}))"))

    def analyse(self) -> None:
        """Fresh planner statistics after the load (both engines plan with them)."""
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        if db.engine.dialect.name == "sqlite":
            db.session.execute(text("PRAGMA synchronous=NORMAL"))
            db.session.commit()


def load_scaled(factor: float = 1.0, *, if_empty: bool = False, force: bool = False,
                echo=print) -> "Generator | None":
    """The normal demo (its logins) plus the county-scale towns. On a database that already
    holds grids: None with ``if_empty``; refused unless ``force`` (then the towns are added to what
    is there, once)."""
    from portal.demo import load_demo

    if database_has_data():
        if if_empty:
            return None
        if not force:
            raise ScaleError("database already has data: refusing to add the county-scale demo "
                             "(use --force to add it anyway, --if-empty to skip quietly)")
        if scaled_already():
            raise ScaleError("the county-scale towns are already here")
    started = time.perf_counter()
    load_demo()
    echo(f"  {'normal demo':<28} {time.perf_counter() - started:7.1f} s")
    generator = Generator(factor, echo=echo)
    generator.run()
    generator.seconds = time.perf_counter() - started
    return generator
