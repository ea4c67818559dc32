"""The household file (一户一档): one page, and its printed A4 copy, with the household's members
(numbers masked), house, visits, cases, key-person flags for those allowed, and each module's
part where the module is on in the household's town."""
from datetime import date

import pytest

from portal.audit.models import AuditEntry
from portal.cases.services import report
from portal.documents.testing import pdf_words
from portal.extensions import db
from portal.modules.services import set_module
from portal.people.models import KeyPerson
from portal.people.services import add_household, add_resident
from portal.people.visits import record_visit
from portal.plugin_testing import needs_plugin

FULL_ID, MASKED_ID = "430624195001010013", "430624********0013"
FULL_PHONE, MASKED_PHONE = "13812345678", "138****5678"


def _page(client, household) -> str:
    answer = client.get(f"/people/households/{household.id}")
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def _pdf(client, household) -> str:
    answer = client.get(f"/documents/household_file/{household.id}.pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    return pdf_words(answer)


@pytest.fixture
def filed(tree):
    """Household 城西路1号 with a visit, a case and a key person (张三丰)."""
    household = tree.household_a
    record_visit(household, tree.users["grid_worker"], date(2025, 3, 1), "家中老人身体好")
    report(tree.grid_a1, category="hazard", title="院墙开裂", description="墙裂了",
           source="patrol", reporter=tree.users["grid_worker"], household=household)
    db.session.add(KeyPerson(resident_id=tree.resident_a.id, category="petitioner"))
    db.session.commit()
    return tree


def test_the_page_shows_members_house_visits_and_cases_with_masked_numbers(client, filed):
    client.login("town_admin")
    page = _page(client, filed.household_a)
    for text in ("张三丰", "李秀英", MASKED_ID, MASKED_PHONE, "网格", filed.grid_a1.code,
                 "家中老人身体好", "院墙开裂", "打印一户一档(PDF)"):
        assert text in page, text
    assert FULL_ID not in page and FULL_PHONE not in page


def test_key_person_flags_only_for_those_allowed_and_their_sight_is_audited(client, filed):
    client.login("grid_worker")  # people.view without people.key_persons
    page = _page(client, filed.household_a)
    assert "重点人员" not in page and "信访人员" not in page
    client.logout()
    client.login("town_admin")
    assert "信访人员" in _page(client, filed.household_a)
    seen = db.session.scalars(db.select(AuditEntry).filter_by(
        action="keyperson.view_list", object_type="Household",
        object_id=str(filed.household_a.id))).all()
    assert len(seen) == 1


def test_cases_are_left_out_for_those_who_may_not_read_cases(client, filed):
    from portal.permissions import can

    client.login("grid_worker")
    page = _page(client, filed.household_a)
    assert ("院墙开裂" in page) == can(filed.users["grid_worker"], "cases.view")


def test_the_latest_ten_visits_and_a_link_to_all(client, tree):
    for day in range(1, 13):
        record_visit(tree.household_a, tree.users["grid_worker"], date(2025, 1, day), f"第{day}次走访")
    db.session.commit()
    client.login("town_admin")
    page = _page(client, tree.household_a)
    assert "第12次走访" in page and "第3次走访" in page and "第2次走访" not in page
    assert "visits=all" in page
    every = client.get(f"/people/households/{tree.household_a.id}?visits=all").get_data(
        as_text=True)
    assert "第1次走访" in every and "第2次走访" in every


def test_another_towns_household_is_a_404_on_the_page_and_in_print(client, tree):
    client.login("town_admin")
    assert client.get(f"/people/households/{tree.household_b.id}").status_code == 404
    assert client.get(f"/documents/household_file/{tree.household_b.id}.pdf").status_code == 404


def test_the_printed_file_masks_as_the_page_and_is_audited(client, filed):
    client.login("town_admin")
    words = _pdf(client, filed.household_a)
    for text in ("一户一档", "张三丰", MASKED_ID, MASKED_PHONE, "家中老人身体好", "院墙开裂",
                 "信访人员"):
        assert text in words, text
    assert FULL_ID not in words and FULL_PHONE not in words
    assert db.session.scalar(db.select(AuditEntry.id).filter_by(action="documents.print",
                                                                object_type="Household"))


def test_the_printed_file_keeps_key_persons_from_those_not_allowed(client, filed):
    client.login("grid_worker")
    words = _pdf(client, filed.household_a)
    assert "张三丰" in words and "信访人员" not in words and "重点人员" not in words


def test_the_page_reads_a_fixed_number_of_statements_however_big_the_household(client, tree):
    from tests.test_query_counts import _statements

    household = add_household(tree.grid_a1, "城西路9号")
    db.session.commit()
    client.login("town_admin")

    def grow(n):
        for i in range(n):
            resident = add_resident(household, f"成员{n}{i}", relation="child",
                                    care=["disabled"] if i % 2 else [])
            db.session.add(KeyPerson(resident_id=resident.id, category="petitioner"))
            record_visit(household, tree.users["grid_worker"], date(2025, 2, 1 + i), f"走访{i}")
            report(tree.grid_a1, category="hazard", title=f"事件{n}{i}", description="d",
                   source="patrol", reporter=tree.users["town_admin"], household=household)
        db.session.commit()

    grow(11)  # past the ten visits shown: their count is asked for from here on
    few = _statements(client, f"/people/households/{household.id}")
    grow(8)
    many = _statements(client, f"/people/households/{household.id}")
    assert many == few, f"{few} statements for a small household, {many} for a bigger one"


# ---------------------------------------------------------------- the modules' parts


@pytest.fixture
def modules(tree, points, vol, aid, assoc):
    """Every module with a part on in town A, with records for 城西路1号: its points account,
    张三丰 a volunteer paired with the household, its mutual-aid group, two memberships."""
    from plugins.volunteers import services

    services.create_pairing(vol.other, tree.household_a, need="poor", visit_days=30, notes=None)
    db.session.commit()
    tree.points_account = points.account_a
    return tree


MODULE_PARTS = {"points": ("积分", "60"), "volunteers": ("志愿服务", "结对帮扶"),
                "mutual_aid": ("互助组", "城西一组"), "associations": ("协会", "平安乡村协会")}


@needs_plugin("points", "volunteers", "mutual_aid", "associations")
def test_each_modules_part_on_the_page_and_in_print(client, modules):
    client.login("town_admin")
    page = _page(client, modules.household_a)
    words = _pdf(client, modules.household_a)
    for module, texts in MODULE_PARTS.items():
        for text in texts:
            assert text in page, (module, text)
            assert text in words, (module, text)
    assert "张三丰" in page and "王小明" in page  # the volunteer and the paired volunteer
    assert f"/points/accounts/{modules.points_account.id}" in page  # its statement


@needs_plugin("points", "volunteers", "mutual_aid", "associations")
def test_a_module_off_in_the_town_leaves_its_part_out(client, modules):
    set_module(modules.town_a, "mutual_aid", False)
    set_module(modules.town_a, "points", False)
    db.session.commit()
    client.login("town_admin")
    page = _page(client, modules.household_a)
    assert "城西一组" not in page and "积分流水" not in page
    assert "平安乡村协会" in page and "结对帮扶" in page  # the others still show


@needs_plugin("points", "volunteers", "mutual_aid", "associations")
def test_a_part_shows_nothing_to_a_user_without_the_modules_permission(app, modules):
    """Every staff role reading households reads the modules too, so the parts are asked
    directly as each user without the module's permission."""
    import importlib

    from portal.permissions import can

    with app.test_request_context():
        for module, permission in (("points", "points.view"), ("volunteers", "volunteers.view"),
                                   ("mutual_aid", "mutual_aid.view"),
                                   ("associations", "associations.view")):
            parts = importlib.import_module(f"plugins.{module}.household_file").parts
            refused = [u for u in modules.users.values() if not can(u, permission)]
            assert refused, module
            for user in refused:
                assert parts(modules.household_a, user) == [], (module, user.username)
            assert parts(modules.household_a, modules.users["town_admin"]), module


def test_a_villages_files_in_one_pdf_made_as_the_asker_sees_them(client, filed):
    """The batch of a village's household files: each household's file, numbers masked, made by
    the worker in the asker's name (the key-person flags only for an asker allowed them, and
    their look audited as theirs)."""
    from portal.documents.models import DocumentBatch
    from portal.documents.testing import pdf_text
    from portal.worker import make_document_batch

    def batch_words(user, node) -> str:
        client.logout()
        client.login(user)
        answer = client.post(f"/documents/household_file/batches/{node.id}")
        assert answer.status_code == 303, answer.get_data(as_text=True)
        made = db.session.scalars(db.select(DocumentBatch).order_by(DocumentBatch.id.desc())
                                  ).first()
        assert make_document_batch(made.id) == "done"
        download = client.get(f"/documents/batches/{made.id}.pdf")
        assert download.status_code == 200
        return "".join(pdf_text(download.data).split())  # a table's cell wraps where it must

    words = batch_words("town_admin", filed.village_a1)
    for text in (filed.household_a.address, filed.household_a2.address, "张三丰", MASKED_ID,
                 "院墙开裂", "信访人员"):
        assert text in words, text
    assert FULL_ID not in words and FULL_PHONE not in words
    seen = db.session.scalars(db.select(AuditEntry).filter_by(action="keyperson.view_list")).all()
    assert [entry.user_id for entry in seen] == [filed.users["town_admin"].id]
    # a grid worker prints their own grid's files, without the flags they may not see
    words = batch_words("grid_worker", filed.grid_a1)
    assert "张三丰" in words and "信访人员" not in words
    # and nothing of another town
    assert client.post(f"/documents/household_file/batches/{filed.village_b1.id}"
                       ).status_code == 404
