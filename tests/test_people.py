"""The population register: identifiers, history, masking and audit, scope, search, visits."""
from datetime import date, timedelta

import pytest

from portal.audit.models import AuditEntry
from portal.errors import DomainError
from portal.extensions import db
from portal.people import services
from portal.people.identity import from_id_number, make_id_number, pinyin_keys
from portal.people.models import Household, KeyPerson, Resident
from portal.people.search import search_residents
from portal.people.visits import due_list, interval_for, DEFAULT_VISIT_DAYS, record_visit
from portal.settings import set_setting
from portal.validators import id_number_problem
from portal.timeutil import local_today


# ---------------------------------------------------------------- identifiers


def test_id_number_validator():
    assert id_number_problem("430624195001010013") is None
    assert id_number_problem("11010519491231002X") is None
    assert id_number_problem("11010519491231002x".upper()) is None
    assert id_number_problem("430624195001010014") == "check_digit"
    assert id_number_problem("430624195002300013") == "birth_date"  # 30 February
    assert id_number_problem("430624185001010013") == "birth_date"  # before 1900
    assert id_number_problem("43062419500101001") == "length"
    assert id_number_problem("4306241950010100133") == "length"
    assert id_number_problem("990624195001010013") == "region"
    future = make_id_number("430624", local_today() + timedelta(days=400), 1, False)
    assert id_number_problem(future) == "birth_date"


def test_sex_and_birth_date_come_from_the_id_number():
    assert from_id_number("430624195001010013") == ("M", date(1950, 1, 1))
    assert from_id_number(make_id_number("430624", date(1990, 5, 6), 7, True)) == \
        ("F", date(1990, 5, 6))


def test_pinyin_keys():
    assert pinyin_keys("张三丰") == ("zhangsanfeng", "zsf")


def test_resident_fields_are_derived_and_checked(tree):
    resident = tree.resident_a
    assert resident.sex == "M" and resident.birth_date == date(1950, 1, 1)
    assert resident.name_initials == "zsf" and resident.id_reversed == "310010100591426034"
    with pytest.raises(DomainError) as error:
        services.add_resident(tree.household_a2, "重复", id_number="430624195001010013")
    assert error.value.field == "id_number"
    with pytest.raises(DomainError) as error:
        services.add_resident(tree.household_a2, "坏号", id_number="430624195001010014")
    assert "校验位" in str(error.value)
    with pytest.raises(DomainError) as error:
        services.add_resident(tree.household_a2, "坏电话", phone="12345")
    assert error.value.field == "phone"


def test_households_only_in_live_base_or_special_grids(tree):
    with pytest.raises(DomainError):
        services.add_household(tree.village_a1, "村委会")
    assert services.add_household(tree.special_a, "工业园宿舍1栋").grid_id == tree.special_a.id
    with pytest.raises(DomainError):
        services.add_household(tree.grid_a1, "城西路9号", number="001")  # number taken


# ---------------------------------------------------------------- history


def test_moving_a_household_keeps_history_and_moves_its_members(tree):
    household = tree.household_a
    services.move_household(household, tree.grid_a2)
    db.session.commit()
    assert {m.grid_id for m in household.active_members} == {tree.grid_a2.id}
    entry = db.session.scalar(db.select(AuditEntry).filter_by(action="household.move"))
    assert entry.detail_dict == {"old_grid": tree.grid_a1.code, "new_grid": tree.grid_a2.code}


def test_leaving_and_moving_residents_never_deletes(tree):
    services.mark_left(tree.resident_a, "deceased")
    db.session.commit()
    resident = db.session.get(Resident, tree.resident_a.id)
    assert resident.left_at is not None and resident.left_reason == "deceased"
    with pytest.raises(DomainError):
        services.move_resident(resident, tree.household_a2, "head")
    other = tree.household_a.members[1]
    services.move_resident(other, tree.household_a2, "spouse")
    db.session.commit()
    assert other.household_id == tree.household_a2.id
    assert db.session.scalar(db.select(AuditEntry).filter_by(action="resident.move"))
    services.move_out_household(tree.household_a2)
    db.session.commit()
    assert db.session.get(Household, tree.household_a2.id).moved_out_at is not None
    assert db.session.scalar(db.select(db.func.count()).select_from(Resident)) == 6  # all kept


