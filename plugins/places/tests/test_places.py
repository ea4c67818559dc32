"""Places: registering (and its refusals), the inspection form (pass / fail / n.a., hazards with
the default deadline and photos), a hazard reported as a case once, re-inspection closing or
extending hazards, overdue rectifications, licence marks and the reminder once, scope, and the
contact phone never in full without an audited look."""
import io
from datetime import datetime, timedelta

from PIL import Image
from sqlalchemy import func, select

from plugins.places import reminders, services
from plugins.places.kinds import PASS, checklist
from plugins.places.models import (PlacesHazard, PlacesHazardPhoto, PlacesInspection,
                                   PlacesLicence, PlacesPlace)
from plugins.places.testing import PLACE_PHONE
from portal.audit.models import AuditEntry
from portal.cases.models import Case
from portal.extensions import db
from portal.notifications.models import Notification
from portal.people.masking import mask_phone
from portal.timeutil import local_today, to_utc


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def at_ten(day=None) -> datetime:
    day = day or local_today()
    return to_utc(datetime.combine(day, datetime.min.time()) + timedelta(hours=10))


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (30, 30), "red").save(buffer, "JPEG")
    return buffer.getvalue()


def _form(place, **overrides) -> dict:
    data = {f"r-{item}": PASS for item in checklist(place.kind)}
    data["inspected_on"] = local_today().isoformat()
    data.update(overrides)
    return data


# ---------------------------------------------------------------- registering


def test_registering_a_place_and_its_refusals(client, places):
    tree = places.tree
    client.login("grid_worker")
    before = count(PlacesPlace)
    page = client.get("/places/new").get_data(as_text=True)
    assert "小餐饮" in page and "九小场所" in page and "公厕" in page
    base = {"name": "新开小超市", "kind": "small_store", "grid": tree.grid_a1.id,
            "address": "城西路50号", "registered_on": local_today().isoformat()}
    for bad, field, message in (
            ({"latitude": "95", "longitude": "112.8"}, "latitude", "坐标超出范围"),
            ({"latitude": "28.6"}, "longitude", "纬度和经度要同时填写"),
            ({"contact_phone": "12345"}, "contact_phone", "请输入有效的手机号"),
            ({"grid": tree.grid_b1.id}, "grid", "请选择场所所在的网格"),
            ({"grid": tree.grid_a3.id, "name": "凤南店"}, "grid", "请选择场所所在的网格"),
            ({"kind": "casino"}, "kind", "不是有效的选择"),
            ({"registered_on": (local_today() + timedelta(days=1)).isoformat()}, "registered_on",
             "登记日期不能晚于今天")):
        response = client.post("/places/new", data={**base, **bad})
        body = response.get_data(as_text=True)
        assert response.status_code == 422, bad
        assert f'id="{field}-errors"' in body, (bad, field)
        assert message in body, bad
    assert count(PlacesPlace) == before
    response = client.post("/places/new", data={**base, "latitude": "28.6", "longitude": "112.8",
                                                 "contact_phone": "13900001111"})
    assert response.status_code == 302
    place = db.session.scalar(select(PlacesPlace).filter_by(name="新开小超市"))
    assert place.grid_id == tree.grid_a1.id and place.next_due_on is not None
    entry = db.session.scalar(select(AuditEntry).filter_by(action="places.register",
                                                           object_id=str(place.id)))
    assert entry is not None and "13900001111" not in (entry.detail or "")


def test_a_kind_not_of_the_list_is_refused_in_chinese(client, places):
    client.login("grid_worker")
    response = client.post("/places/new", data={"name": "某店", "kind": "", "grid":
                                                places.tree.grid_a1.id})
    assert response.status_code == 422 and "请选择场所类型" in response.get_data(as_text=True)


def test_editing_keeps_the_phone_unless_a_new_one_is_typed(client, places):
    client.login("grid_worker")
    url = f"/places/{places.place.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert PLACE_PHONE not in page and mask_phone(PLACE_PHONE) in page
    data = {"name": "城西小吃店(新)", "kind": "small_eatery", "grid": places.tree.grid_a1.id,
            "address": "城西路9号", "latitude": "28.61", "longitude": "112.81"}
    assert client.post(url, data=data).status_code == 302
    place = db.session.get(PlacesPlace, places.place.id)
    assert place.name == "城西小吃店(新)" and place.contact_phone == PLACE_PHONE
    assert client.post(url, data={**data, "contact_phone": "13800002222"}).status_code == 302
    assert db.session.get(PlacesPlace, places.place.id).contact_phone == "13800002222"


