"""Excel import and export of the register: files are read with python-calamine (within the
ceilings of portal.people.import_limits) and written with openpyxl.

An import is checked row by row before anything is written; a file with a bad row writes nothing
unless the user asks for the good rows only. Households match on (grid code, household number) and
residents on their ID number (or, without one, on name within the household), so importing the
same file twice updates and never duplicates. Writing is done in bulk (executemany), in one
transaction: a failure leaves the database as it was.
"""
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache
from itertools import islice
from typing import Any, NamedTuple

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, insert, select, text, update

from portal import audit
from portal.extensions import db
from portal.grids.models import GRID, SPECIAL, Grid
from portal.people.forms import CARE_LABELS, COLOUR_SHORT, RELATION_LABELS, RESIDENCE_LABELS
from portal.people.identity import from_id_number, pinyin_keys
from portal.people.import_limits import ImportFileError, capped_rows, open_sheet
from portal.people.masking import mask_id, mask_phone
from portal.people.models import House, Household, Resident, ResidentCare
from portal.tenancy import in_subtree
from portal.validators import id_number_problem, is_code, is_phone, normalise_phone

#: (key, Chinese header, required)
COLUMNS = [
    ("grid_code", "网格编码", True),
    ("household_number", "户编号", True),
    ("address", "住址", True),
    ("colour", "关注颜色", False),
    ("name", "姓名", True),
    ("relation", "与户主关系", True),
    ("id_number", "身份证号", False),
    ("phone", "手机号", False),
    ("residence", "户籍情况", False),
    ("party_member", "党员", False),
    ("care", "关爱类别", False),
]
HEADERS = {header: key for key, header, _required in COLUMNS}
LABEL_OF = {key: header for key, header, _required in COLUMNS}
CHUNK = 500
#: Rows whose statement parameters are built at once by apply().
BATCH = 5000


def _chinese():
    """Labels in files are Chinese whatever the user's interface language."""
    return force_locale("zh_CN")


def _reverse(labels: dict) -> dict:
    """Accept both the Chinese label and the code: 户主 or head."""
    lookup = {}
    with _chinese():
        for code, label in labels.items():
            lookup[str(label)] = code
            lookup[code] = code
    return lookup


YES = {"是", "Y", "y", "yes", "Yes", "1", "true", "TRUE", "√"}
NO = {"否", "N", "n", "no", "No", "0", "false", "FALSE", ""}


@dataclass
class RowError:
    row: int
    column: str
    message: str


class GoodRow:
    """A checked row, as it will be written. Slots, not a dict: the good rows are the import's
    one copy of the file, and a dict of twelve keys a row made a fifth of a 100,000-row
    import's peak memory. Read by key, as the dict was (``row["name"]``)."""

    __slots__ = ("row", "grid_id", "number", "address", "colour", "name", "relation",
                 "id_number", "phone", "residence", "party_member", "care")

    def __init__(self, **values: Any) -> None:
        for key, value in values.items():
            setattr(self, key, value)

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)


@dataclass
class Report:
    rows: int = 0
    good: list["GoodRow"] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    file_error: str | None = None
    households_created: int = 0
    households_updated: int = 0
    residents_created: int = 0
    residents_updated: int = 0
    written: bool = False

    @property
    def bad_rows(self) -> int:
        return len({e.row for e in self.errors})


#: Sheets of the template that an import never reads: the instructions with their examples,
#: the hidden lists behind the drop-downs (and the old template's notes).
NOT_DATA = ("说明", "选项", "填写说明")
#: A number Excel wrote in scientific notation ("4.30624E+17"), as a cell's text.
SCIENTIFIC = re.compile(r"^[+-]?\d+(\.\d*)?[eE][+-]?\d+$")
#: Columns that hold text of digits: Excel turns them into numbers unless the column is text.
TEXT_COLUMNS = ("grid_code", "household_number", "id_number", "phone")


class SheetRow(NamedTuple):
    """A data row as read: its number in the sheet, its cells' text in the order of COLUMNS
    ("" for a column the file lacks or a blank cell) and the columns whose cells Excel stored
    as numbers. A tuple, not a dict: a file's rows are held once, in their smallest form."""
    number: int
    values: tuple[str, ...]
    numeric: frozenset[str]


