"""Placement from coordinates, the town's intake queue (待分派) and Open311 with lat/long,
address_string and service attributes.

The boundaries (longitude, latitude): town A's 第一网格 (grid_a1) is the square 112.00-112.10 ×
28.00-28.10, 第二网格 (grid_a2) the square east of it sharing the edge at 112.10, 工业园
(special_a) a small square inside grid_a1; town B's 荷叶塘 (grid_b1) lies over grid_a2's east
half, so that a point there belongs to a grid of each town.
"""
import json
import xml.etree.ElementTree as ET

import pytest

from portal.audit.models import AuditEntry
from portal.cases import placement
from portal.cases.models import Case
from portal.cases.open311_keys import issue
from portal.cases.services import report_unplaced
from portal.extensions import db
from portal.maps.services import save_drawn

A1 = (28.05, 112.05)       # inside grid_a1 (lat, lon)
A2 = (28.05, 112.15)       # inside grid_a2 (and, in town B, grid_b1)
SPECIAL = (28.015, 112.015)  # inside special_a, itself inside grid_a1
NOWHERE = (28.50, 112.50)  # outside every boundary


def _square(west, south, east, north):
    return json.dumps({"type": "Polygon", "coordinates": [[
        [west, south], [east, south], [east, north], [west, north], [west, south]]]})


@pytest.fixture
def drawn(tree):
    admin = tree.users["county_admin"]
    save_drawn(tree.grid_a1, _square(112.0, 28.0, 112.1, 28.1), admin)
    save_drawn(tree.grid_a2, _square(112.1, 28.0, 112.2, 28.1), admin)
    save_drawn(tree.special_a, _square(112.01, 28.01, 112.02, 28.02), admin)
    save_drawn(tree.grid_b1, _square(112.15, 28.0, 112.25, 28.1), admin)
    db.session.commit()
    return tree


@pytest.fixture
def key(tree):
    _row, secret = issue(tree.town_a, "12345热线")
    db.session.commit()
    return secret


# ------------------------------------------------------------------------------ placement


def test_a_point_inside_a_boundary_is_placed_in_that_grid(app, drawn):
    with app.test_request_context():
        assert placement.place(drawn.town_a, *A1) == drawn.grid_a1
        assert placement.place(drawn.town_a, *A2) == drawn.grid_a2
        # a special grid drawn inside a residential one: the smaller area wins
        assert placement.place(drawn.town_a, *SPECIAL) == drawn.special_a


def test_a_point_outside_every_boundary_or_without_coordinates_is_placed_nowhere(app, drawn):
    with app.test_request_context():
        assert placement.place(drawn.town_a, *NOWHERE) is None
        assert placement.place(drawn.town_a, None, 112.05) is None
        assert placement.place(drawn.town_a, 28.05, None) is None


def test_a_point_on_the_border(app, drawn):
    with app.test_request_context():
        # on the outer edge of grid_a1: covered, so inside
        assert placement.place(drawn.town_a, 28.0, 112.05) == drawn.grid_a1
        # on the edge grid_a1 and grid_a2 share: the same area, the lower code wins, every time
        assert placement.place(drawn.town_a, 28.05, 112.1) == drawn.grid_a1
        # a corner of the town's outline
        assert placement.place(drawn.town_a, 28.1, 112.2) == drawn.grid_a2


def test_two_towns_place_only_into_their_own_grids(app, drawn):
    with app.test_request_context():
        assert placement.place(drawn.town_b, *A2) == drawn.grid_b1
        assert placement.place(drawn.town_a, *A2) == drawn.grid_a2
        assert placement.place(drawn.town_b, *A1) is None  # town A's grid, not town B's


def test_the_index_is_cached_and_sees_an_edited_boundary_and_a_retired_grid(app, drawn):
    from portal.grids.services import retire_grid

    with app.test_request_context():
        first = placement.town_index(drawn.town_a)
        assert placement.town_index(drawn.town_a) is first  # built once
        assert placement.place(drawn.town_a, *NOWHERE) is None
        save_drawn(drawn.grid_a2, _square(112.4, 28.4, 112.6, 28.6), drawn.users["county_admin"])
        db.session.commit()
        assert placement.place(drawn.town_a, *NOWHERE) == drawn.grid_a2  # redrawn: seen
        assert placement.place(drawn.town_a, *A2) is None
        assert placement.town_index(drawn.town_a) is not first
        retire_grid(drawn.grid_a2, drawn.users["county_admin"])
        db.session.commit()
        assert placement.place(drawn.town_a, *NOWHERE) is None  # a retired grid takes nothing


