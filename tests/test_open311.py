"""Open311 GeoReport v2, checked with a client library from PyPI (georeport) where it can be."""
import xml.etree.ElementTree as ET

import pytest
import requests
from georeport import GeoReport

from portal.cases.models import Case
from portal.cases.open311_keys import issue, revoke
from portal.extensions import db


@pytest.fixture
def key(tree):
    _row, key = issue(tree.town_a, "12345热线")
    db.session.commit()
    return key


def test_a_client_lists_services_posts_a_request_and_reads_it_back(live_server, tree, key):
    base = f"{live_server}/open311/v2"
    client = GeoReport(base, jurisdiction=tree.town_a.code, api_key=key)
    # the library sends no api_key with a GET: it is an anonymous client, shown the town's
    # public categories only (tests/test_open311_privacy.py); a keyed client sees them all
    services = client.get_service_list()
    assert {s["service_code"] for s in services} == {"hazard", "problem", "legal_publicity"}
    keyed = requests.get(f"{base}/services.json", timeout=10,
                         params={"jurisdiction_id": tree.town_a.code, "api_key": key}).json()
    assert {"dispute", "hazard", "need"} <= {s["service_code"] for s in keyed}
    assert next(s for s in keyed if s["service_code"] == "dispute")["service_name"] == "小纠纷"
    assert client.get_service_definition("hazard")["service_code"] == "hazard"

    # posting as the specification describes: form-encoded, with the api_key
    posted = requests.post(f"{base}/requests.json", data={
        "api_key": key, "jurisdiction_id": tree.town_a.code, "service_code": "hazard",
        "address_id": tree.grid_a1.code, "address_string": "城西路口", "lat": "28.69",
        "long": "112.88", "description": "城西路口井盖丢失", "first_name": "先生", "last_name": "王",
        "phone": "13812345678"}, timeout=10)
    assert posted.status_code == 201
    number = posted.json()[0]["service_request_id"]
    case = db.session.scalar(db.select(Case).filter_by(number=number))
    assert case.source == "open311" and case.grid_id == tree.grid_a1.id

    one = client.get_service_request(number)
    assert one["status"] == "open" and one["service_code"] == "hazard"
    assert one["address_id"] == tree.grid_a1.code and one["lat"] == 28.69
    assert one["expected_datetime"].startswith(case.resolve_due.isoformat())
    assert one["requested_datetime"].endswith("+08:00")
    listed = client.get_service_requests(status="open")
    assert number in [r["service_request_id"] for r in listed]
    assert client.get_service_requests(status="closed") == []

    xml_client = GeoReport(base, jurisdiction=tree.town_a.code, output_format="xml")
    assert xml_client.get_service_request(number)["service_request_id"] == number
    assert len(xml_client.get_service_list()) == len(services)


def test_another_towns_requests_are_not_listed(client, tree, key):
    from portal.cases.services import report

    report(tree.grid_b1, category="need", title="t", description="d", source="patrol",
           reporter=tree.users["b_grid_worker"])
    db.session.commit()
    listed = client.get(f"/open311/v2/requests.json?jurisdiction_id={tree.town_a.code}").get_json()
    assert listed == []


def test_errors_are_the_standard_list(client, tree, key):
    missing = client.get("/open311/v2/services.json")
    assert missing.status_code == 400 and missing.get_json()[0]["code"] == 400
    unknown = client.get("/open311/v2/services.json?jurisdiction_id=999")
    assert unknown.status_code == 404
    xml = client.get("/open311/v2/services.xml")
    root = ET.fromstring(xml.data)
    assert root.tag == "errors" and root.find("error/code").text == "400"
    base = {"jurisdiction_id": tree.town_a.code, "service_code": "hazard",
            "address_id": tree.grid_a1.code, "description": "d", "phone": "13812345678"}
    assert client.post("/open311/v2/requests.json", data=base).status_code == 403
    assert client.post("/open311/v2/requests.json",
                       data={**base, "api_key": "wrong"}).status_code == 403
    bad_grid = client.post("/open311/v2/requests.json",
                           data={**base, "api_key": key, "address_id": tree.grid_b1.code})
    assert bad_grid.status_code == 400 and "address_id" in bad_grid.get_json()[0]["description"]
    bad_service = client.post("/open311/v2/requests.json",
                              data={**base, "api_key": key, "service_code": "nope"})
    assert bad_service.status_code == 400
    no_phone = client.post("/open311/v2/requests.json",
                           data={**base, "api_key": key, "phone": ""})
    assert no_phone.status_code == 400
    wide = client.get(f"/open311/v2/requests.json?jurisdiction_id={tree.town_a.code}"
                      "&start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z")
    assert wide.status_code == 400
    assert db.session.scalar(db.select(db.func.count()).select_from(Case)) == 0


def test_a_key_works_only_for_its_town_and_until_revoked(client, tree, key):
    data = {"jurisdiction_id": tree.town_b.code, "service_code": "hazard", "api_key": key,
            "address_id": tree.grid_b1.code, "description": "d", "phone": "13812345678"}
    assert client.post("/open311/v2/requests.json", data=data).status_code == 403
    row, town_b_key = issue(tree.town_b, "x")
    db.session.commit()
    assert client.post("/open311/v2/requests.json",
                       data={**data, "api_key": town_b_key}).status_code == 201
    revoke(row)
    db.session.commit()
    assert client.post("/open311/v2/requests.json",
                       data={**data, "api_key": town_b_key}).status_code == 403


def test_discovery(client):
    body = client.get("/open311/v2/discovery.json").get_json()
    assert body["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert ET.fromstring(client.get("/open311/v2/discovery.xml").data).tag == "discovery"


def test_keys_page_and_cli(client, runner, tree):
    client.login("town_admin")
    refused = client.post("/admin/open311", data={"label": "热" * 65})
    assert refused.status_code == 422 and 'id="label-errors"' in refused.get_data(as_text=True)
    from portal.cases.models import ApiKey

    assert db.session.scalar(db.select(db.func.count()).select_from(ApiKey)) == 0
    page = client.post("/admin/open311", data={"label": "热线"}).get_data(as_text=True)
    import re

    shown = re.search(r'<code class="new-key">([^<]+)</code>', page).group(1)
    from portal.cases.open311_keys import town_for_key

    assert town_for_key(shown) == tree.town_a
    result = runner.invoke(args=["open311", "key", "create", "--town", tree.town_b.code])
    assert result.exit_code == 0 and town_for_key(result.output.strip()) == tree.town_b
    b_key = town_for_key(result.output.strip()) and db.session.scalar(
        db.select(ApiKey.id).filter_by(town_id=tree.town_b.id))
    assert client.post(f"/admin/open311/keys/{b_key}/revoke").status_code == 404  # not theirs
    mine = db.session.scalar(db.select(ApiKey.id).filter_by(town_id=tree.town_a.id))
    revoked = client.post(f"/admin/open311/keys/{mine}/revoke")
    assert revoked.status_code == 303 and f"town={tree.town_a.code}" in revoked.location
    assert town_for_key(shown) is None