KEYS = tuple(key for key, _header, _required in COLUMNS)
#: Columns whose few distinct values repeat on every row: one string object each, not one a row.
REPEATED = frozenset({"grid_code", "household_number", "address", "colour", "relation",
                      "residence", "party_member", "care"})
NOTHING: frozenset[str] = frozenset()


def _text(value) -> tuple[str, bool]:
    """A cell's text as the import reads it, and whether Excel stored it as a number. calamine
    gives every number of an .xlsx as a float: a whole one is written without ".0" (Excel turns
    0730 into 730.0; a number cell is kept as text and flagged); a date cell with no time is a
    date, shown with its midnight as before."""
    if isinstance(value, str):
        return value.strip(), False
    if isinstance(value, bool):
        return str(value), False
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value), True
    if isinstance(value, int):
        return str(value), True
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime.combine(value, time())
    return str(value).strip(), False


def read_rows(data: bytes) -> list[SheetRow]:
    """The data rows of the file's data sheet (the first one that is not the template's
    instructions or lists), read within the import ceilings (portal.people.import_limits);
    ImportFileError for a file to refuse, also for one without any row (an unchanged template).
    Every row is read (and the row ceiling checked) before any is validated; blank rows are
    skipped."""
    workbook, sheet = open_sheet(data, skip=NOT_DATA)
    try:
        rows = capped_rows(sheet)
        header = next(rows, None) or ()
        index = {}
        for position, title in enumerate(header):
            key = HEADERS.get(str(title).strip()) if title is not None else None
            if key:
                index[key] = position
        missing = [h for k, h, required in COLUMNS if required and k not in index]
        if missing:
            raise ImportFileError(_("缺少必填列：%(cols)s。请使用下载的模板。",
                                    cols="、".join(missing)))
        positions = [(key, index.get(key)) for key in KEYS]
        shared: dict[str, str] = {}
        result = []
        for number, cells in enumerate(rows, start=2):
            texts, numeric = [], []
            for key, position in positions:
                if position is None or position >= len(cells):
                    texts.append("")
                    continue
                text, is_number = _text(cells[position])
                if is_number:
                    numeric.append(key)
                texts.append(shared.setdefault(text, text) if key in REPEATED else text)
            if any(texts) or any(_text(v)[0] for v in cells):
                result.append(SheetRow(number, tuple(texts),
                                       frozenset(numeric) if numeric else NOTHING))
    finally:
        workbook.close()
    if not result:
        raise ImportFileError(_("模板中没有数据：请在“%(sheet)s”表的标题行下面每人填一行"
                                "（示例在“说明”表，不会被导入）。", sheet=DATA_SHEET))
    return result


def _number_problem(key: str, row: dict) -> str | None:
    """What Excel did to a column of digits, if it did: an ID number stored as a number has
    lost its last digits (and an X), a phone its leading 0, a code its leading zeros."""
    value = row.get(key, "")
    scientific, numeric = bool(SCIENTIFIC.match(value)), key in row.get("_numeric", ())
    if key == "id_number" and (scientific or numeric):
        return _("Excel 把身份证号存成了数字，请把该列设为文本后重新填写。")
    if key == "phone" and (scientific or (numeric and not is_phone(normalise_phone(value)))):
        return _("Excel 把电话号码存成了数字（开头的0或后几位已丢失），请把该列设为文本后重新填写。")
    if key in ("grid_code", "household_number") and scientific:
        return _("Excel 把编码存成了数字，请把该列设为文本后重新填写。")
    return None


@lru_cache(maxsize=65536)
def _pinyin(name: str) -> tuple[str, str]:
    return pinyin_keys(name)


GRID_CODE, ID_NUMBER = KEYS.index("grid_code"), KEYS.index("id_number")