def test_a_town_without_boundaries_places_nothing(app, tree):
    with app.test_request_context():
        assert placement.place(tree.town_a, *A1) is None


# ------------------------------------------------------------------------------ Open311


def _post(client, key, town, **fields):
    data = {"api_key": key, "jurisdiction_id": town.code, "service_code": "hazard",
            "description": "路口井盖丢失", "phone": "13812345678", **fields}
    return client.post("/open311/v2/requests.json", data=data)


def _case(number):
    return db.session.scalar(db.select(Case).filter_by(number=number))


def test_open311_with_only_coordinates_is_placed_in_the_right_grid(client, drawn, key):
    answer = _post(client, key, drawn.town_a, lat=str(A2[0]), long=str(A2[1]))
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()[0]
    case = _case(body["service_request_id"])
    assert case.grid == drawn.grid_a2 and case.level == "grid"
    assert body["address_id"] == drawn.grid_a2.code
    row = client.get(f"/open311/v2/requests/{case.number}.json?jurisdiction_id="
                     f"{drawn.town_a.code}&api_key={key}").get_json()[0]
    assert row["address_id"] == drawn.grid_a2.code and row["lat"] == A2[0]


def test_address_id_still_wins_over_coordinates(client, drawn, key):
    answer = _post(client, key, drawn.town_a, address_id=drawn.grid_a1.code,
                   lat=str(A2[0]), long=str(A2[1]))
    assert _case(answer.get_json()[0]["service_request_id"]).grid == drawn.grid_a1


def test_open311_outside_every_boundary_goes_to_intake_and_a_dispatcher_places_it(
        client, drawn, key):
    answer = _post(client, key, drawn.town_a, lat=str(NOWHERE[0]), long=str(NOWHERE[1]),
                   address_string="城郊结合部")
    assert answer.status_code == 201
    case = _case(answer.get_json()[0]["service_request_id"])
    assert case.grid == drawn.town_a and case.level == "town" and case.latitude == NOWHERE[0]
    assert answer.get_json()[0]["address_id"] is None
    row = client.get(f"/open311/v2/requests/{case.number}.xml?jurisdiction_id="
                     f"{drawn.town_a.code}&api_key={key}")
    assert ET.fromstring(row.data).find("request/address_id").text is None

    client.login("town_admin")
    queue = client.get("/cases/intake/").get_data(as_text=True)
    assert case.number in queue and "城郊结合部" in queue and "放入网格" in queue
    # the list, lights and statistics keep working for it
    assert case.number in client.get("/cases/?state=open").get_data(as_text=True)
    assert client.get("/cases/stats").status_code == 200
    assert client.get(f"/cases/{case.id}").status_code == 200

    form = client.get(f"/cases/intake/{case.id}/place").get_data(as_text=True)
    assert "坐标不在本镇任何网格的边界内" in form
    assert drawn.grid_b1.code not in form  # only the town's own grids are offered
    refused = client.post(f"/cases/intake/{case.id}/place", data={"grid": 0})
    assert refused.status_code == 422 and "请选择本镇的基础网格" in refused.get_data(as_text=True)
    other_town = client.post(f"/cases/intake/{case.id}/place", data={"grid": drawn.grid_b1.id})
    assert other_town.status_code == 422
    db.session.expire_all()
    assert _case(case.number).grid == drawn.town_a  # nothing half-written

    done = client.post(f"/cases/intake/{case.id}/place", data={"grid": drawn.grid_a2.id})
    assert done.status_code == 302 and done.location.endswith("/cases/intake/")
    db.session.expire_all()
    case = _case(case.number)
    assert case.grid == drawn.grid_a2 and case.level == "grid"
    assert case.events[-1].action == "place" and "第二网格" in case.events[-1].note
    entry = db.session.scalar(db.select(AuditEntry).filter_by(action="case.place"))
    assert entry.object_id == str(case.id) and entry.scope_code == drawn.grid_a2.code
    assert f"/cases/intake/{case.id}/place" not in client.get("/cases/intake/").get_data(
        as_text=True)
    assert client.get(f"/cases/intake/{case.id}/place").status_code == 404  # placed already
    shown = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "放入网格" in shown  # the timeline names the step
    row = client.get(f"/open311/v2/requests/{case.number}.json?jurisdiction_id="
                     f"{drawn.town_a.code}&api_key={key}").get_json()[0]
    assert row["address_id"] == drawn.grid_a2.code