def test_update_audit_keeps_no_full_identifier(tree):
    services.update_resident(tree.resident_a, phone="13900001111")
    entry = db.session.scalar(db.select(AuditEntry).filter_by(action="resident.update"))
    assert "13900001111" not in entry.detail and "****1111" in entry.detail


# ---------------------------------------------------------------- masking, audit, scope


def test_resident_page_masks_and_reveal_is_audited(client, tree):
    client.login("grid_worker")
    page = client.get(f"/people/residents/{tree.resident_a.id}").get_data(as_text=True)
    assert "430624********0013" in page and "430624195001010013" not in page
    assert "138****5678" in page and "13812345678" not in page
    revealed = client.htmx_post(f"/people/residents/{tree.resident_a.id}/reveal")
    text = revealed.get_data(as_text=True)
    assert "<html" not in text and "430624195001010013" in text and "13812345678" in text
    entry = db.session.scalar(db.select(AuditEntry).filter_by(action="resident.view_sensitive"))
    assert entry.user_id == tree.users["grid_worker"].id
    assert entry.object_id == str(tree.resident_a.id)


def test_roles_without_the_need_cannot_unmask(client, tree):
    for username in ("dept_staff", "resident"):
        client.login(username)
        page = client.get(f"/people/residents/{tree.resident_a.id}").get_data(as_text=True)
        assert "显示完整号码" not in page
        assert client.post(f"/people/residents/{tree.resident_a.id}/reveal").status_code == 403
        assert client.get("/people/xlsx/export/residents.xlsx?unmasked=1").status_code == 403
        client.logout()


def test_search_results_are_masked(client, tree):
    client.login("town_admin")
    fragment = client.htmx_get("/people/?q=zsf").get_data(as_text=True)
    assert "张三丰" in fragment and "430624********0013" in fragment
    assert "430624195001010013" not in fragment


def test_grid_worker_sees_only_their_grid(client, tree):
    other = services.add_household(tree.grid_a2, "城西路20号")
    services.add_resident(other, "隔壁王")
    db.session.commit()
    client.login("grid_worker")
    assert client.get(f"/people/households/{other.id}").status_code == 404
    assert client.get(f"/people/households/{tree.household_a.id}").status_code == 200
    assert "隔壁王" not in client.get("/people/?q=隔壁").get_data(as_text=True)
    assert client.get(f"/people/households?grid={tree.grid_a2.id}").status_code == 404


def test_another_town_is_404(client, tree):
    client.login("b_town_admin")
    assert client.get(f"/people/residents/{tree.resident_a.id}").status_code == 404
    assert client.post(f"/people/residents/{tree.resident_a.id}/leave",
                       data={"reason": "deceased"}).status_code == 404
    assert db.session.get(Resident, tree.resident_a.id).left_at is None


# ---------------------------------------------------------------- search


@pytest.mark.parametrize("query", ["zsf", "ZSF", "zhangsan", "张三", "0013", "195001010013",
                                   "5678", "城西路1"])
def test_search_finds_by_every_key(tree, query):
    assert tree.resident_a in search_residents(tree.county, query)


def test_search_respects_scope_and_leavers(tree):
    assert tree.resident_b not in search_residents(tree.town_a, "陈二")
    assert tree.resident_b in search_residents(tree.county, "0022")
    services.mark_left(tree.resident_a, "moved_away")
    assert tree.resident_a not in search_residents(tree.county, "zsf")
    assert tree.resident_a in search_residents(tree.county, "zsf", include_left=True)


# ---------------------------------------------------------------- pages and forms