def validate(rows: list[SheetRow], scope: Grid) -> Report:
    """Check every row; nothing is written. Each row is looked at as a dict only while it is
    checked: the good ones become the report's rows, the only other copy of the file."""
    report = Report(rows=len(rows))
    relations, residences = _reverse(RELATION_LABELS), _reverse(RESIDENCE_LABELS)
    colours, cares = _reverse(COLOUR_SHORT), _reverse(CARE_LABELS)
    codes = {r.values[GRID_CODE] for r in rows if r.values[GRID_CODE]}
    grids = {}
    for chunk in _chunks(sorted(codes)):
        for grid in db.session.scalars(select(Grid).where(Grid.code.in_(chunk))):
            grids[grid.code] = grid
    ids = {r.values[ID_NUMBER].upper() for r in rows if r.values[ID_NUMBER]}
    owner_grid: dict[str, int] = {}  # id number → grid id of the resident who has it now
    for chunk in _chunks(sorted(ids)):
        # no join here: the unique index on id_number answers each chunk directly
        owner_grid.update(db.session.execute(
            select(Resident.id_number, Resident.grid_id).where(Resident.id_number.in_(chunk))).all())
    grid_codes: dict[int, str] = {}
    for chunk in _chunks(sorted(set(owner_grid.values()))):
        grid_codes.update(db.session.execute(select(Grid.id, Grid.code).where(Grid.id.in_(chunk))).all())
    owners = {id_number: grid_codes[grid_id] for id_number, grid_id in owner_grid.items()}
    seen_ids: dict[str, int] = {}
    for number, values, numeric in rows:
        row: dict = dict(zip(KEYS, values))
        row["_numeric"] = numeric
        errors = []

        def fail(key, message):
            errors.append(RowError(number, LABEL_OF[key], message))  # noqa: B023 (called in this turn)

        mangled = set()
        for key in TEXT_COLUMNS:
            problem = _number_problem(key, row)
            if problem:
                fail(key, problem)
                mangled.add(key)
        for key, _header, required in COLUMNS:
            if required and not row.get(key):
                fail(key, _("必填。"))
        grid = grids.get(row.get("grid_code", ""))
        if "grid_code" in mangled:
            pass
        elif row.get("grid_code") and grid is None:
            fail("grid_code", _("没有编码为 %(code)s 的网格。", code=row["grid_code"]))
        elif grid is not None and not in_subtree(grid.code, scope):
            fail("grid_code", _("网格 %(code)s 不在您的管理范围内。", code=grid.code))
        elif grid is not None and (grid.level not in (GRID, SPECIAL) or not grid.active):
            fail("grid_code", _("住户只能登记在未撤销的基础网格或专属网格中。"))
        if len(row.get("name", "")) > 32:
            fail("name", _("姓名不能超过32个字。"))
        if len(row.get("address", "")) > 128 or len(row.get("household_number", "")) > 32:
            fail("address", _("住址或户编号太长。"))
        elif row.get("household_number") and "household_number" not in mangled and \
                not is_code(row["household_number"]):
            fail("household_number", _("户编号只能由数字0-9、字母和“-”组成。"))
        relation = relations.get(row.get("relation", ""))
        if row.get("relation") and relation is None:
            fail("relation", _("无法识别“%(v)s”，可填：%(ok)s。", v=row["relation"],
                               ok="、".join(str(v) for v in RELATION_LABELS.values())))
        residence = residences.get(row.get("residence") or "local")
        if residence is None:
            fail("residence", _("无法识别“%(v)s”，可填：%(ok)s。", v=row["residence"],
                                ok="、".join(str(v) for v in RESIDENCE_LABELS.values())))
        colour = colours.get(row.get("colour", "")) if row.get("colour") else None
        if row.get("colour") and colour is None:
            fail("colour", _("关注颜色只能填红、黄、绿或留空。"))
        party = row.get("party_member", "")
        if party not in YES and party not in NO:
            fail("party_member", _("党员一栏填“是”或“否”。"))
        care = [c.strip() for c in row.get("care", "").replace(",", "、").replace("，", "、")
                .replace(";", "、").split("、") if c.strip()]
        unknown = [c for c in care if c not in cares]
        if unknown:
            fail("care", _("未知的关爱类别：%(c)s", c="、".join(unknown)))
        id_number = row.get("id_number", "").upper()
        if id_number and "id_number" not in mangled:
            problem = id_number_problem(id_number)
            if problem:
                from portal.forms import ID_PROBLEMS

                fail("id_number", str(ID_PROBLEMS[problem]))
            elif id_number in seen_ids:
                fail("id_number", _("与第%(n)d行的身份证号重复。", n=seen_ids[id_number]))
            elif id_number in owners and not in_subtree(owners[id_number], scope):
                fail("id_number", _("该身份证号已登记在您管理范围以外的居民名下。"))
            seen_ids.setdefault(id_number, number)
        phone = normalise_phone(row.get("phone", ""))
        if phone and "phone" not in mangled and not is_phone(phone):
            fail("phone", _("请输入有效的手机号(11位)或座机号(如 0730-1234567)。"))
        if errors:
            report.errors.extend(errors)
            continue
        report.good.append(GoodRow(
            row=number, grid_id=grid.id, number=row["household_number"],
            address=row["address"], colour=colour, name=row["name"],
            relation=relation, id_number=id_number or None, phone=phone or None,
            residence=residence, party_member=party in YES,
            care=sorted({cares[c] for c in care}),
        ))
    _one_head_each(report)
    return report