def test_the_place_form_preselects_the_grid_the_coordinates_suggest(client, drawn):
    with client.application.test_request_context():
        case = report_unplaced(drawn.town_a, category="need", title="建议", description="d",
                               source="open311", reporter_phone="13812345678",
                               latitude=A1[0], longitude=A1[1])
        db.session.commit()
    client.login("town_admin")
    assert "第一网格" in client.get("/cases/intake/").get_data(as_text=True)
    form = client.get(f"/cases/intake/{case.id}/place").get_data(as_text=True)
    assert f'<option selected value="{drawn.grid_a1.id}">' in form and "已为您选中" in form


def test_open311_with_only_an_address_goes_to_intake(client, tree, key):
    answer = _post(client, key, tree.town_a, address_string="文星镇政府对面")
    assert answer.status_code == 201
    case = _case(answer.get_json()[0]["service_request_id"])
    assert case.grid == tree.town_a and case.address == "文星镇政府对面"
    assert case.latitude is None and answer.get_json()[0]["address_id"] is None


def test_open311_without_any_location_is_the_standard_error(client, tree, key):
    for fields in ({}, {"lat": "28.05"}, {"lat": "x", "long": "112"}, {"lat": "95", "long": "1"}):
        answer = _post(client, key, tree.town_a, **fields)
        assert answer.status_code == 400, fields
        error = answer.get_json()[0]
        assert error["code"] == 400 and error["description"]
    missing = _post(client, key, tree.town_a).get_json()[0]["description"]
    assert "address_id" in missing and "lat" in missing and "address_string" in missing
    assert db.session.scalar(db.select(db.func.count()).select_from(Case)) == 0


def test_service_definitions_have_attributes(client, tree, key):
    services = client.get(f"/open311/v2/services.json?jurisdiction_id={tree.town_a.code}"
                          f"&api_key={key}").get_json()
    assert all(s["metadata"] is True for s in services)
    body = client.get(f"/open311/v2/services/hazard.json?jurisdiction_id={tree.town_a.code}"
                      f"&api_key={key}").get_json()
    urgency = next(a for a in body["attributes"] if a["code"] == "urgency")
    assert urgency["datatype"] == "singlevaluelist" and urgency["required"] is False
    assert urgency["variable"] is True and urgency["description"] == "紧急程度"
    assert {v["key"] for v in urgency["values"]} == {"normal", "emergency"}
    assert "major" in {a["code"] for a in body["attributes"]}
    xml = ET.fromstring(client.get(f"/open311/v2/services/hazard.xml?jurisdiction_id="
                                   f"{tree.town_a.code}&api_key={key}").data)
    assert xml.tag == "service_definition"
    codes = [a.find("code").text for a in xml.findall("attributes/attribute")]
    assert codes == ["urgency", "major"]
    assert [v.find("key").text for v in xml.findall("attributes/attribute/values/value")][:2] \
        == ["normal", "emergency"]


def test_attributes_set_the_kind_and_major_and_unknown_values_are_refused(client, tree, key):
    answer = _post(client, key, tree.town_a, address_id=tree.grid_a1.code,
                   **{"attribute[urgency]": "emergency", "attribute[major]": "yes"})
    case = _case(answer.get_json()[0]["service_request_id"])
    assert case.kind == "emergency" and case.level == "town" and case.major
    plain = _post(client, key, tree.town_a, address_id=tree.grid_a1.code,
                  **{"attribute[urgency]": "normal"})
    assert _case(plain.get_json()[0]["service_request_id"]).kind == "general"
    bad = _post(client, key, tree.town_a, address_id=tree.grid_a1.code,
                **{"attribute[urgency]": "panic"})
    assert bad.status_code == 400
    assert "attribute[urgency]" in bad.get_json()[0]["description"]
    assert "normal, emergency" in bad.get_json()[0]["description"]
    unknown = _post(client, key, tree.town_a, address_id=tree.grid_a1.code,
                    **{"attribute[colour]": "red"})
    assert unknown.status_code == 400 and "colour" in unknown.get_json()[0]["description"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Case)) == 2


# ------------------------------------------------------------------------------ tenancy


def test_another_towns_intake_case_is_a_404(client, drawn):
    with client.application.test_request_context():
        case = report_unplaced(drawn.town_a, category="need", title="待分派甲", description="d",
                               source="open311", reporter_phone="13812345678", address="某处")
        db.session.commit()
    client.login("b_town_admin")
    assert "待分派甲" not in client.get("/cases/intake/").get_data(as_text=True)
    assert client.get(f"/cases/intake/{case.id}/place").status_code == 404
    assert client.post(f"/cases/intake/{case.id}/place",
                       data={"grid": drawn.grid_b1.id}).status_code == 404
    client.logout()
    client.login("village_admin")  # a village does not see its town's queue
    assert "待分派甲" not in client.get("/cases/intake/").get_data(as_text=True)
    assert client.get(f"/cases/intake/{case.id}/place").status_code == 404
    db.session.expire_all()
    assert db.session.get(Case, case.id).grid == drawn.town_a
    client.logout()
    client.login("county_admin")
    assert "待分派甲" in client.get("/cases/intake/").get_data(as_text=True)


