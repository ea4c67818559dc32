"""What the public Open311 API gives a client without a key: only the town's public categories
(never disputes, security cases, key-person matters or personal data collection, whatever the
town sets), and of those no personal data or free text. Walks every Open311 endpoint of the URL
map in both formats with every filter, so a new endpoint or filter cannot leak unnoticed."""
import json
import re
import xml.etree.ElementTree as ET

import pytest

from portal.cases import open311_publication as publication
from portal.cases.models import CATEGORIES, Case
from portal.cases.open311_keys import issue
from portal.extensions import db
from portal.settings import set_setting

FORMATS = ("json", "xml")
#: Personal data and free text put into every case; none may reach an anonymous client.
SECRETS = {
    "reporter name": "王秘密",
    "reporter phone": "13900001111",
    "staff name": "grid_worker 用户",
    "household number": "778899",
    "title": "标题里的隐私",
    "description": "描述里的隐私",
    "address": "城西路99号302室",
    "status note": "办理意见里的隐私",
    "department": "县公安局",
    "precise latitude": "28.691234",
    "precise longitude": "112.881234",
}


@pytest.fixture
def cases(tree):
    """One case of every category in town A, each with the personal data above, with a note in
    its timeline; one case in town B."""
    from portal.cases.services import act, report
    from portal.people.services import add_household

    household = add_household(tree.grid_a1, "城西路99号", number=SECRETS["household number"])
    from portal.departments.services import create_department

    department = create_department(tree.county, SECRETS["department"])
    made = {}
    for category in CATEGORIES:
        case = report(tree.grid_a1, category=category, title=SECRETS["title"],
                      description=SECRETS["description"], source="patrol",
                      reporter=tree.users["grid_worker"], reporter_name=SECRETS["reporter name"],
                      reporter_phone=SECRETS["reporter phone"], household=household,
                      address=SECRETS["address"], latitude=float(SECRETS["precise latitude"]),
                      longitude=float(SECRETS["precise longitude"]))
        act(case, tree.users["town_admin"], "assign", SECRETS["status note"],
            department=department)
        made[category] = case
    other = report(tree.grid_b1, category="hazard", title="t", description="荷叶塘的事",
                   source="patrol", reporter=tree.users["b_grid_worker"])
    db.session.commit()
    return made, other


def open311_endpoints(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules()
            if rule.endpoint.startswith("open311.")}


def anonymous_answers(client, town, made, other):
    """(what, response) for every GET endpoint, format and filter an anonymous client has."""
    base = "/open311/v2"
    jurisdiction = {"jurisdiction_id": town.code}
    numbers = [c.number for c in made.values()] + [other.number]
    covered = set()
    for fmt in FORMATS:
        covered.add("open311.discovery")
        yield "discovery", client.get(f"{base}/discovery.{fmt}")
        covered.add("open311.services")
        yield "services", client.get(f"{base}/services.{fmt}", query_string=jurisdiction)
        covered.add("open311.service_definition")
        for code in CATEGORIES:
            yield f"service {code}", client.get(f"{base}/services/{code}.{fmt}",
                                                 query_string=jurisdiction)
        covered.add("open311.requests_")
        filters = [{}, {"status": "open"}, {"status": "closed"}, {"status": "open,closed"},
                   {"service_request_id": ",".join(numbers)},
                   {"start_date": "2000-01-01T00:00:00Z"},
                   {"service_code": ",".join(CATEGORIES)}]
        filters += [{"service_code": code} for code in CATEGORIES]
        filters += [{"service_request_id": number} for number in numbers]
        for extra in filters:
            yield f"requests {extra}", client.get(f"{base}/requests.{fmt}",
                                                   query_string={**jurisdiction, **extra})
        covered.add("open311.request_one")
        for number in numbers:
            yield f"request {number}", client.get(f"{base}/requests/{number}.{fmt}",
                                                   query_string=jurisdiction)
    yield "covered", covered


def text_of(response) -> str:
    """The answer as text, JSON decoded (its \\u escapes would hide Chinese text)."""
    if response.mimetype == "application/json":
        return json.dumps(response.get_json(), ensure_ascii=False)
    return response.get_data(as_text=True)


def check_anonymous(app, client, town, made, other, public):
    """Every anonymous answer: no secret, no request of a non-public category or of another
    town, the public ones present with only the fields decided."""
    hidden = [c.number for code, c in made.items() if code not in public] + [other.number]
    shown = {c.number for code, c in made.items() if code in public}
    seen = set()
    covered = set()
    for what, response in anonymous_answers(client, town, made, other):
        if what == "covered":
            covered = response
            continue
        body = text_of(response)
        if response.status_code == 404 and what.startswith("request "):
            # the error repeats the number asked for, which the client already knows
            body = body.replace(f"no service request {what.split()[1]}", "")
        for label, secret in SECRETS.items():
            assert secret not in body, f"{what}: the {label} is published"
        for number in hidden:
            assert number not in body, f"{what}: a non-public request {number} is published"
        rows = []
        if response.status_code == 200 and what.startswith("request"):
            rows = (json.loads(body) if response.mimetype == "application/json"
                    else [{child.tag: child.text for child in node}
                          for node in ET.fromstring(body)])
        for row in rows:
            assert row["service_code"] in public, what
            assert not row.get("address"), what
            for axis in ("lat", "long"):
                decimals = str(row[axis]).split(".")[1] if "." in str(row[axis]) else ""
                assert len(decimals) <= publication.COARSE_DECIMALS, (what, row[axis])
            seen.add(row["service_request_id"])
        if what.startswith("service ") and what.split()[1] not in public:
            assert response.status_code == 404, what
        if what.startswith("request ") and what.split()[1] in hidden:
            assert response.status_code == 404, what
            error = (response.get_json() if response.mimetype == "application/json"
                     else [{"code": ET.fromstring(body).find("error/code").text}])
            assert str(error[0]["code"]) == "404", what
        if what == "services" and response.mimetype == "application/json":
            assert {s["service_code"] for s in response.get_json()} == set(public)
    assert covered == open311_endpoints(app), "a new Open311 endpoint: check it here"
    assert seen == shown, "every public request is listed"