def _one_head_each(report: Report) -> None:
    """One head per household, as it will stand once the good rows are written: a row that
    would make a second head (beside an earlier row's, or beside a registered head whom no good
    row of the file changes) is refused with its reason, and nothing of it is written. Refusing
    a row can leave a registered head standing whom it was changing, so this is repeated until
    nothing more is refused."""
    while True:
        refused = _second_heads(report.good)
        if not refused:
            return
        report.errors.extend(refused)
        bad = {e.row for e in refused}
        report.good = [row for row in report.good if row["row"] not in bad]
        report.errors.sort(key=lambda e: e.row)


def _second_heads(rows: list[GoodRow]) -> list[RowError]:
    keys = {(r["grid_id"], r["number"]) for r in rows}
    households = _ids_by(Household, Household.number, keys)  # the registered ones
    heads: dict[int, tuple[int, str, str | None]] = {}  # household id → its head
    for chunk in _chunks(sorted(set(households.values()))):
        for rid, hid, name, id_number in db.session.execute(
                select(Resident.id, Resident.household_id, Resident.name, Resident.id_number)
                .where(Resident.household_id.in_(chunk), Resident.relation == "head",
                       Resident.left_at.is_(None))):
            heads[hid] = (rid, name, id_number)
    # the residents the rows will write, as apply() matches them: a head among them takes the
    # relation their row gives (or moves to another household)
    written: set[int] = set()
    ids = sorted({r["id_number"] for r in rows if r["id_number"]})
    for chunk in _chunks(ids):
        written.update(db.session.scalars(select(Resident.id).where(Resident.id_number.in_(chunk))))
    named = {(households[(r["grid_id"], r["number"])], r["name"]) for r in rows
             if not r["id_number"] and (r["grid_id"], r["number"]) in households}
    written.update(rid for hid, (rid, name, id_number) in heads.items()
                   if id_number is None and (hid, name) in named)
    standing = {key: heads[hid][1] for key, hid in households.items()
                if hid in heads and heads[hid][0] not in written}
    claimed: dict[tuple[int, str], int] = {}
    refused = []
    for row in rows:
        if row["relation"] != "head":
            continue
        key = (row["grid_id"], row["number"])
        if key in claimed:
            refused.append(RowError(row["row"], LABEL_OF["relation"], _(
                "与第%(n)d行同为这一户的户主：一户只能有一位户主。", n=claimed[key])))
        elif key in standing:
            refused.append(RowError(row["row"], LABEL_OF["relation"], _(
                "这一户已有户主%(name)s：一户只能有一位户主。要更换户主，请在这一户的页面点"
                "“更换户主”，或在本文件中也填上%(name)s一行并改掉其关系。", name=standing[key])))
        else:
            claimed[key] = row["row"]
    return refused