def test_register_a_household_and_a_member_through_the_forms(client, tree):
    client.login("grid_worker")
    response = client.post(f"/people/households/new?grid={tree.grid_a1.id}",
                           data={"address": "城西路3号", "number": "003", "colour": "red"})
    assert response.status_code == 302
    household = db.session.scalar(db.select(Household).filter_by(number="003"))
    assert household.colour == "red"
    bad = client.post(f"/people/households/{household.id}/residents/new", data={
        "name": "赵六", "relation": "head", "id_number": "430624195001010014",
        "residence": "local"})
    assert bad.status_code == 422
    assert "身份证号校验位不正确" in bad.get_data(as_text=True)
    good = client.post(f"/people/households/{household.id}/residents/new", data={
        "name": "赵六", "relation": "head", "id_number": make_id_number("430624", date(1960, 3, 3), 5, False),
        "phone": "13700001234", "residence": "local", "care": ["disabled", "in_difficulty"]})
    assert good.status_code == 302
    resident = db.session.scalar(db.select(Resident).filter_by(name="赵六"))
    assert resident.care_categories == ["disabled", "in_difficulty"]
    assert resident.birth_date == date(1960, 3, 3)


def test_pages_render(client, tree):
    client.login("town_admin")
    for url in ("/people/", f"/people/households?grid={tree.grid_a1.id}",
                f"/people/households/{tree.household_a.id}",
                f"/people/residents/{tree.resident_a.id}", "/visits/due?all=1",
                f"/visits/households/{tree.household_a.id}/new", "/visits/rules",
                "/people/xlsx/import"):
        response = client.get(url)
        assert response.status_code == 200, url
    households = client.get(f"/people/households?grid={tree.grid_a1.id}").get_data(as_text=True)
    assert "城西路1号" in households and "城西路2号" in households


# ---------------------------------------------------------------- visits


def test_visit_intervals():
    days = DEFAULT_VISIT_DAYS
    assert interval_for("red", False, days) == 7
    assert interval_for("yellow", False, days) == 15
    assert interval_for("green", False, days) == 30
    assert interval_for(None, False, days) == 182
    assert interval_for(None, True, days) == 30  # a care category imposes monthly visits
    assert interval_for("red", True, days) == 7


def test_due_list_most_urgent_first(tree):
    today = local_today()
    worker = tree.users["grid_worker"]
    record_visit(tree.household_a, worker, today - timedelta(days=20), "一切正常")
    record_visit(tree.household_a2, worker, today - timedelta(days=190), "一切正常")
    db.session.commit()
    rows = due_list(tree.grid_a1)
    # household A: yellow, 15 days, visited 20 days ago → 5 days overdue
    # household A2: ordinary, 182 days, visited 190 days ago → 8 days overdue
    assert [r.household_id for r in rows] == [tree.household_a2.id, tree.household_a.id]
    assert rows[0].overdue_days == 8 and rows[1].overdue_days == 5
    assert rows[1].status == "overdue"
    record_visit(tree.household_a2, worker, today, "已走访")
    db.session.commit()
    assert [r.household_id for r in due_list(tree.grid_a1)] == [tree.household_a.id]


def test_town_settings_change_the_rules(tree):
    worker = tree.users["grid_worker"]
    record_visit(tree.household_a, worker, local_today() - timedelta(days=10), "正常")
    db.session.commit()
    assert tree.household_a.id not in [r.household_id for r in due_list(tree.grid_a1)]
    set_setting(tree.town_a, "people.visit_days", {"yellow": 5})
    db.session.commit()
    assert tree.household_a.id in [r.household_id for r in due_list(tree.grid_a1)]
    # town B keeps the defaults
    assert due_list(tree.grid_b1, only_due=False)[0].interval == 182