def test_the_default_public_categories_never_include_a_sensitive_one():
    assert not set(publication.DEFAULT_PUBLIC) & publication.NEVER_PUBLIC
    assert set(publication.DEFAULT_PUBLIC) <= set(publication.PUBLISHABLE)
    # disputes, security cases and key-person matters are never publishable
    assert {"dispute", "mediation", "minor_case", "psychological", "public_opinion"} <= \
        publication.NEVER_PUBLIC


def test_anonymous_clients_see_only_public_categories_without_personal_data(app, client, tree,
                                                                             cases):
    made, other = cases
    check_anonymous(app, client, tree.town_a, made, other, publication.DEFAULT_PUBLIC)


def test_a_town_setting_changes_the_public_categories_but_never_publishes_a_sensitive_one(
        app, client, tree, cases):
    made, other = cases
    # set by hand (or by an older version) to everything: the sensitive ones stay hidden
    set_setting(tree.town_a, publication.SETTING, list(CATEGORIES))
    db.session.commit()
    check_anonymous(app, client, tree.town_a, made, other, publication.PUBLISHABLE)
    set_setting(tree.town_a, publication.SETTING, ["need"])
    db.session.commit()
    check_anonymous(app, client, tree.town_a, made, other, ("need",))
    set_setting(tree.town_a, publication.SETTING, [])
    db.session.commit()
    check_anonymous(app, client, tree.town_a, made, other, ())


def test_a_keyed_client_sees_its_own_towns_requests_in_full_and_no_other_town(client, tree,
                                                                              cases):
    made, other = cases
    _row, key = issue(tree.town_a, "热线")
    db.session.commit()
    base = "/open311/v2"
    for fmt in FORMATS:
        listed = client.get(f"{base}/requests.{fmt}",
                            query_string={"jurisdiction_id": tree.town_a.code, "api_key": key})
        body = text_of(listed)
        assert listed.status_code == 200
        for case in made.values():
            assert case.number in body
        assert SECRETS["description"] in body and SECRETS["address"] in body
        assert SECRETS["status note"] in body
        assert other.number not in body
        dispute = client.get(f"{base}/requests/{made['dispute'].number}.{fmt}",
                             query_string={"jurisdiction_id": tree.town_a.code, "api_key": key})
        assert dispute.status_code == 200 and SECRETS["description"] in text_of(dispute)
        services = client.get(f"{base}/services.{fmt}",
                              query_string={"jurisdiction_id": tree.town_a.code, "api_key": key})
        assert all(code in services.get_data(as_text=True) for code in CATEGORIES)
        # town A's key is no key for town B: refused, not quietly read as anonymous
        for path in ("services", "requests", f"requests/{other.number}", "services/hazard"):
            refused = client.get(f"{base}/{path}.{fmt}",
                                 query_string={"jurisdiction_id": tree.town_b.code, "api_key": key})
            assert refused.status_code == 403, path
            assert other.number not in refused.get_data(as_text=True)
        wrong = client.get(f"{base}/requests.{fmt}",
                           query_string={"jurisdiction_id": tree.town_a.code, "api_key": "nope"})
        assert wrong.status_code == 403
        assert SECRETS["description"] not in text_of(wrong)


def test_the_town_chooses_its_public_categories_on_its_case_rules_page(client, tree):
    client.login("town_admin")
    page = client.get(f"/cases/rules/?town={tree.town_a.code}").get_data(as_text=True)
    assert 'name="open311_public"' in page
    offered = set(re.findall(r'name="open311_public"[^>]*>(.*?)</select>', page, re.S)[0]
                  .split('value="')[1:])
    offered = {value.split('"')[0] for value in offered}
    assert offered == set(publication.PUBLISHABLE)
    assert not offered & publication.NEVER_PUBLIC
    rules = {"assign": 1, "feedback": 3, "resolve": 7, "major_months": 1,
             "yellow_days": 1, "categories": list(CATEGORIES)}
    refused = client.post(f"/cases/rules/?town={tree.town_a.code}",
                          data={**rules, "open311_public": ["hazard", "dispute"]})
    assert refused.status_code == 422
    assert "这些类别涉及个人，不能公开：小纠纷" in refused.get_data(as_text=True)
    assert publication.public_categories(tree.town_a) == list(publication.DEFAULT_PUBLIC)
    saved = client.post(f"/cases/rules/?town={tree.town_a.code}",
                        data={**rules, "open311_public": ["need", "hazard"]})
    assert saved.status_code == 302
    assert publication.public_categories(tree.town_a) == ["hazard", "need"]
    from portal.audit.models import AuditEntry

    entry = db.session.scalars(db.select(AuditEntry).filter_by(action="settings.cases")).all()[-1]
    assert "need" in entry.detail
    assert db.session.scalar(db.select(db.func.count()).select_from(Case)) == 0