def apply(report: Report, scope: Grid, actor=None) -> Report:
    """Write the good rows of a validated report in bulk. The caller commits (or rolls back)."""
    rows = report.good
    households = _upsert_households(rows, report)
    existing: dict[str, int] = {}
    ids = sorted({r["id_number"] for r in rows if r["id_number"]})
    for chunk in _chunks(ids):
        existing.update(db.session.execute(
            select(Resident.id_number, Resident.id).where(Resident.id_number.in_(chunk))).all())
    by_name = {}
    household_ids = sorted(set(households.values()))
    for chunk in _chunks(household_ids):
        for rid, hid, name in db.session.execute(
                select(Resident.id, Resident.household_id, Resident.name)
                .where(Resident.household_id.in_(chunk), Resident.id_number.is_(None))):
            by_name[(hid, name)] = rid

    def matched(registered: bool, heads: bool | None = None):
        """(resident id or None, values, care) of the rows of residents (not) registered yet,
        only heads or only others when ``heads`` says so."""
        for row in rows:
            if heads is not None and (row["relation"] == "head") != heads:
                continue
            household_id = households[(row["grid_id"], row["number"])]
            resident_id = existing.get(row["id_number"]) if row["id_number"] else \
                by_name.get((household_id, row["name"]))
            if bool(resident_id) == registered:
                yield resident_id, _resident_values(row, household_id), row["care"]

    # The statements' parameters are built a batch at a time, never for the whole file at once.
    care: dict[int, list[str]] = {}
    new_with_care: list[tuple[dict, list[str]]] = []
    created = updated = 0
    for heads in (False, True):  # a head who steps down is written before one who steps up
        for batch in _batches(matched(True, heads), BATCH):
            db.session.execute(update(Resident), [{"id": rid, **values} for rid, values, _c in batch])
            care.update((rid, cats) for rid, _v, cats in batch)
            updated += len(batch)
    for batch in _batches(matched(False), BATCH):
        # a plain executemany (no RETURNING): psycopg pipelines it, SQLite loops in C; on the
        # table, not the mapped class: the ORM's bulk path sorted every row's values in Python
        # again (a tenth of an import's time) for nothing an insert without events needs
        db.session.execute(insert(Resident.__table__), [values for _r, values, _c in batch])
        new_with_care.extend((values, cats) for _r, values, cats in batch if cats)
        created += len(batch)
    for chunk in _chunks(sorted(care)):
        db.session.execute(delete(ResidentCare).where(ResidentCare.resident_id.in_(chunk)))
    care.update(_new_resident_ids(new_with_care))
    care_rows = [{"resident_id": rid, "category": c} for rid, cats in care.items() for c in cats]
    if care_rows:
        db.session.execute(insert(ResidentCare), care_rows)
    report.residents_created, report.residents_updated = created, updated
    report.written = True
    # households, residents and care were written without the ORM's events: the due days of
    # visits again for the town (a colour, a member in care or a new household changes them)
    from portal.people import grid_counts, visit_due
    from portal.tenancy import town_of

    visit_due.refresh(town_of(scope) if scope.level != "county" else None)
    grid_counts.refresh(under=scope)  # and the grids' households and residents counts
    if db.engine.dialect.name == "postgresql" and len(rows) > 1000:
        # after a bulk load the planner's row counts are stale until autovacuum catches up, and
        # it would answer the next import's id lookups with sequential scans
        db.session.execute(text("ANALYZE houses, households, residents, resident_care"))
    audit.record("people.import", None, scope_code=scope.code, user=actor,
                 rows=len(rows), households_created=report.households_created,
                 households_updated=report.households_updated,
                 residents_created=report.residents_created,
                 residents_updated=report.residents_updated)
    db.session.expire_all()
    return report


def _new_resident_ids(inserted) -> dict[int, list[str]]:
    """Ids of just-inserted residents (only those that need care rows), by ID number or, without
    one, by name within the household."""
    by_id = {v["id_number"]: c for v, c in inserted if v["id_number"]}
    by_name = {(v["household_id"], v["name"]): c for v, c in inserted if not v["id_number"]}
    found = {}
    for chunk in _chunks(sorted(by_id)):
        for rid, id_number in db.session.execute(
                select(Resident.id, Resident.id_number).where(Resident.id_number.in_(chunk))):
            found[rid] = by_id[id_number]
    households = sorted({hid for hid, _name in by_name})
    for chunk in _chunks(households):
        for rid, hid, name in db.session.execute(
                select(Resident.id, Resident.household_id, Resident.name)
                .where(Resident.household_id.in_(chunk), Resident.id_number.is_(None))):
            if (hid, name) in by_name:
                found[rid] = by_name[(hid, name)]
    return found