def test_visit_form_and_rules_page(client, tree):
    client.login("grid_worker")
    future = client.post(f"/visits/households/{tree.household_a.id}/new", data={
        "visited_on": (local_today() + timedelta(days=1)).isoformat(), "found": "x"})
    assert future.status_code == 422 and "走访日期不能晚于今天" in future.get_data(as_text=True)
    ok = client.post(f"/visits/households/{tree.household_a.id}/new?next=due", data={
        "visited_on": local_today().isoformat(), "found": "老人身体健康", "follow_up": ""})
    assert ok.status_code == 302 and ok.location.endswith("/visits/due")
    client.logout()
    client.login("town_admin")
    saved = client.post("/visits/rules", data={"red": 3, "yellow": 10, "green": 20,
                                                "ordinary": 100, "care": 20})
    assert saved.status_code == 302
    refused = client.post("/visits/rules", data={"red": 0, "yellow": 10, "green": 20,
                                                  "ordinary": 100, "care": 20})
    assert refused.status_code == 422 and "天数应在1到366之间" in refused.get_data(as_text=True)


# ---------------------------------------------------------------- key persons


def test_key_persons_are_invisible_without_the_permission(client, tree):
    client.login("village_admin")
    assert client.get("/key-persons/").status_code == 404
    assert "重点人员" not in client.get("/").get_data(as_text=True)
    assert "列入重点人员" not in client.get(
        f"/people/residents/{tree.resident_a.id}").get_data(as_text=True)


def test_key_person_views_are_audited(client, tree):
    client.login("town_admin")
    assert "重点人员" in client.get("/").get_data(as_text=True)
    response = client.post(f"/key-persons/new/{tree.resident_a.id}", data={
        "category": "petitioner", "light": "red", "control_until": "2030-01-01", "notes": ""})
    assert response.status_code == 302
    entry = db.session.scalar(db.select(KeyPerson))
    client.get(f"/key-persons/{entry.id}")
    client.get("/key-persons/")
    actions = db.session.scalars(db.select(AuditEntry.action).where(
        AuditEntry.action.startswith("keyperson."))).all()
    assert sorted(actions) == ["keyperson.create", "keyperson.view", "keyperson.view_list"]
    client.logout()
    client.login("b_town_admin")
    assert client.get(f"/key-persons/{entry.id}").status_code == 404


def test_key_person_light_turns_green_after_the_control_period(tree):
    entry = KeyPerson(resident=tree.resident_a, category="community_correction", light="red",
                      control_until=local_today() - timedelta(days=1))
    assert entry.current_light == "green"


def test_households_live_in_houses(tree):
    from portal.people.models import House

    flat = services.add_household(tree.grid_a2, "幸福小区3栋201", building="3栋")
    again = services.add_household(tree.grid_a2, "幸福小区3栋201")  # two households, one house
    assert flat.house_id == again.house_id
    assert db.session.get(House, flat.house_id).building == "3栋"
    services.move_household(flat, tree.grid_a3)
    assert db.session.get(House, flat.house_id).grid_id == tree.grid_a3.id
    assert flat.number == "002"  # 001 is taken in the new grid: the next free number
    services.update_household(again, building="4栋", address="幸福小区4栋101")
    assert again.house.building == "4栋" and again.house.address == "幸福小区4栋101"


def test_due_summary_per_grid_for_a_village(client, tree):
    from portal.people.visits import record_visit

    record_visit(tree.household_a, tree.users["grid_worker"], local_today() - timedelta(days=40),
                 "正常")
    db.session.commit()
    client.login("village_admin")
    page = client.get("/visits/due").get_data(as_text=True)
    assert 'due-summary' in page and "第一网格" in page


def test_only_some_care_categories_impose_monthly_visits(tree):
    veteran = services.add_household(tree.grid_a2, "城西路30号")
    services.add_resident(veteran, "老兵", care=["veteran"])
    alone = services.add_household(tree.grid_a2, "城西路31号")
    services.add_resident(alone, "独居", care=["elderly_alone"])
    db.session.commit()
    intervals = {r.household_id: r.interval for r in due_list(tree.grid_a2, only_due=False)}
    assert intervals[veteran.id] == 182 and intervals[alone.id] == 30