def test_a_closed_place_is_kept_and_no_longer_due(client, places):
    client.login("grid_worker")
    url = f"/places/{places.place.id}/close"
    too_early = client.post(url, data={"close-on": "2000-01-01"})
    assert too_early.status_code == 422 and "关闭日期应在登记日期和今天之间" in too_early.get_data(
        as_text=True)
    assert client.post(url, data={"close-on": local_today().isoformat()}).status_code == 302
    place = db.session.get(PlacesPlace, places.place.id)
    assert place.closed_on == local_today() and place.next_due_on is None
    assert "城西小吃店" not in client.get("/places/due").get_data(as_text=True).split(
        'id="due-places"')[1]
    assert "城西小吃店" in client.get("/places/?show=closed").get_data(as_text=True)
    assert client.get(f"/places/{place.id}/inspect").status_code == 404


# ---------------------------------------------------------------- the inspection form


def test_an_inspection_saves_pass_fail_na_and_makes_hazards(client, places):
    client.login("grid_worker")
    place = places.place
    url = f"/places/{place.id}/inspect"
    page = client.get(url).get_data(as_text=True)
    assert "灭火器配备且在有效期内" in page and "不适用" in page
    deadline = (local_today() + timedelta(days=3)).isoformat()
    response = client.post(url, data=_form(
        place, **{"r-extinguishers": "fail", "d-extinguishers": "灭火器压力不足",
                  "p-extinguishers": [(io.BytesIO(_jpeg()), "a.jpg")],
                  "r-exits": "fail", "t-exits": deadline, "r-gas": "na"}),
        content_type="multipart/form-data")
    assert response.status_code == 302
    inspection = db.session.scalar(select(PlacesInspection).order_by(PlacesInspection.id.desc()))
    assert inspection.results["gas"] == "na" and inspection.results["wiring"] == "pass"
    hazards = {h.item: h for h in inspection.hazards}
    assert set(hazards) == {"extinguishers", "exits"}
    # the town's default: 7 days from the inspection; a deadline typed wins
    assert hazards["extinguishers"].deadline == local_today() + timedelta(days=7)
    assert hazards["extinguishers"].description == "灭火器压力不足"
    assert len(hazards["extinguishers"].photos) == 1
    assert hazards["exits"].deadline.isoformat() == deadline
    assert hazards["exits"].description == "安全出口和疏散通道畅通"  # the item itself
    place = db.session.get(PlacesPlace, place.id)
    assert place.last_inspected_on == local_today()
    show = client.get(f"/places/{place.id}").get_data(as_text=True)
    assert "灭火器压力不足" in show and "上报事件" in show
    photo = hazards["extinguishers"].photos[0]
    assert client.get(f"/places/hazards/photos/{photo.id}").status_code == 200


def test_bad_inspection_input_is_refused_beside_its_field_and_writes_nothing(client, places):
    client.login("grid_worker")
    place = places.place
    url = f"/places/{place.id}/inspect"
    before = (count(PlacesInspection), count(PlacesHazard), count(PlacesHazardPhoto))
    cases = [
        (_form(place, inspected_on=(local_today() + timedelta(days=1)).isoformat()),
         "inspected_on", "检查日期不能晚于今天"),
        (_form(place, **{"r-gas": "fail", "t-gas": (local_today() - timedelta(days=1))
                         .isoformat()}), "t-gas", "整改期限不能早于检查日期"),
        ({k: v for k, v in _form(place).items() if k != "r-wiring"}, "r-wiring", "请选择检查结果"),
        (_form(place, **{"r-gas": "fail", "p-gas": [(io.BytesIO(b"<script>"), "x.jpg")]}),
         "p-gas", "无法识别的图片文件"),
    ]
    for data, field, message in cases:
        response = client.post(url, data=data, content_type="multipart/form-data")
        body = response.get_data(as_text=True)
        assert response.status_code == 422, field
        assert message in body and f'id="{field}-errors"' in body or (
            field.startswith("r-") and message in body), field
    assert (count(PlacesInspection), count(PlacesHazard), count(PlacesHazardPhoto)) == before


# ---------------------------------------------------------------- hazards and cases