def _resident_values(row, household_id) -> dict:
    pinyin, initials = _pinyin(row["name"])
    sex, birth = from_id_number(row["id_number"]) if row["id_number"] else (None, None)
    return {
        "household_id": household_id, "grid_id": row["grid_id"], "name": row["name"],
        "relation": row["relation"], "id_number": row["id_number"], "phone": row["phone"],
        "residence": row["residence"], "party_member": row["party_member"], "sex": sex,
        "birth_date": birth, "name_pinyin": pinyin, "name_initials": initials,
        "id_reversed": row["id_number"][::-1] if row["id_number"] else None,
        "phone_reversed": row["phone"][::-1] if row["phone"] else None,
        "left_at": None, "left_reason": None,
    }


def _upsert_households(rows, report) -> dict[tuple[int, str], int]:
    wanted = {}
    for row in rows:  # the last row of a household wins for its address and colour
        wanted[(row["grid_id"], row["number"])] = (row["address"], row["colour"])
    found = {}
    for grid_id, chunk in _by_grid(wanted):
        for hid, number, address, colour in db.session.execute(
                select(Household.id, Household.number, Household.address, Household.colour)
                .where(Household.grid_id == grid_id, Household.number.in_(chunk))):
            found[(grid_id, number)] = (hid, address, colour)
    houses = _houses({(g, a) for (g, _n), (a, _c) in wanted.items()})
    new = [{"grid_id": g, "number": n, "address": a, "colour": c, "moved_out_at": None,
            "house_id": houses[(g, a)]}
           for (g, n), (a, c) in wanted.items() if (g, n) not in found]
    changed = [{"id": found[key][0], "address": a, "colour": c, "moved_out_at": None,
                "house_id": houses[(key[0], a)]}
               for key, (a, c) in wanted.items()
               if key in found and (found[key][1], found[key][2]) != (a, c)]
    ids = {key: value[0] for key, value in found.items()}
    if new:
        db.session.execute(insert(Household), new)
        ids.update(_ids_by(Household, Household.number, {(h["grid_id"], h["number"]) for h in new}))
    if changed:
        db.session.execute(update(Household), changed)
    report.households_created, report.households_updated = len(new), len(changed)
    return ids


def _by_grid(keys):
    """(grid id, chunk of values) for keys of (grid id, value): lookups that use the
    (grid_id, value) unique indexes."""
    by_grid = defaultdict(list)
    for grid_id, value in keys:
        by_grid[grid_id].append(value)
    for grid_id, values in by_grid.items():
        for chunk in _chunks(sorted(values)):
            yield grid_id, chunk


def _ids_by(model, column, keys) -> dict[tuple[int, str], int]:
    """Ids of ``model`` rows by (grid id, ``column`` value), through its (grid_id, column) index."""
    ids = {}
    for grid_id, chunk in _by_grid(keys):
        for row_id, value in db.session.execute(
                select(model.id, column).where(model.grid_id == grid_id, column.in_(chunk))):
            ids[(grid_id, value)] = row_id
    return ids


def _houses(keys: set[tuple[int, str]]) -> dict[tuple[int, str], int]:
    """House ids for (grid id, address), creating the houses that do not exist yet."""
    ids = _ids_by(House, House.address, keys)
    missing = keys - set(ids)
    if missing:
        db.session.execute(insert(House), [{"grid_id": g, "address": a} for g, a in missing])
        ids.update(_ids_by(House, House.address, missing))
    return ids


def _chunks(items, size=CHUNK):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _batches(iterable, size):
    """Lists of up to ``size`` items of an iterator."""
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch


def import_file(data: bytes, scope: Grid, actor=None, *, good_rows_only=False) -> Report:
    """Validate and, when allowed, write. Leaves the transaction to the caller."""
    try:
        rows = read_rows(data)
    except ImportFileError as error:
        return Report(file_error=str(error))
    report = validate(rows, scope)
    del rows  # the report's good rows are what is written: the rows as read can go
    if report.errors and not good_rows_only:
        return report
    if report.good:
        apply(report, scope, actor)
    return report


# ---------------------------------------------------------------- templates and exports



