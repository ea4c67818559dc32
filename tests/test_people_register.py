"""A register that stays right: one head per household (forms, import, database, the audited
change of head), an import template that imports nothing unchanged and keeps digits as text, and
登记住户 from a village's list."""
from datetime import date
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy.exc import IntegrityError

from portal.audit.models import AuditEntry
from portal.errors import DomainError
from portal.extensions import db
from portal.people import services
from portal.people.identity import make_id_number
from portal.people.models import Household, Resident
from portal.people.transfer import import_file
from tests.test_people_import import HEADERS, xlsx



def ident(n, female=False):
    return make_id_number("430624", date(1980, 1, 1 + n), n, female)


def _count(model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def _heads(household_id):
    return db.session.scalars(db.select(Resident.name).filter_by(
        household_id=household_id, relation="head", left_at=None)).all()


def _selected(html: str, name: str) -> str | None:
    """The value of the selected option of the select ``name`` in a page."""
    import re

    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, name
    chosen = re.search(r'<option[^>]*selected[^>]*value="([^"]*)"|'
                       r'<option[^>]*value="([^"]*)"[^>]*selected', select.group(1))
    return (chosen.group(1) or chosen.group(2)) if chosen else None


# ---------------------------------------------------------------- one head per household


def test_a_new_member_is_not_made_head_by_default(client, tree):
    client.login("grid_worker")
    page = client.get(f"/people/households/{tree.household_a.id}/residents/new")
    assert page.status_code == 200
    assert _selected(page.get_data(as_text=True), "relation") in (None, "")
    # a household without a head offers 户主 for its first member
    empty = services.add_household(tree.grid_a1, "城西路9号")
    db.session.commit()
    first = client.get(f"/people/households/{empty.id}/residents/new").get_data(as_text=True)
    assert _selected(first, "relation") == "head"
    # and a member sent without a relation is refused, not made head
    response = client.post(f"/people/households/{tree.household_a.id}/residents/new",
                           data={"name": "无关系", "residence": "local"})
    assert response.status_code == 422 and "请选择与户主的关系" in response.get_data(as_text=True)


def test_a_second_head_is_refused_next_to_the_field(client, tree):
    client.login("grid_worker")
    before = _count(Resident)
    response = client.post(f"/people/households/{tree.household_a.id}/residents/new",
                           data={"name": "第二户主", "relation": "head", "residence": "local"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="relation-errors"' in html and "已有户主张三丰" in html and "更换户主" in html
    assert _count(Resident) == before
    # editing the spouse into a head is refused too
    li = db.session.scalar(db.select(Resident).filter_by(name="李秀英"))
    edit = client.post(f"/people/residents/{li.id}/edit",
                       data={"name": "李秀英", "relation": "head", "residence": "local"})
    assert edit.status_code == 422 and "已有户主张三丰" in edit.get_data(as_text=True)
    db.session.expire_all()
    assert _heads(tree.household_a.id) == ["张三丰"]
    # the head may still edit their own record as head
    zhang = tree.resident_a
    services.update_resident(zhang, name="张三丰", relation="head")


def test_services_refuse_a_second_head_and_default_later_members_to_other(tree):
    with pytest.raises(DomainError) as refused:
        services.add_resident(tree.household_a, "又一户主", relation="head")
    assert refused.value.field == "relation"
    db.session.rollback()
    later = services.add_resident(tree.household_a, "后来的")  # no relation given
    assert later.relation == "other"
    with pytest.raises(DomainError):
        services.move_resident(db.session.get(Resident, later.id), tree.household_a2, "head")
    db.session.rollback()
    # a head who has left is no longer the head: a new one may be registered
    services.mark_left(tree.resident_a, "deceased")
    db.session.flush()
    services.add_resident(tree.household_a, "新户主", relation="head")
    db.session.commit()
    assert _heads(tree.household_a.id) == ["新户主"]


def test_the_database_refuses_a_second_current_head(tree):
    db.session.add(Resident(household_id=tree.household_a.id, grid_id=tree.grid_a1.id,
                            name="绕过服务", relation="head"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    # one who has left does not count
    db.session.add(Resident(household_id=tree.household_a.id, grid_id=tree.grid_a1.id,
                            name="已故户主", relation="head", left_at=date(2020, 1, 1)))
    db.session.commit()


def test_changing_the_head_is_one_audited_step(client, tree):
    client.login("grid_worker")
    household = tree.household_a
    page = client.get(f"/people/households/{household.id}").get_data(as_text=True)
    assert f"/people/households/{household.id}/head" in page and "更换户主" in page
    form = client.get(f"/people/households/{household.id}/head")
    assert form.status_code == 200 and "李秀英" in form.get_data(as_text=True)
    li = db.session.scalar(db.select(Resident).filter_by(name="李秀英"))
    # what the old head becomes must be chosen
    missing = client.post(f"/people/households/{household.id}/head",
                          data={"resident": li.id, "old_relation": ""})
    assert missing.status_code == 422
    assert "请选择原户主张三丰改为什么关系" in missing.get_data(as_text=True)
    assert _heads(household.id) == ["张三丰"]
    done = client.post(f"/people/households/{household.id}/head",
                       data={"resident": li.id, "old_relation": "spouse"})
    assert done.status_code == 302
    db.session.expire_all()
    assert _heads(household.id) == ["李秀英"]
    assert db.session.get(Resident, tree.resident_a.id).relation == "spouse"
    entry = db.session.scalar(db.select(AuditEntry).filter_by(action="household.change_head"))
    assert entry.user_id == tree.users["grid_worker"].id
    assert entry.detail_dict["new_head_name"] == "李秀英"
    assert entry.detail_dict["old_head_name"] == "张三丰"
    assert entry.detail_dict["old_head_now"] == "spouse"
    # the head cannot be chosen again, nor someone of another household
    other = db.session.scalar(db.select(Resident).filter_by(name="王小明"))
    refused = client.post(f"/people/households/{household.id}/head",
                          data={"resident": other.id, "old_relation": "spouse"})
    assert refused.status_code == 422
    assert _heads(household.id) == ["李秀英"]


def test_another_towns_household_head_is_404(client, tree):
    client.login("town_admin")
    assert client.get(f"/people/households/{tree.household_b.id}/head").status_code == 404


# ---------------------------------------------------------------- the import and heads


def test_the_import_refuses_a_second_head_in_the_file(tree):
    code = tree.grid_a2.code
    rows = [[code, "301", "城西路301号", "", "甲户主", "户主", ident(1), "", "", "", ""],
            [code, "301", "城西路301号", "", "乙户主", "户主", ident(2), "", "", "", ""]]
    before = _count(Resident)
    report = import_file(xlsx(rows), tree.town_a)
    assert not report.written and _count(Resident) == before
    assert [(e.row, e.column) for e in report.errors] == [(3, "与户主关系")]
    assert "与第2行同为这一户的户主" in report.errors[0].message


def test_the_import_refuses_a_second_head_beside_a_registered_one(tree):
    rows = [[tree.grid_a1.code, "001", "城西路1号", "黄", "新来的户主", "户主", ident(3), "",
             "", "", ""]]
    report = import_file(xlsx(rows), tree.town_a)
    assert not report.written
    assert report.errors[0].row == 2 and "已有户主张三丰" in report.errors[0].message
    # with only the good rows asked for, the row is skipped and the head stays
    report = import_file(xlsx(rows), tree.town_a, good_rows_only=True)
    db.session.commit()
    assert report.bad_rows == 1 and _heads(tree.household_a.id) == ["张三丰"]


def test_the_import_may_swap_the_head_in_one_file(tree):
    """The old head's row steps down and another steps up: written in that order, so the
    database never holds two heads (PostgreSQL checks the unique index row by row)."""
    code = tree.grid_a1.code
    rows = [[code, "001", "城西路1号", "黄", "李秀英", "户主", "", "", "", "", ""],
            [code, "001", "城西路1号", "黄", "张三丰", "配偶", tree.resident_a.id_number,
             "13812345678", "", "是", "独居老人"]]
    report = import_file(xlsx(rows), tree.town_a)
    db.session.commit()
    assert not report.errors and report.residents_updated == 2
    assert _heads(tree.household_a.id) == ["李秀英"]


def test_a_refused_row_keeps_the_head_it_would_have_changed(tree):
    """The old head's row has an error elsewhere: it will not be written, so the new head's
    row is refused too (otherwise the good rows would make two heads)."""
    code = tree.grid_a1.code
    rows = [[code, "001", "城西路1号", "黄", "李秀英", "户主", "", "", "", "", ""],
            [code, "001", "城西路1号", "黄", "张三丰", "配偶", tree.resident_a.id_number,
             "12345", "", "", ""]]
    report = import_file(xlsx(rows), tree.town_a, good_rows_only=True)
    db.session.commit()
    assert {e.row for e in report.errors} == {2, 3}
    assert _heads(tree.household_a.id) == ["张三丰"]


# ---------------------------------------------------------------- the template


def _template(client) -> bytes:
    response = client.get("/people/xlsx/template.xlsx")
    assert response.status_code == 200
    return response.data


def test_an_unchanged_template_imports_nothing(client, tree):
    client.login("info_officer")
    data = _template(client)
    address = tree.household_a.address
    before = (_count(Household), _count(Resident))
    response = client.post("/people/xlsx/import", data={"file": (BytesIO(data), "t.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "模板中没有数据" in response.get_data(as_text=True)
    db.session.expire_all()
    assert (_count(Household), _count(Resident)) == before
    assert db.session.get(Household, tree.household_a.id).address == address


def test_the_examples_are_on_the_instructions_sheet_only(client, tree):
    client.login("info_officer")
    workbook = load_workbook(BytesIO(_template(client)))
    data = workbook.worksheets[0]
    assert data.title == "居民导入" and data.max_row == 1
    assert [c.value for c in data[1]] == HEADERS
    notes = [row for row in workbook["说明"].values]
    assert any(row[4] == "张三丰" and row[6] == "430624195001010013" for row in notes)
    # a filled template: the rows under the header are imported, the examples are not
    data.append([tree.grid_a2.code, "401", "城西路401号", "", "填写人", "户主", ident(4), "",
                 "户籍常住", "否", ""])
    out = BytesIO()
    workbook.save(out)
    before = _count(Resident)
    report = import_file(out.getvalue(), tree.town_a)
    db.session.commit()
    assert not report.errors and report.residents_created == 1 and _count(Resident) == before + 1
    assert db.session.scalar(db.select(db.func.count()).select_from(Resident)
                             .filter_by(name="李秀英")) == 1


def test_the_template_keeps_digits_as_text_and_offers_the_closed_lists(client, tree):
    client.login("info_officer")
    workbook = load_workbook(BytesIO(_template(client)))
    sheet = workbook.worksheets[0]
    letter = {header: chr(ord("A") + n) for n, header in enumerate(HEADERS)}
    for header in ("网格编码", "户编号", "身份证号", "手机号"):
        assert sheet.column_dimensions[letter[header]].number_format == "@", header
    assert sheet.column_dimensions[letter["姓名"]].number_format == "General"
    lists = workbook["选项"]
    assert lists.sheet_state == "hidden"
    rules = {}
    for rule in sheet.data_validations.dataValidation:
        assert rule.type == "list"
        column = str(rule.sqref).split(":")[0].rstrip("0123456789")
        assert str(rule.sqref) == f"{column}2:{column}5001"
        target = rule.formula1.split("!")[1].replace("$", "")
        rules[column] = ([c.value for row in lists[target] for c in row], rule.showErrorMessage)
    assert rules[letter["关注颜色"]] == (["红", "黄", "绿"], True)
    assert rules[letter["与户主关系"]][0][:2] == ["户主", "配偶"]
    assert "户在人不在" in rules[letter["户籍情况"]][0]
    assert rules[letter["党员"]] == (["是", "否"], True)
    assert "独居老人" in rules[letter["关爱类别"]][0]
    assert rules[letter["关爱类别"]][1] is False  # several categories may be typed in one cell


@pytest.mark.parametrize("value", [430624198001020013.0, 430624198001020013, "4.30624E+17"])
def test_an_id_number_excel_made_a_number_gets_its_own_message(tree, value):
    rows = [[tree.grid_a2.code, "501", "城西路501号", "", "科学计数", "户主", value, "", "",
             "", ""]]
    report = import_file(xlsx(rows), tree.town_a)
    assert not report.written
    assert [(e.row, e.column) for e in report.errors] == [(2, "身份证号")]
    assert "Excel 把身份证号存成了数字，请把该列设为文本后重新填写" in report.errors[0].message
    assert "校验位" not in report.errors[0].message


def test_a_phone_excel_made_a_number(tree):
    code = tree.grid_a2.code
    rows = [[code, "601", "城西路601号", "", "座机", "户主", ident(6), 7301234567, "", "", ""],
            [code, "602", "城西路602号", "", "手机", "户主", ident(7), 13700000002, "", "", ""],
            [code, "603", "城西路603号", "", "科学", "户主", ident(8), "1.37E+10", "", "", ""]]
    report = import_file(xlsx(rows), tree.town_a)
    assert {(e.row, e.column) for e in report.errors} == {(2, "手机号"), (4, "手机号")}
    assert all("Excel 把电话号码存成了数字" in e.message for e in report.errors)


def test_the_message_in_english(client, tree):
    client.post("/language", data={"lang": "en"})
    client.login("village_admin")
    rows = [[tree.grid_a2.code, "701", "x", "", "科学计数", "户主", "4.30624E+17", "", "", "", ""]]
    response = client.post("/people/xlsx/import", data={"file": (BytesIO(xlsx(rows)), "r.xlsx")},
                           content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Excel stored the ID number as a number" in html
    empty = client.post("/people/xlsx/import", data={"file": (BytesIO(xlsx([])), "r.xlsx")},
                        content_type="multipart/form-data")
    assert "The template holds no data" in empty.get_data(as_text=True)


# ---------------------------------------------------------------- 登记住户 from a village


def test_a_village_registers_a_household_choosing_the_grid(client, tree):
    client.login("village_admin")
    listing = client.get(f"/people/residents?grid={tree.village_a1.id}").get_data(as_text=True)
    assert f"/people/households/new?grid={tree.village_a1.id}" in listing
    page = client.get(f"/people/households/new?grid={tree.village_a1.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert tree.grid_a1.code in html and tree.special_a.code in html
    assert tree.grid_a3.code not in html and tree.grid_b1.code not in html  # outside the village
    before = _count(Household)
    for outside in (tree.grid_b1, tree.grid_a3):  # another town's, another village's
        refused = client.post(f"/people/households/new?grid={tree.village_a1.id}",
                              data={"grid": outside.id, "address": "外面1号", "colour": ""})
        assert refused.status_code == 422
    unchosen = client.post(f"/people/households/new?grid={tree.village_a1.id}",
                           data={"grid": 0, "address": "没选网格1号", "colour": ""})
    assert unchosen.status_code == 422 and "请选择网格" in unchosen.get_data(as_text=True)
    assert _count(Household) == before
    done = client.post(f"/people/households/new?grid={tree.village_a1.id}",
                       data={"grid": tree.grid_a2.id, "address": "城西路88号", "colour": ""})
    assert done.status_code == 302
    household = db.session.scalar(db.select(Household).filter_by(address="城西路88号"))
    assert household.grid_id == tree.grid_a2.id


def test_a_town_registers_a_household_from_its_residents_list(client, tree):
    client.login("town_admin")
    listing = client.get("/people/residents").get_data(as_text=True)
    assert "登记住户" in listing
    html = client.get("/people/households/new").get_data(as_text=True)
    assert tree.grid_a3.code in html and tree.grid_b1.code not in html
    assert client.get(f"/people/households/new?grid={tree.village_b1.id}").status_code == 404
    done = client.post("/people/households/new", data={"grid": tree.grid_a3.id,
                                                        "address": "凤南一组9号", "colour": ""})
    assert done.status_code == 302


# ---------------------------------------------------------------- the migration


def test_the_migration_keeps_the_earliest_head_and_records_the_change(make_app, app_config):
    import flask_migrate
    from sqlalchemy import inspect, text

    app = make_app(app_config)
    with app.app_context():
        flask_migrate.upgrade(revision="core_0011")
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO grids (id, level, code, name, created_at) VALUES "
                "(1, 'grid', '430624001001001', '第一网格', '2026-01-01')"))
            connection.execute(text(
                "INSERT INTO households (id, grid_id, address, created_at) VALUES "
                "(1, 1, '城西路1号', '2026-01-01')"))
            for rid, name in ((5, "早"), (3, "最早"), (9, "晚")):
                connection.execute(text(
                    "INSERT INTO residents (id, household_id, grid_id, name, relation, residence,"
                    " party_member, created_at) VALUES (:id, 1, 1, :name, 'head', 'local', false,"
                    " '2026-01-01')"), {"id": rid, "name": name})
        flask_migrate.upgrade(revision="core@head")
        rows = dict(db.session.execute(text("SELECT id, relation FROM residents")).all())
        assert rows == {3: "head", 5: "other", 9: "other"}
        changed = db.session.execute(text(
            "SELECT object_id, scope_code FROM audit_log WHERE action = 'resident.update'")).all()
        assert sorted(changed) == [("5", "430624001001001"), ("9", "430624001001001")]
        names = {i["name"] for i in inspect(db.engine).get_indexes("residents")}
        assert "uq_residents_one_head" in names


def test_a_moved_out_household_gets_no_new_head(client, tree):
    services.move_out_household(tree.household_a)
    db.session.commit()
    client.login("grid_worker")
    li = db.session.scalar(db.select(Resident).filter_by(name="李秀英"))
    refused = client.post(f"/people/households/{tree.household_a.id}/head",
                          data={"resident": li.id, "old_relation": "spouse"})
    assert refused.status_code == 422 and "该户已迁出" in refused.get_data(as_text=True)