def test_a_hazard_becomes_a_case_once(client, places):
    client.login("grid_worker")
    hazard = places.hazard
    url = f"/places/hazards/{hazard.id}/case"
    first = client.post(url)
    assert first.status_code == 303
    second = client.post(url)
    assert second.status_code == 303
    assert count(Case) == 1
    case = db.session.scalar(select(Case))
    hazard = db.session.get(PlacesHazard, hazard.id)
    assert hazard.case_id == case.id
    assert case.category == "hazard" and case.source == "patrol"
    assert case.grid_id == places.tree.grid_a1.id and "城西小吃店" in case.title
    assert "燃气使用规范" in case.title and case.address == "城西路9号"
    assert (case.latitude, case.longitude) == (28.61, 112.81)
    assert [p.filename for p in case.photos] == [places.photo.filename]
    page = client.get(f"/places/{places.place.id}").get_data(as_text=True)
    assert "已上报为事件" in page
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).filter_by(
        action="places.hazard_case")) == 1


def test_a_hazard_claimed_meanwhile_leaves_no_second_case(places):
    """Two reports at once: this request loaded the hazard unlinked, another linked it before
    this one wrote; the conditional write finds it taken and everything is undone."""
    import pytest
    from sqlalchemy import update

    from portal.cases.services import report
    from portal.errors import DomainError

    worker = places.tree.users["grid_worker"]
    hazard = db.session.get(PlacesHazard, places.hazard.id)
    assert hazard.case_id is None
    other = report(places.tree.grid_a1, category="hazard", title="另一人上报", description="同一隐患",
                   source="patrol", reporter=worker)
    db.session.execute(update(PlacesHazard).where(PlacesHazard.id == hazard.id)
                       .values(case_id=other.id).execution_options(synchronize_session=False))
    db.session.commit()
    hazard.__dict__["case_id"] = None  # what this request read before the other's commit
    with pytest.raises(DomainError):
        services.hazard_to_case(hazard, worker)
    assert count(Case) == 2  # refused at the link, after its case was written: undone below
    db.session.rollback()
    assert count(Case) == 1
    assert db.session.get(PlacesHazard, places.hazard.id).case_id == other.id


def test_a_reinspection_closes_fixed_hazards_and_extends_the_rest(client, places):
    client.login("grid_worker")
    place = places.place
    second = services.inspect(place, inspected_on=local_today() - timedelta(days=3),
                              results={**{i: PASS for i in checklist(place.kind)},
                                       "wiring": "fail"})
    db.session.commit()
    wiring = second.hazards[0]
    url = f"/places/{place.id}/reinspect"
    page = client.get(url).get_data(as_text=True)
    assert "液化气钢瓶无减压阀" in page and "电气线路无私拉乱接" in page
    # still open without a new deadline: refused beside it, nothing written
    refused = client.post(url, data={"inspected_on": local_today().isoformat(),
                                     f"f-{places.hazard.id}": "fixed", f"f-{wiring.id}": "open"})
    assert refused.status_code == 422 and "未整改的隐患请填写新的整改期限" in refused.get_data(
        as_text=True)
    assert db.session.get(PlacesHazard, places.hazard.id).rectified_on is None
    new_deadline = local_today() + timedelta(days=5)
    response = client.post(url, data={"inspected_on": local_today().isoformat(),
                                      f"f-{places.hazard.id}": "fixed", f"f-{wiring.id}": "open",
                                      f"t-{wiring.id}": new_deadline.isoformat()})
    assert response.status_code == 302
    fixed = db.session.get(PlacesHazard, places.hazard.id)
    still = db.session.get(PlacesHazard, wiring.id)
    assert fixed.rectified_on == local_today() and fixed.rectified_by_id is not None
    assert still.rectified_on is None and still.deadline == new_deadline
    # a re-inspection does not move the schedule of regular inspections
    assert db.session.get(PlacesPlace, place.id).last_inspected_on == second.inspected_on


def test_an_overdue_rectification_is_listed_and_on_the_today_list(app, client, places):
    from portal.today import items_for

    client.login("grid_worker")
    # the fixture's hazard: found 35 days ago, the default 7 days: long overdue
    due = client.get("/places/due").get_data(as_text=True)
    assert "整改逾期" in due and "城西小吃店" in due
    with app.test_request_context():
        found = {i.key: i for i in items_for(places.tree.users["grid_worker"])}
        assert found["places.hazards"].count == 1
        assert found["places.inspections"].count == 1  # the eatery, overdue; the toilet is fine
        assert "places.hazards" not in {i.key for i in items_for(places.tree.users["resident"])}
    services.reinspect(places.place, inspected_on=local_today(),
                       outcomes={places.hazard.id: {"fixed": True}})
    db.session.commit()
    assert "城西小吃店" not in client.get("/places/due").get_data(as_text=True).split(
        'id="overdue-hazards"')[1]


# ---------------------------------------------------------------- licences


