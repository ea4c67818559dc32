"""Reading an import with python-calamine: the sheet's extent is checked before calamine opens it,
and rows come out as the openpyxl reader gave them."""
import subprocess
import sys
import textwrap
import tracemalloc
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from portal.people import import_limits, transfer
from portal.people.import_limits import ImportFileError, capped_rows, open_sheet
from portal.people.transfer import COLUMNS, KEYS, import_file, read_rows
from portal.people.xlsx_reading import exact_extent, extent

HEADERS = [header for _key, header, _required in COLUMNS]
ROOT = Path(__file__).resolve().parent.parent


def _save(workbook) -> bytes:
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


def _far_cell_file() -> bytes:
    """The 4.8 KB file that makes python-calamine 0.9.1 abort the process."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    sheet.cell(row=1_048_576, column=16_384, value="x")
    return _save(workbook)


def _replace_sheet(data: bytes, body: bytes) -> bytes:
    """``data`` with its first sheet's <sheetData> content replaced by ``body``."""
    source = zipfile.ZipFile(BytesIO(data))
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns='
                           b'"http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                           b"<sheetData>" + body + b"</sheetData></worksheet>")
            target.writestr(info, content)
    return out.getvalue()


FAR = b'<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c>%s</row>'
#: Ways of writing a cell at XFD1048576 that a scan of the text could miss; calamine reads
#: each of them there (and then aborts the process).
DISGUISED = {
    "second reference": FAR % b'<c r="B1" r="XFD1048576"><v>1</v></c>',
    "single quotes": FAR % b"<c r='XFD1048576'><v>1</v></c>",
    "spaces": FAR % b'<c r = "XFD1048576"><v>1</v></c>',
    "a > in a value": FAR % b'<c r="B1" x=">" r="XFD1048576"><v>1</v></c>',
    "prefixed": FAR % b'<x:c xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/'
                      b'main" r="XFD1048576"><x:v>1</x:v></x:c>',
}