def _sheet(title, headers, prepare=None):
    """A workbook whose first sheet has the header row; ``prepare(sheet)`` sets what a
    write-only sheet must know before its first row (column widths and formats, frozen panes)."""
    from portal.rendering import ExportWorkbook  # writes user text as text, never a formula

    workbook = ExportWorkbook()
    sheet = workbook.create_sheet(title)
    if prepare is not None:
        prepare(sheet)
    # openpyxl only writes files (calamine reads them): loaded when a file is written, so that an
    # import, and every process that writes none, does without its 30 MB
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill

    cells = []
    font, fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="C0392B")
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font, cell.fill = font, fill
        cells.append(cell)
    sheet.append(cells)
    return workbook, sheet


def _save(workbook) -> bytes:
    return workbook.to_bytes()


#: The template's sheet that is imported; its header row only: the examples are on "说明".
DATA_SHEET = "居民导入"
#: Rows of the template that carry the text formats and drop-downs (the import's ceiling is
#: higher, but a file that long is not typed by hand).
TEMPLATE_ROWS = 5000
#: The two example rows shown on "说明" (the import never reads that sheet).
EXAMPLES = [
    ["430624001001001", "001", "城西路1号", "黄", "张三丰", "户主", "430624195001010013",
     "13812345678", "户籍常住", "是", "独居老人"],
    ["430624001001001", "001", "城西路1号", "黄", "李秀英", "配偶", "", "", "户籍常住", "否", ""],
]


def _closed_lists() -> dict[str, tuple[list[str], bool]]:
    """The closed lists, as drop-downs: column key → (values in Chinese, several allowed)."""
    with _chinese():
        return {
            "colour": ([str(COLOUR_SHORT[c]) for c in ("red", "yellow", "green")], False),
            "relation": ([str(v) for v in RELATION_LABELS.values()], False),
            "residence": ([str(v) for v in RESIDENCE_LABELS.values()], False),
            "party_member": (["是", "否"], False),
            # several care categories may be written in one cell ("独居老人、残疾人"): the list
            # offers one, and Excel accepts what the list does not hold
            "care": ([str(v) for v in CARE_LABELS.values()], True),
        }


def template_xlsx() -> bytes:
    """The import template. "居民导入" holds the header row only, so an unchanged template
    imports nothing; "说明" explains each column and shows two example rows (never read by the
    import); the ID number, phone and code columns are text, so Excel keeps every digit; the
    closed lists are drop-downs whose values sit on a hidden sheet ("选项")."""
    from openpyxl.utils import get_column_letter, quote_sheetname
    from openpyxl.worksheet.datavalidation import DataValidation

    headers = [h for _, h, _r in COLUMNS]
    letters = {key: get_column_letter(n) for n, (key, _h, _r) in enumerate(COLUMNS, start=1)}

    def prepare(sheet) -> None:
        sheet.freeze_panes = "A2"
        for key, letter in letters.items():
            dimension = sheet.column_dimensions[letter]
            dimension.width = {"id_number": 22, "address": 18, "care": 20,
                               "grid_code": 18}.get(key, 12)
            if key in TEXT_COLUMNS:
                dimension.number_format = "@"  # typed digits stay text: no 4.30624E+17, no lost 0

    workbook, sheet = _sheet(DATA_SHEET, headers, prepare)
    last = TEMPLATE_ROWS + 1
    notes = workbook.create_sheet("说明")
    lists = workbook.create_sheet("选项")
    lists.sheet_state = "hidden"
    closed = _closed_lists()
    longest = max(len(values) for values, _several in closed.values())
    keys = list(closed)
    for position in range(longest):
        lists.append([closed[key][0][position] if position < len(closed[key][0]) else None
                      for key in keys])
    for n, key in enumerate(keys, start=1):
        values, several = closed[key]
        column = get_column_letter(n)
        # a range on a sheet, not an inline list: an inline list is limited to 255 characters
        rule = DataValidation(type="list", allow_blank=True, showDropDown=False,
                              formula1=f"{quote_sheetname('选项')}!${column}$1:${column}$"
                                       f"{len(values)}")
        rule.showErrorMessage = not several
        rule.error = f"请从下拉列表中选择：{'、'.join(values)}"
        rule.errorTitle = LABEL_OF[key]
        rule.add(f"{letters[key]}2:{letters[key]}{last}")
        sheet.data_validations.append(rule)
    with _chinese():
        notes.append([f"在“{DATA_SHEET}”表的标题行下面每人填一行；本表和其中的示例不会被导入。"])
        notes.append([])
        notes.append(["列", "说明"])
        notes.append(["网格编码", "基础网格或专属网格的编码，见网格页面（文本格式，不要改成数字）"])
        notes.append(["户编号", "本网格内的户编号；同一户的成员填同一个编号"])
        notes.append(["关注颜色", "红、黄、绿，或留空(普通户)"])
        notes.append(["与户主关系", "、".join(str(v) for v in RELATION_LABELS.values())
                      + "；每户只能有一位户主"])
        notes.append(["身份证号", "18位；该列是文本格式，请不要改成数字或常规格式"])
        notes.append(["户籍情况", "、".join(str(v) for v in RESIDENCE_LABELS.values())])
        notes.append(["党员", "是 或 否"])
        notes.append(["关爱类别", "可填多个，用顿号分隔：" + "、".join(str(v) for v in CARE_LABELS.values())])
        notes.append([])
        notes.append(["示例（不会被导入）"])
        notes.append(headers)
        for example in EXAMPLES:
            notes.append(example)
    return _save(workbook)