def test_licence_marks_and_the_reminder_once(client, places):
    town = places.tree.town_a
    client.login("grid_worker")
    listing = client.get("/places/").get_data(as_text=True)
    assert "证照将到期 1" in listing
    show = client.get(f"/places/{places.place.id}").get_data(as_text=True)
    assert "即将到期" in show
    assert reminders.remind(town, at_ten()) == 1
    assert reminders.remind(town, at_ten()) == 0
    row = db.session.scalar(select(Notification).filter_by(event="places_licence_expiring"))
    assert row.user_id == places.tree.users["grid_worker"].id
    assert row.key.startswith(f"places_licence_expiring:{places.licence.id}:"
                              f"{places.licence.expires_on}|")
    assert PLACE_PHONE not in row.body
    # renewed to a new expiry that comes due: told again; an ended licence: never
    places.licence.expires_on = local_today() + timedelta(days=20)
    db.session.commit()
    assert reminders.remind(town, at_ten()) == 1
    services.end_licence(places.licence, local_today())
    db.session.commit()
    places.licence.expires_on = local_today() + timedelta(days=5)
    db.session.commit()
    assert reminders.remind(town, at_ten()) == 0
    early = to_utc(datetime.combine(local_today(), datetime.min.time()) + timedelta(hours=7))
    assert reminders.remind(town, early) == 0


def test_adding_and_ending_a_licence(client, places):
    client.login("grid_worker")
    url = f"/places/{places.place.id}/licences"
    before = count(PlacesLicence)
    assert client.post(url, data={"number": "X"}).status_code == 422
    assert count(PlacesLicence) == before
    expired = (local_today() - timedelta(days=2)).isoformat()
    assert client.post(url, data={"name": "营业执照", "expires_on": expired}).status_code == 302
    assert "证照过期 1" in client.get("/places/").get_data(as_text=True)
    licence = places.licence
    end = client.post(f"/places/licences/{licence.id}/end",
                      data={f"end{licence.id}-on": local_today().isoformat()})
    assert end.status_code == 302
    assert db.session.get(PlacesLicence, licence.id).ended_on == local_today()


# ---------------------------------------------------------------- scope and masking


def test_town_b_sees_nothing_of_town_a(client, places):
    from portal.modules.services import set_module

    set_module(places.tree.town_b, "places", True)
    db.session.commit()
    client.login("b_town_admin")
    for url in (f"/places/{places.place.id}", f"/places/{places.place.id}/inspect",
                f"/places/hazards/photos/{places.photo.id}"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/places/hazards/{places.hazard.id}/case").status_code == 404
    for page in ("/places/", "/places/due", "/places/map", "/"):
        body = client.get(page).get_data(as_text=True)
        assert "城西小吃店" not in body and "城西公厕" not in body, page


def test_a_grid_worker_sees_only_their_grid(client, places):
    tree = places.tree
    client.login("grid_worker")  # grid A1
    listing = client.get("/places/").get_data(as_text=True)
    assert "城西小吃店" in listing and "城西公厕" not in listing
    assert client.get(f"/places/{places.other.id}").status_code == 404
    client.logout()
    client.login("village_admin")
    assert "城西公厕" in client.get("/places/").get_data(as_text=True)
    assert "城西公厕" in client.get(f"/places/?grid={tree.grid_a2.id}").get_data(as_text=True)
    assert "城西小吃店" not in client.get(f"/places/?grid={tree.grid_a2.id}").get_data(as_text=True)
    assert "城西公厕" not in client.get("/places/?group=small").get_data(as_text=True)


def test_the_phone_is_masked_everywhere_and_its_full_look_audited(client, places):
    for user in ("grid_worker", "village_admin", "info_officer", "county_admin"):
        client.logout()
        client.login(user)
        for page in (f"/places/{places.place.id}", "/places/", "/places/due", "/places/map",
                     f"/places/{places.place.id}/edit", f"/places/{places.place.id}/inspect",
                     "/", "/today"):
            body = client.get(page).get_data(as_text=True)
            assert PLACE_PHONE not in body, (user, page)
        assert mask_phone(PLACE_PHONE) in client.get(f"/places/{places.place.id}").get_data(
            as_text=True)
    client.logout()
    client.login("grid_worker")
    revealed = client.post(f"/places/{places.place.id}/phone")
    assert revealed.status_code == 200 and PLACE_PHONE in revealed.get_data(as_text=True)
    entry = db.session.scalar(select(AuditEntry).filter_by(action="places.view_phone"))
    assert entry is not None and entry.object_id == str(places.place.id)
    assert PLACE_PHONE not in (entry.detail or "")