@pytest.mark.parametrize("case", ["openpyxl", *DISGUISED])
def test_a_cell_at_xfd1048576_is_refused_before_calamine_sees_it(tmp_path, case):
    # in a process of its own: were the check to let the file through, calamine would abort
    # the process, which must fail this test rather than the test run
    path = tmp_path / "far.xlsx"
    path.write_bytes(_far_cell_file() if case == "openpyxl"
                     else _replace_sheet(_save(Workbook()), DISGUISED[case]))
    assert path.stat().st_size < 6000
    script = textwrap.dedent(f"""
        from flask import Flask
        from flask_babel import Babel
        from portal.people.import_limits import ImportFileError, open_sheet
        app = Flask("check")
        Babel(app)
        app.config.update(IMPORT_MAX_BYTES=5 << 20, IMPORT_MAX_UNCOMPRESSED_BYTES=100 << 20,
                          IMPORT_MAX_ROWS=50_000)
        with app.app_context():
            try:
                open_sheet(open({str(path)!r}, "rb").read())
            except ImportFileError as error:
                print("refused:", error)
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "refused: 文件超过50000行的上限" in done.stdout or \
        "refused: 无法读取文件" in done.stdout, done.stdout


def test_the_far_cell_is_refused_with_its_message_in_both_languages(client, tree):
    report = import_file(_far_cell_file(), tree.town_a)
    assert "行的上限" in report.file_error
    client.post("/language", data={"lang": "en"})
    client.login("village_admin")
    response = client.post("/people/xlsx/import",
                           data={"file": (BytesIO(_far_cell_file()), "far.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "50000 rows" in response.get_data(as_text=True)


def test_a_cell_far_to_the_right_of_a_long_sheet_is_named(app, tree):
    app.config["IMPORT_MAX_ROWS"] = 100
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    for n in range(60):
        sheet.append([tree.grid_a2.code, str(n), "路", "", f"人{n}", "户主"])
    sheet.cell(row=61, column=200, value="备注")  # GR61: 61 rows × 200 columns
    report = import_file(_save(workbook), tree.town_a)
    assert "GR61" in report.file_error and "64" in report.file_error


def test_cells_with_only_a_style_do_not_count(app):
    body = (b'<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>'
            b'<row r="1048576"><c r="XFD1048576" s="1"/></row>')
    data = _replace_sheet(_save(Workbook()), body)
    with zipfile.ZipFile(BytesIO(data)) as archive:
        reach = extent(archive, "xl/worksheets/sheet1.xml", within=6400)
    assert (reach.rows, reach.columns) == (1, 1)


def test_cells_without_references_are_placed_as_the_format_says(app):
    body = b'<row r="3">' + b"<c><v>1</v></c>" * 70 + b"</row><row><c><f>A1</f></c></row>"
    data = _replace_sheet(_save(Workbook()), body)
    with zipfile.ZipFile(BytesIO(data)) as archive:
        reach = extent(archive, "xl/worksheets/sheet1.xml", within=6400)
    assert (reach.rows, reach.columns, reach.far_cell) == (4, 70, "BR3")


def test_a_reference_the_check_cannot_read_is_refused(app):
    data = _replace_sheet(_save(Workbook()), b'<row r="1"><c r="XFD1048576 "><v>1</v></c></row>')
    with pytest.raises(ImportFileError, match="无法读取文件"):
        open_sheet(data)


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_a_zip_naming_a_member_twice_is_refused(app):
    data = _save(Workbook())
    out = BytesIO()
    with zipfile.ZipFile(BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        target.writestr("xl/worksheets/sheet1.xml", b"<worksheet/>")
    with pytest.raises(ImportFileError, match="无法读取文件"):
        open_sheet(out.getvalue())


def test_the_check_holds_a_chunk_of_the_sheet_at_most(app):
    rows = b"".join(b'<row r="%d">' % n + b"".join(b'<c r="%s%d"><v>1</v></c>' % (c, n)
                                                   for c in (b"A", b"B", b"C", b"D", b"E"))
                    + b"</row>" for n in range(1, 40_001))
    data = _replace_sheet(_save(Workbook()), rows)
    with zipfile.ZipFile(BytesIO(data)) as archive:
        for exact, ceiling in ((False, 4), (True, 2)):  # MB; the sheet's XML is 5 MB
            tracemalloc.start()
            try:
                reach = exact_extent(archive, "xl/worksheets/sheet1.xml") if exact else \
                    extent(archive, "xl/worksheets/sheet1.xml", within=10**9)
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
            assert (reach.rows, reach.columns) == (40_000, 5)
            assert peak < ceiling * 1024 * 1024, (exact, peak)


def test_rows_stream_out_of_the_reader(app):
    workbook = Workbook()
    workbook.active.append(HEADERS)
    book, sheet = open_sheet(_save(workbook))
    try:
        rows = capped_rows(sheet)
        assert isinstance(rows, Iterator) and not isinstance(rows, (list, tuple))
        assert isinstance(sheet.iter_rows(), Iterator)
        assert next(rows)[:2] == HEADERS[:2]
    finally:
        book.close()


# ---------------------------------------------------------------- the same rows as openpyxl gave

def _representative() -> bytes:
    """What Excel does to a filled-in template: numbers where digits were typed, a date where
    "1-2" was typed, a bool, spaces, a merged address, a formula without a cached value, a blank
    row, a column of notes; after the instructions sheet, as in the template."""
    workbook = Workbook()
    notes = workbook.active
    notes.title = "说明"
    notes.append(["示例"])
    notes.append(HEADERS)
    sheet = workbook.create_sheet("居民导入")
    sheet.append([*HEADERS, "备注"])
    sheet.append(["430624001001001", 730, " 城西路1号 ", "黄", "张三", "户主", 4.30624195001e17,
                  13800000000, "户籍常住", True, "独居老人", "note"])
    sheet.append(["430624001001001", date(2026, 1, 2), "城西路1号", None, "李四", "配偶",
                  430624195001010013, 13800000000.0, None, False, None])
    sheet.append([])
    sheet.append(["430624001001001", "001", "城西路3号", None, "王五", "子女", "430624195001010013",
                  "=1+1", "户籍常住", "否", None, None])
    sheet.append(["430624001001001", 1.5, None, None, "赵六", "子女", None, 7301234567,
                  datetime(2026, 1, 2, 10, 30), "是"])
    sheet.merge_cells("C6:D6")
    sheet["C6"] = "合并的住址"
    return _save(workbook)


def _as_openpyxl_read(data: bytes) -> list:
    """The rows as the import read them with openpyxl's streaming reader (the former code)."""
    workbook = load_workbook(BytesIO(data), read_only=True, data_only=True)
    sheet = workbook["居民导入"]
    sheet.reset_dimensions()
    rows = sheet.iter_rows(max_col=64, values_only=True)
    index = {transfer.HEADERS[str(t).strip()]: n for n, t in enumerate(next(rows))
             if t is not None and str(t).strip() in transfer.HEADERS}
    result = []
    for number, values in enumerate(rows, start=2):
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        row, numeric = {}, set()
        for key in KEYS:
            position = index.get(key)
            value = values[position] if position is not None and position < len(values) else None
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                numeric.add(key)
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            row[key] = "" if value is None else str(value).strip()
        result.append((number, row, frozenset(numeric)))
    workbook.close()
    return result


def test_calamine_reads_the_rows_openpyxl_read(app):
    data = _representative()
    read = [(r.number, dict(zip(KEYS, r.values)), r.numeric) for r in read_rows(data)]
    before = _as_openpyxl_read(data)
    assert read == before
    assert [number for number, _row, _numeric in read] == [2, 3, 5, 6]
    first, second = read[0][1], read[1][1]
    assert (first["household_number"], first["id_number"], first["phone"]) == \
        ("730", "430624195001000000", "13800000000")
    assert first["address"] == "城西路1号" and first["party_member"] == "True"
    assert second["household_number"] == "2026-01-02 00:00:00" and second["phone"] == "13800000000"
    assert read[2][1]["phone"] == ""  # a formula without a cached value
    assert read[3][1]["address"] == "合并的住址" and read[3][1]["household_number"] == "1.5"
    assert read[0][2] == {"household_number", "id_number", "phone"}


def test_rows_keep_their_numbers_when_the_first_column_is_blank(app):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([None, *HEADERS])
    sheet.append([])
    sheet.append([None, "430624001001001", "7", "路"])
    rows = read_rows(_save(workbook))
    assert [(r.number, r.values[:3]) for r in rows] == [(3, ("430624001001001", "7", "路"))]


def test_an_import_still_names_every_bad_row(tree):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    sheet.append([tree.grid_a2.code, "1", "路", "", "甲", "户主", 4.30624195001e17])
    sheet.append([tree.grid_a2.code, "2", "路", "", "乙", "户主", "", 13800000000.5])
    report = import_file(_save(workbook), tree.town_a)
    assert not report.written
    assert {(e.row, e.column) for e in report.errors} == {(2, "身份证号"), (3, "手机号")}
    assert import_limits.MAX_COLUMNS == 64


def test_the_quick_scan_agrees_with_the_parser_and_steps_aside_for_the_unusual(app):
    rows = b"".join(b'<row r="%d"><c r="A%d" t="s"><v>0</v></c><c r="K%d" s="2"><v>1.5</v></c>'
                    b"</row>" % (n, n, n) for n in range(1, 3001))
    plain = _replace_sheet(_save(Workbook()), rows)
    prefixed = _replace_sheet(_save(Workbook()), rows.replace(b"<c ", b'<x:c xmlns:x="http://'
                                                                   b'schemas.openxmlformats.org/'
                                                                   b'spreadsheetml/2006/main" ')
                              .replace(b"</c>", b"</x:c>") + b'<row r="3001"><x:c xmlns:x="h" '
                              b'r="XFD3001"><x:v>1</x:v></x:c></row>')
    second_reference = _replace_sheet(
        _save(Workbook()), rows + b'<row r="3002"><c r="A3002" s="1" r2="1"><v>1</v></c></row>')
    for data, expected in ((plain, (3000, 11)), (prefixed, (3001, 16384)),
                           (second_reference, (3002, 11))):
        with zipfile.ZipFile(BytesIO(data)) as archive:
            quick = extent(archive, "xl/worksheets/sheet1.xml", within=10**9)
            exact = exact_extent(archive, "xl/worksheets/sheet1.xml")
        assert (quick.rows, quick.columns) == (exact.rows, exact.columns) == expected


def test_the_checked_rows_are_kept_compact(tree):
    """The good rows are the import's one copy of the file while it is written: a row of twelve
    values in slots, not a dict of twelve keys."""
    from datetime import timedelta

    from tests.test_people_import import xlsx

    from portal.people.identity import make_id_number
    from portal.people.transfer import validate

    code = tree.grid_a2.code
    rows = read_rows(xlsx([[code, f"{n:04d}", f"城西路{n}号", "", "王大山", "户主",
                            make_id_number("430624", date(1960, 1, 1) + timedelta(days=n), 7,
                                           False), "", "户籍常住", "", ""]
                           for n in range(1000)]))
    tracemalloc.start()
    try:
        report = validate(rows, tree.town_a)
        held, _peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(report.good) == 1000 and not report.errors
    assert not hasattr(report.good[0], "__dict__")
    assert report.good[0]["name"] == "王大山"
    # everything the check keeps a row (its values, the seen ID numbers): 400 bytes, 740 with a dict
    assert held / len(report.good) < 550, f"{held / len(report.good):.0f} bytes a checked row"