def test_an_unplaced_case_takes_no_household_and_the_town_only(app, tree):
    from portal.errors import DomainError

    with app.test_request_context():
        with pytest.raises(DomainError):
            report_unplaced(tree.village_a1, category="need", title="t", description="d",
                            source="open311", reporter_phone="13812345678")
        with pytest.raises(DomainError):
            report_unplaced(tree.town_a, category="need", title="t", description="d",
                            source="open311", reporter_phone="13812345678",
                            household=tree.household_a)


# ------------------------------------------------------------------------------ the forms


def _form(**fields):
    return {"category": "hazard", "kind": "general", "title": "路灯坏了", "description": "不亮",
            **fields}


def test_the_case_form_places_an_empty_grid_by_the_coordinates(client, drawn):
    client.login("village_admin")  # village_a1: grid_a1, grid_a2, special_a
    done = client.post("/cases/new", data=_form(grid=0, latitude=A2[0], longitude=A2[1]))
    assert done.status_code == 302
    case = db.session.scalar(db.select(Case).filter_by(title="路灯坏了"))
    assert case.grid == drawn.grid_a2
    # nowhere, or no coordinates: the grid field says so
    for extra in ({"latitude": NOWHERE[0], "longitude": NOWHERE[1]}, {}):
        refused = client.post("/cases/new", data=_form(grid=0, title="又坏了", **extra))
        assert refused.status_code == 422
        assert 'id="grid-errors"' in refused.get_data(as_text=True)
        assert "请选择事件发生的网格" in refused.get_data(as_text=True)


def test_the_case_form_places_only_within_the_users_scope(client, drawn):
    client.login("grid_worker")  # grid_a1 only: a point in grid_a2 is not theirs
    refused = client.post("/cases/new", data=_form(grid=0, latitude=A2[0], longitude=A2[1]))
    assert refused.status_code == 422 and "请选择事件发生的网格" in refused.get_data(as_text=True)
    mine = client.post("/cases/new", data=_form(grid=0, latitude=A1[0], longitude=A1[1]))
    assert mine.status_code == 302
    assert db.session.scalar(db.select(Case)).grid == drawn.grid_a1
    # a chosen grid wins over the coordinates
    client.post("/cases/new", data=_form(grid=drawn.grid_a1.id, title="选定",
                                         latitude=A2[0], longitude=A2[1]))
    assert db.session.scalar(db.select(Case).filter_by(title="选定")).grid == drawn.grid_a1


def test_the_public_form_reports_into_the_grid_the_position_lies_in(client, drawn):
    data = {"category": "need", "title": "路面塌陷", "description": "坑很深",
            "reporter_phone": "13912345678"}
    moved = client.post(f"/g/{drawn.grid_a1.code}/report",
                        data={**data, "latitude": A2[0], "longitude": A2[1]},
                        follow_redirects=True)  # to the receipt (portal/cases/tracking.py)
    assert moved.status_code == 200
    text = moved.get_data(as_text=True)
    assert "您所在的位置属于“第二网格”" in text
    assert db.session.scalar(db.select(Case).filter_by(title="路面塌陷")).grid == drawn.grid_a2
    # its own grid, or a point in no boundary (or another town's grid): the QR code's grid
    for title, point in (("本网格", A1), ("别处", NOWHERE)):
        kept = client.post(f"/g/{drawn.grid_a1.code}/report",
                           data={**data, "title": title, "latitude": point[0],
                                 "longitude": point[1]}, follow_redirects=True)
        assert kept.status_code == 200 and "您所在的位置属于" not in kept.get_data(as_text=True)
        assert db.session.scalar(db.select(Case).filter_by(title=title)).grid == drawn.grid_a1
    b_point = (28.05, 112.24)  # in grid_b1 only
    client.post(f"/g/{drawn.grid_a1.code}/report",
                data={**data, "title": "乙镇", "latitude": b_point[0], "longitude": b_point[1]})
    assert db.session.scalar(db.select(Case).filter_by(title="乙镇")).grid == drawn.grid_a1
