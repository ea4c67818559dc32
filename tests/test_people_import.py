"""Excel import and export of the register."""
from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.people.identity import make_id_number
from portal.people.models import Household, Resident, ResidentCare
from portal.people.transfer import COLUMNS, import_file

HEADERS = [header for _key, header, _required in COLUMNS]


def xlsx(rows, headers=HEADERS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


def ident(n, female=False):
    return make_id_number("430624", date(1970, 1, 1 + n), n, female)


@pytest.fixture
def good_rows(tree):
    code = tree.grid_a2.code
    return [
        [code, "101", "城西路101号", "红", "王大山", "户主", ident(1), "13700000001", "户籍常住", "是",
         "独居老人、残疾人"],
        [code, "101", "城西路101号", "红", "刘小花", "配偶", ident(2, True), "", "户籍常住", "否", ""],
        [code, "102", "城西路102号", "", "孙悟", "户主", ident(3), "", "人在户不在(流动)", "", ""],
    ]


def _count(model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_a_good_file_is_imported(tree, good_rows):
    before = _count(Resident)
    report = import_file(xlsx(good_rows), tree.town_a)
    db.session.commit()
    assert not report.errors and report.written
    assert (report.households_created, report.residents_created) == (2, 3)
    assert _count(Resident) == before + 3
    wang = db.session.scalar(db.select(Resident).filter_by(name="王大山"))
    assert wang.household.colour == "red" and wang.party_member
    assert wang.care_categories == ["disabled", "elderly_alone"]
    assert wang.sex == "M" and wang.birth_date == date(1970, 1, 2)
    assert wang.name_initials == "wds" and wang.phone_reversed == "10000000731"
    sun = db.session.scalar(db.select(Resident).filter_by(name="孙悟"))
    assert sun.residence == "non_registered"
    assert db.session.scalar(db.select(AuditEntry).filter_by(action="people.import"))


def test_reimport_updates_and_never_duplicates(tree, good_rows):
    import_file(xlsx(good_rows), tree.town_a)
    db.session.commit()
    counts = (_count(Household), _count(Resident), _count(ResidentCare))
    good_rows[0][7] = "13799999999"
    good_rows[0][10] = "独居老人"
    report = import_file(xlsx(good_rows), tree.town_a)
    db.session.commit()
    assert (report.households_created, report.residents_created) == (0, 0)
    assert report.residents_updated == 3
    assert (_count(Household), _count(Resident)) == counts[:2]
    wang = db.session.scalar(db.select(Resident).filter_by(name="王大山"))
    assert wang.phone == "13799999999" and wang.care_categories == ["elderly_alone"]


def test_a_file_with_bad_rows_writes_nothing_and_names_each_problem(tree, good_rows):
    before = (_count(Household), _count(Resident))
    bad = good_rows + [
        [tree.grid_a2.code, "103", "城西路103号", "", "坏号", "户主", "430624197001010011", "", "", "", ""],
        ["999999", "104", "无", "", "无网格", "户主", "", "", "", "", ""],
        [tree.grid_b1.code, "105", "荷叶塘", "", "外镇", "户主", "", "", "", "", ""],
        [tree.grid_a2.code, "106", "城西路106号", "紫", "", "老板", ident(1), "123", "", "也许", "富人"],
    ]
    report = import_file(xlsx(bad), tree.town_a)
    db.session.rollback()
    assert not report.written and report.bad_rows == 4 and len(report.good) == 3
    assert (_count(Household), _count(Resident)) == before
    problems = {(e.row, e.column) for e in report.errors}
    assert (5, "身份证号") in problems
    assert (6, "网格编码") in problems
    assert (7, "网格编码") in problems  # outside the importer's scope
    row8 = {column for row, column in problems if row == 8}
    assert row8 == {"姓名", "与户主关系", "身份证号", "手机号", "关注颜色", "党员", "关爱类别"}
    duplicate = next(e for e in report.errors if e.row == 8 and e.column == "身份证号")
    assert "第2行" in duplicate.message


def test_good_rows_only_when_asked(tree, good_rows):
    bad = good_rows + [["999999", "104", "无", "", "无网格", "户主", "", "", "", "", ""]]
    report = import_file(xlsx(bad), tree.town_a, good_rows_only=True)
    db.session.commit()
    assert report.written and report.residents_created == 3 and report.bad_rows == 1


def test_an_id_number_registered_elsewhere_is_not_taken_over(tree):
    rows = [[tree.grid_a2.code, "201", "城西路201号", "", "冒名", "户主",
             tree.resident_b.id_number, "", "", "", ""]]
    report = import_file(xlsx(rows), tree.town_a)
    assert report.errors and "管理范围以外" in report.errors[0].message


def test_files_that_are_not_the_template(tree):
    assert "无法读取文件" in import_file(b"not a workbook", tree.town_a).file_error
    missing = import_file(xlsx([["x"]], headers=["姓名"]), tree.town_a).file_error
    assert "缺少必填列" in missing and "网格编码" in missing


def test_template_download(client, tree):
    client.login("info_officer")
    response = client.get("/people/xlsx/template.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.data)).worksheets[0]
    assert [c.value for c in sheet[1]] == HEADERS


def test_upload_report_then_import_the_good_rows(client, tree, good_rows):
    client.login("village_admin")
    bad = good_rows + [["999999", "104", "无", "", "无网格", "户主", "", "", "", "", ""]]
    response = client.post("/people/xlsx/import", data={"file": (BytesIO(xlsx(bad)), "r.xlsx")},
                           content_type="multipart/form-data")
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "没有写入任何数据" in text and "没有编码为 999999 的网格" in text
    assert db.session.scalar(db.select(Resident).filter_by(name="王大山")) is None
    import re

    token = re.search(r"/people/xlsx/import/([\w-]+)", text).group(1)
    client.logout()
    client.login("town_admin")  # someone else cannot use this upload
    other = client.post(f"/people/xlsx/import/{token}")
    assert other.status_code == 302
    assert db.session.scalar(db.select(Resident).filter_by(name="王大山")) is None
    client.logout()
    client.login("village_admin")
    done = client.post(f"/people/xlsx/import/{token}")
    assert done.status_code == 200 and "已导入" in done.get_data(as_text=True)
    assert db.session.scalar(db.select(Resident).filter_by(name="王大山")) is not None


def test_upload_errors_next_to_the_field(client, tree):
    client.login("village_admin")
    response = client.post("/people/xlsx/import", data={"file": (BytesIO(b"x"), "r.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "只能导入 .xlsx 文件" in response.get_data(as_text=True)


def test_cli_import(runner, tree, good_rows, tmp_path):
    path = tmp_path / "residents.xlsx"
    path.write_bytes(xlsx(good_rows + [["999999", "1", "无", "", "x", "户主", "", "", "", "", ""]]))
    refused = runner.invoke(args=["import", "residents", str(path)])
    assert refused.exit_code != 0 and "nothing was written" in refused.output
    assert db.session.scalar(db.select(Resident).filter_by(name="王大山")) is None
    done = runner.invoke(args=["import", "residents", str(path), "--good-rows-only"])
    assert done.exit_code == 0, done.output
    assert "residents +3" in done.output


def test_export_masks_unless_asked_and_allowed(client, tree):
    client.login("town_admin")
    masked = load_workbook(BytesIO(client.get("/people/xlsx/export/residents.xlsx").data))
    values = [c.value for row in masked.worksheets[0].iter_rows() for c in row]
    assert "430624********0013" in values and "430624195001010013" not in values
    assert "陈二" not in values  # town B is outside the scope
    full = load_workbook(BytesIO(client.get("/people/xlsx/export/residents.xlsx?unmasked=1").data))
    values = [c.value for row in full.worksheets[0].iter_rows() for c in row]
    assert "430624195001010013" in values
    assert db.session.scalar(db.select(AuditEntry).filter_by(action="people.export_unmasked"))
    for kind in ("households", "visits-due"):
        assert client.get(f"/people/xlsx/export/{kind}.xlsx").status_code == 200
    assert client.get("/people/xlsx/export/other.xlsx").status_code == 404


def test_an_unmasked_export_reimports_without_changes(client, tree):
    client.login("town_admin")
    data = client.get("/people/xlsx/export/residents.xlsx?unmasked=1").data
    before = (_count(Household), _count(Resident))
    report = import_file(data, tree.town_a)
    db.session.commit()
    assert not report.errors, report.errors
    assert report.residents_created == 0 and report.households_created == 0
    assert (_count(Household), _count(Resident)) == before


def test_import_puts_households_in_houses(tree, good_rows):
    from portal.people.models import House

    import_file(xlsx(good_rows), tree.town_a)
    db.session.commit()
    wang = db.session.scalar(db.select(Resident).filter_by(name="王大山"))
    house = db.session.get(House, wang.household.house_id)
    assert house.address == "城西路101号" and house.grid_id == tree.grid_a2.id


def test_an_english_user_imports_the_chinese_template(client, tree, good_rows):
    client.post("/language", data={"lang": "en"})
    client.login("village_admin")
    response = client.post("/people/xlsx/import", data={"file": (BytesIO(xlsx(good_rows)), "r.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    assert db.session.scalar(db.select(Resident).filter_by(name="王大山")).relation == "head"
    exported = load_workbook(BytesIO(client.get("/people/xlsx/export/residents.xlsx").data))
    assert "户主" in [c.value for row in exported.worksheets[0].iter_rows() for c in row]


# ---------------------------------------------------------------- ceilings, checked while reading

import os  # noqa: E402
import re  # noqa: E402
import time  # noqa: E402
import zipfile  # noqa: E402
from xml.sax.saxutils import escape  # noqa: E402

from openpyxl.utils import get_column_letter  # noqa: E402

from portal.people import transfer  # noqa: E402


def _sheet_xml(rows, dimension=None) -> bytes:
    """A worksheet part with inline strings; ``rows`` are (row number, values)."""
    parts = []
    for number, values in rows:
        cells = "".join(
            f'<c r="{get_column_letter(col)}{number}" t="inlineStr"><is><t>{escape(str(v))}</t>'
            f'</is></c>' for col, v in enumerate(values, start=1) if v not in (None, ""))
        parts.append(f'<row r="{number}">{cells}</row>')
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{dim}'
            f'<sheetData>{"".join(parts)}</sheetData></worksheet>').encode()


def _with_sheet(sheet_xml: bytes, extra: dict | None = None) -> bytes:
    """An .xlsx made by openpyxl whose first sheet is replaced by ``sheet_xml``."""
    source = zipfile.ZipFile(BytesIO(xlsx([])))
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = sheet_xml if info.filename == "xl/worksheets/sheet1.xml" \
                else source.read(info)
            target.writestr(info.filename, content)
        for name, content in (extra or {}).items():
            target.writestr(name, content)
    return out.getvalue()


def _numbered(rows, first=2):
    return [(1, HEADERS)] + [(first + n, row) for n, row in enumerate(rows)]


def _many(tree, n):
    return [[tree.grid_a2.code, str(100 + i), f"城西路{i}号", "", f"居民{i}", "户主", "", "",
             "", "", ""] for i in range(n)]


def test_the_row_ceiling_refuses_while_streaming_before_any_row_is_validated(
        app, tree, monkeypatch):
    app.config["IMPORT_MAX_ROWS"] = 100
    monkeypatch.setattr(transfer, "validate", lambda *a, **k: pytest.fail("rows were validated"))
    streamed = []
    real = transfer.capped_rows

    def counting(sheet):
        for values in real(sheet):
            streamed.append(values)
            yield values

    monkeypatch.setattr(transfer, "capped_rows", counting)
    report = import_file(xlsx(_many(tree, 300)), tree.town_a)
    assert "100行的上限" in report.file_error
    assert len(streamed) == 101  # the header and the ceiling's rows: no further
    assert _count(Resident) == 6


def test_the_declared_dimension_is_not_trusted(app, tree, good_rows):
    # the sheet claims two rows and holds four: all four are read
    report = import_file(_with_sheet(_sheet_xml(_numbered(good_rows), dimension="A1:K2")),
                         tree.town_a)
    assert report.file_error is None and report.residents_created == 3
    app.config["IMPORT_MAX_ROWS"] = 100
    report = import_file(_with_sheet(_sheet_xml(_numbered(_many(tree, 300)),
                                                dimension="A1:K2")), tree.town_a)
    assert "100行的上限" in report.file_error


def test_a_jump_to_row_a_million_is_refused_at_once(tree, good_rows):
    rows = _numbered(good_rows) + [(1_048_576, good_rows[0])]
    started = time.monotonic()
    report = import_file(_with_sheet(_sheet_xml(rows, dimension="A1:XFD1048576")), tree.town_a)
    assert "行的上限" in report.file_error
    assert time.monotonic() - started < 10
    assert _count(Resident) == 6


def test_a_cell_in_the_last_column_does_not_widen_every_row(tree, good_rows):
    rows = [(1, HEADERS)] + [(2 + n, row) for n, row in enumerate(good_rows)]
    xml = _sheet_xml(rows).replace(b"</row>", b'<c r="XFD1" t="inlineStr"><is><t>x</t></is></c>'
                                   b"</row>", 1)
    values = list(transfer.capped_rows(transfer.open_sheet(_with_sheet(xml))[1]))
    assert max(len(v) for v in values) <= 64
    assert import_file(_with_sheet(xml), tree.town_a).residents_created == 3


def test_the_size_ceiling(app, client, runner, tree, tmp_path):
    data = xlsx(_many(tree, 400))
    app.config["IMPORT_MAX_BYTES"] = len(data) - 1
    assert "MB 的上限" in import_file(data, tree.town_a).file_error
    client.login("village_admin")
    response = client.post("/people/xlsx/import", data={"file": (BytesIO(data), "r.xlsx")},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'id="file-errors"><li>[^<]*MB 的上限', page)  # next to the field
    path = tmp_path / "big.xlsx"
    path.write_bytes(data)
    refused = runner.invoke(args=["import", "residents", str(path)])
    assert refused.exit_code != 0 and "MB 的上限" in refused.output
    assert _count(Resident) == 6


def test_the_row_ceiling_on_the_form_and_the_command_line(app, client, runner, tree, tmp_path):
    app.config["IMPORT_MAX_ROWS"] = 10
    data = xlsx(_many(tree, 30))
    client.login("village_admin")
    response = client.post("/people/xlsx/import", data={"file": (BytesIO(data), "r.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert re.search(r'id="file-errors"><li>[^<]*10行的上限', response.get_data(as_text=True))
    path = tmp_path / "long.xlsx"
    path.write_bytes(data)
    refused = runner.invoke(args=["import", "residents", str(path)])
    assert refused.exit_code != 0 and "10行的上限" in refused.output


def test_a_zip_bomb_is_refused_from_the_zip_directory(app, tree):
    app.config["IMPORT_MAX_UNCOMPRESSED_BYTES"] = 1024 * 1024
    bomb = _with_sheet(_sheet_xml([(1, HEADERS)]),
                       extra={"xl/sharedStrings2.xml": b"<a>" + b" " * (5 * 1024 * 1024)})
    assert len(bomb) < 64 * 1024
    assert "解压后超过" in import_file(bomb, tree.town_a).file_error


def test_a_zip_that_lies_about_its_sizes_cannot_unpack_more(app, tree, good_rows):
    """The directory says the sheet is 1,000 bytes; it inflates to megabytes. zipfile stops at
    the declared size and the CRC check fails: an unreadable file, not a flood."""
    sheet = _sheet_xml(_numbered(good_rows * 20_000))
    honest = _with_sheet(sheet)
    info = next(i for i in zipfile.ZipFile(BytesIO(honest)).infolist()
                if i.filename == "xl/worksheets/sheet1.xml")
    lying = bytearray(honest)
    true_size = info.file_size.to_bytes(4, "little")
    for position in [m.start() for m in re.finditer(re.escape(true_size), bytes(lying))]:
        lying[position:position + 4] = (1000).to_bytes(4, "little")
    assert zipfile.ZipFile(BytesIO(bytes(lying))).getinfo(
        "xl/worksheets/sheet1.xml").file_size == 1000
    report = import_file(bytes(lying), tree.town_a)
    assert "无法读取文件" in report.file_error
    assert _count(Resident) == 6


def test_a_pending_upload_expires(app, client, tree, good_rows):
    client.login("village_admin")
    bad = good_rows + [["999999", "104", "无", "", "无网格", "户主", "", "", "", "", ""]]
    response = client.post("/people/xlsx/import", data={"file": (BytesIO(xlsx(bad)), "r.xlsx")},
                           content_type="multipart/form-data")
    token = re.search(r"/people/xlsx/import/([\w-]+)", response.get_data(as_text=True)).group(1)
    [pending] = (Path(app.instance_path) / "uploads" / "imports").iterdir()
    old = time.time() - app.config["IMPORT_PENDING_SECONDS"] - 60
    os.utime(pending, (old, old))
    expired = client.post(f"/people/xlsx/import/{token}", follow_redirects=True)
    assert "已作废" in expired.get_data(as_text=True)
    assert not pending.exists()
    assert db.session.scalar(db.select(Resident).filter_by(name="王大山")) is None