def residents_xlsx(scope: Grid, masked: bool) -> bytes:
    """Residents under ``scope`` in the import layout (re-importable when unmasked)."""
    workbook, sheet = _sheet("居民", [h for _, h, _r in COLUMNS])
    query = (select(Grid.code, Household.number, Household.address, Household.colour,
                    Resident.name, Resident.relation, Resident.id_number, Resident.phone,
                    Resident.residence, Resident.party_member, Resident.id)
             .join(Household, Household.id == Resident.household_id)
             .join(Grid, Grid.id == Resident.grid_id)
             .where(in_subtree(Grid.code, scope), Resident.left_at.is_(None))
             .order_by(Grid.code, Household.number, Resident.id))
    rows = db.session.execute(query).all()
    care = defaultdict(list)
    for chunk in _chunks([r.id for r in rows], 5000):
        for rid, category in db.session.execute(
                select(ResidentCare.resident_id, ResidentCare.category)
                .where(ResidentCare.resident_id.in_(chunk))):
            care[rid].append(category)
    with _chinese():
        for r in rows:
            sheet.append([
                r.code, r.number or "", r.address, str(COLOUR_SHORT.get(r.colour, "")), r.name,
                str(RELATION_LABELS.get(r.relation, r.relation)),
                mask_id(r.id_number) if masked else (r.id_number or ""),
                mask_phone(r.phone) if masked else (r.phone or ""),
                str(RESIDENCE_LABELS.get(r.residence, r.residence)),
                "是" if r.party_member else "否",
                "、".join(str(CARE_LABELS[c]) for c in sorted(care[r.id])),
            ])
    return _save(workbook)


def households_xlsx(scope: Grid) -> bytes:
    from sqlalchemy import func

    workbook, sheet = _sheet("住户", ["网格编码", "网格", "户编号", "住址", "关注颜色", "人数"])
    members = (select(Resident.household_id, func.count().label("n"))
               .where(Resident.left_at.is_(None)).group_by(Resident.household_id).subquery())
    rows = db.session.execute(
        select(Grid.code, Grid.name, Household.number, Household.address, Household.colour,
               func.coalesce(members.c.n, 0))
        .join(Grid, Grid.id == Household.grid_id)
        .outerjoin(members, members.c.household_id == Household.id)
        .where(in_subtree(Grid.code, scope), Household.moved_out_at.is_(None))
        .order_by(Grid.code, Household.number)).all()
    with _chinese():
        for code, name, number, address, colour, count in rows:
            sheet.append([code, name, number or "", address, str(COLOUR_SHORT.get(colour, "")),
                          count])
    return _save(workbook)


def visits_due_xlsx(scope: Grid) -> bytes:
    from portal.people.visits import due_list

    workbook, sheet = _sheet("待走访", ["网格", "住址", "关注颜色", "有关爱对象", "上次走访",
                                     "应访日期", "逾期天数"])
    with _chinese():
        for due in due_list(scope):
            sheet.append([due.grid_name, due.address, str(COLOUR_SHORT.get(due.colour, "")),
                          "是" if due.needs_care else "", due.last_visit or "",
                          due.due_on, max(due.overdue_days, 0)])
    return _save(workbook)


