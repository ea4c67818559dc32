"""Property and fuzz tests over the forms and the Open311 API: whatever a browser or another
system sends, the portal never answers 500, and a submission it refuses leaves no trace.

Each test builds its app once (the function-scoped fixtures) and lets hypothesis run many
examples against it, so the database is not fresh per example: the checks compare row counts
before and after each request instead.
"""
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from portal.extensions import db
from portal.plugin_testing import needs_plugin  # the plugins' fixtures come with them

FUZZ = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.filter_too_much])

#: Values that have broken web forms before: empty, NUL and other control characters, huge,
#: non-ASCII digits, numbers out of any range, impossible dates, markup and SQL.
NASTY = ["", " ", "\x00", "a\x00b", "\x1b[31m", "\r\n", "\u202e", "\ufeff", "٣", "²", "１２",
         "-1", "0", "2147483648", "9" * 40, "-9" * 20, "1e309", "nan", "inf", "-inf", "0x10",
         "2026-02-30", "0000-00-00", "9999-12-31", "1900-01-01", "2026-13-01", "2026/01/01",
         "<script>alert(1)</script>", "' OR 1=1 --", "%s%n", "../../etc/passwd", "null",
         "长" * 5000, "x" * 30000]

values = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=10),
    st.integers(min_value=-(10 ** 30), max_value=10 ** 30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.dates().map(str),
    st.integers(min_value=1, max_value=20_000).map(lambda n: "网" * n),
)

MISSING = object()
_addresses = itertools.count(1)


def form_data(valid: dict, extra_keys=True):
    """A strategy of form payloads: each field is its valid value, a nasty one, or missing;
    sometimes with fields nobody asked for."""
    fields = {name: st.one_of(st.just(value), values, st.just(MISSING))
              for name, value in valid.items()}
    base = st.fixed_dictionaries(fields).map(
        lambda d: {k: v for k, v in d.items() if v is not MISSING})
    if not extra_keys:
        return base
    extra = st.dictionaries(st.text(min_size=1, max_size=12), values, max_size=3)
    return st.tuples(base, extra).map(lambda pair: {**pair[1], **pair[0]})


def row_counts() -> dict:
    """Rows per table, read on a connection of its own (what other requests would see)."""
    tables = [t.name for t in db.metadata.sorted_tables]
    sql = " UNION ALL ".join(f"SELECT '{name}', COUNT(*) FROM {name}" for name in tables)
    with db.engine.connect() as conn:
        return dict(conn.execute(text(sql)).all())


def changed(before: dict, after: dict, ignore=()) -> dict:
    return {name: (before[name], after[name]) for name in before
            if before[name] != after[name] and name not in ignore}


def post(client, url, data, *, accepted, ignore=(), refused=(400,), **kwargs):
    """POST ``data``: never a 500; anything but an acceptance answers 400 (a NUL, a request the
    guard refuses), 422 (a form refused, portal.web) or one of ``refused``
    and changes no table (but ``ignore``)."""
    before = row_counts()
    environ = {"REMOTE_ADDR": f"10.{next(_addresses) % 250}.{next(_addresses) % 250}.1"}
    response = client.post(url, data=data, environ_base=environ, **kwargs)
    db.session.rollback()  # as at the end of a real request: nothing pending survives it
    status = response.status_code
    assert status < 500, f"{status} for {data!r}"
    if status not in accepted:
        assert status in (400, 422, *refused), f"{status} for {data!r}"
        assert changed(before, row_counts(), ignore) == {}, f"refused {data!r} left a trace"
    return response


# ------------------------------------------------------------------------------- core forms

def test_case_report_form(app, client, tree):
    client.login("grid_worker")
    valid = {"grid": tree.grid_a1.id, "category": "hazard", "kind": "general", "major": "y",
             "title": "路灯不亮", "description": "村口路灯坏了", "household": "001",
             "address": "村口", "latitude": "28.69", "longitude": "112.88", "on_the_spot": ""}

    @FUZZ
    @given(form_data(valid))
    def check(data):
        post(client, "/cases/new", data, accepted=(302,))

    check()


def test_public_report_page(app, client, tree):
    valid = {"category": "hazard", "title": "井盖丢失", "description": "城西路口",
             "address": "城西路口", "reporter_name": "王先生", "reporter_phone": "13812345678"}

    url = f"/g/{tree.grid_a1.code}/report"

    @FUZZ
    @given(form_data(valid))
    def check(data):
        # a report is acknowledged by a redirect to its receipt (post/redirect/get); every
        # attempt, refused or not, counts towards the address's throttle (and may lock it)
        response = post(client, url, data, accepted=(303,), refused=(400, 429),
                        ignore=("login_attempts", "login_lockouts"))
        if response.status_code == 303:
            assert response.location.startswith("/track/receipt/"), response.location

    check()


def test_household_and_resident_forms(app, client, tree):
    client.login("village_admin")
    household = {"address": "城西路9号", "building": "3栋", "number": "", "colour": "red"}
    resident = {"name": "刘洋", "relation": "child", "id_number": "", "phone": "13912345678",
                "residence": "local", "party_member": "y", "care": "disabled"}

    grid_id, household_id = tree.grid_a1.id, tree.household_a2.id

    @FUZZ
    @given(form_data(household), form_data(resident))
    def check(household_data, resident_data):
        post(client, f"/people/households/new?grid={grid_id}", household_data, accepted=(302,))
        post(client, f"/people/households/{household_id}/residents/new", resident_data,
             accepted=(302,))
        post(client, f"/people/households/{household_id}/edit", household_data,
             accepted=(302,))

    check()


def test_login_form(app, client, tree):
    valid = {"login": "town_admin", "password": "wrong-password"}

    @FUZZ
    @given(form_data(valid), st.sampled_from(["", "?next=/grids/", "?next=//evil.example",
                                              "?next=%00", "?next=" + "x" * 3000]))
    def check(data, query):
        # a failed login is recorded (throttling) and audits nothing else
        response = post(client, "/login" + query, data, accepted=(), ignore=("login_attempts",),
                        refused=(400, 401, 429))
        assert "Set-Cookie" not in response.headers or client.get("/").status_code == 302

    check()


def test_visit_form(app, client, tree):
    client.login("grid_worker")
    valid = {"visited_on": "2026-11-20", "found": "身体健康", "follow_up": "下月再访"}
    url = f"/visits/households/{tree.household_a.id}/new"

    @FUZZ
    @given(form_data(valid))
    def check(data):
        post(client, url, data, accepted=(302,))

    check()


# ------------------------------------------------------------------------------- module forms

@needs_plugin("points")
def test_points_award_and_goods_forms(app, client, points):
    tree = points.tree
    client.login("village_admin")
    award = {"rule": points.rule.id, "note": "清扫", "target": f"r{tree.resident_a.id}"}
    goods = {"name": "毛巾", "price": "12", "unit": "条", "active": "y"}
    targets = st.lists(st.one_of(values, st.sampled_from(
        [f"r{tree.resident_a.id}", f"h{tree.household_a.id}", f"h{tree.household_b.id}",
         "r", "h-1", "h²", "r٣", "h" + "9" * 30, "x1"])), max_size=3)

    shop_url = f"/points/shops/{points.shop.id}"

    @FUZZ
    @given(form_data(award), targets, form_data(goods))
    def check(award_data, target_list, goods_data):
        award_data = {**award_data, "target": target_list}
        post(client, "/points/award", award_data, accepted=(302,), refused=(400, 404))
        post(client, shop_url, goods_data, accepted=(302,))

    check()


@needs_plugin("volunteers")
def test_volunteers_sign_up(app, client, vol):
    client.login("resident")
    url = f"/volunteers/activities/{vol.activity.id}/signup"

    @FUZZ
    @given(form_data({"action": "cancel"}))
    def check(data):
        # signing up, cancelling and a refusal (with its message) all redirect with 303
        # (portal.web.run_action): what matters here is that none of them is a 500
        post(client, url, data, accepted=(303,), refused=(404,))

    check()


# ------------------------------------------------------------------------------- Open311

@pytest.fixture
def api_key(tree):
    from portal.cases.open311_keys import issue

    _row, key = issue(tree.town_a, "12345热线")
    db.session.commit()
    return key


def _georeport_error(response):
    if response.mimetype == "text/xml":
        assert b"<errors><error><code>" in response.data, response.data[:200]
        return
    body = response.get_json()
    assert isinstance(body, list) and body and set(body[0]) == {"code", "description"}, body
    assert body[0]["code"] == response.status_code


OPEN311_KEYS = ["api_key", "jurisdiction_id", "service_code", "address_id", "address_string",
                "lat", "long", "description", "first_name", "last_name", "phone", "email",
                "device_id", "account_id", "media_url", "attribute[x]"]


def test_open311_post_never_fails_and_refusals_write_nothing(app, client, tree, api_key):
    valid = {"api_key": api_key, "jurisdiction_id": tree.town_a.code, "service_code": "hazard",
             "address_id": tree.grid_a1.code, "address_string": "城西路口", "lat": "28.69",
             "long": "112.88", "description": "井盖丢失", "first_name": "先生", "last_name": "王",
             "phone": "13812345678"}

    @FUZZ
    @given(form_data(valid), st.sampled_from(["json", "xml"]),
           st.dictionaries(st.sampled_from(OPEN311_KEYS), values, max_size=3))
    def check(data, fmt, more):
        response = post(client, f"/open311/v2/requests.{fmt}", {**more, **data}, csrf=False,
                        accepted=(201,), refused=(400, 403, 404))
        if response.status_code != 201:
            _georeport_error(response)

    check()


def test_open311_get_with_any_filters(app, client, tree, api_key):
    from portal.cases.services import report

    report(tree.grid_a1, category="hazard", title="t", description="d", source="patrol",
           reporter=tree.users["grid_worker"])
    db.session.commit()
    filters = st.dictionaries(
        st.sampled_from(["jurisdiction_id", "service_request_id", "service_code", "start_date",
                         "end_date", "status", "page", "x"]),
        st.one_of(values, st.sampled_from([tree.town_a.code, "open", "closed", "open,closed",
                                           "hazard,need", "2026-01-01T00:00:00Z",
                                           "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00",
                                           "2026-01-01T00:00:00+08:00"])),
        max_size=6)

    @FUZZ
    @given(filters, st.sampled_from(["requests", "services", "requests/260001",
                                     "services/hazard"]), st.sampled_from(["json", "xml"]))
    def check(query, path, fmt):
        before = row_counts()
        response = client.get(f"/open311/v2/{path}.{fmt}", query_string=query)
        db.session.rollback()
        assert response.status_code in (200, 400, 404), (response.status_code, query)
        if response.status_code != 200:
            _georeport_error(response)
        assert changed(before, row_counts()) == {}

    check()


# ------------------------------------------------------------------------------- ids and NULs

def test_an_id_no_record_can_have_is_a_404_on_every_route(app, client, tree):
    """Every <int:…> argument with a number above the largest id (or zero): 404, not 500."""
    from flask import url_for

    client.login("county_admin")
    rules = [r for r in app.url_map.iter_rules()
             if any(type(c).__name__ == "IdConverter" for c in r._converters.values())]
    assert len(rules) > 40
    marker = 123456789
    for rule in rules:
        values = {}
        for name, converter in rule._converters.items():
            if type(converter).__name__ == "IdConverter":
                values[name] = marker
            else:  # any(…) takes one of its words; a string anything
                values[name] = sorted(getattr(converter, "items", None) or ["x"])[0]
        with app.test_request_context():
            template = url_for(rule.endpoint, **values)
        for number in (2 ** 31, 10 ** 30, 0):
            url = template.replace(str(marker), str(number))
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                response = client.open(url, method=method,
                                       data={"csrf_token": client.csrf_token()})
                assert response.status_code == 404, (method, url, response.status_code)
    huge = client.get(f"/people/households?grid={10 ** 30}")
    assert huge.status_code == 404
    assert client.get("/people/households?grid=²").status_code == 404


@pytest.mark.parametrize("where", ["form", "query", "key"])
def test_a_nul_character_is_refused_before_any_view(app, client, tree, where):
    client.login("village_admin")
    before = row_counts()
    data = {"address": "城西路9号", "colour": "red"}
    url = f"/people/households/new?grid={tree.grid_a1.id}"
    if where == "form":
        data["address"] = "城西\x00路"
    elif where == "query":
        url += "&q=%00"
    else:
        data["x\x00"] = "1"
    response = client.post(url, data=data)
    assert response.status_code == 400
    assert changed(before, row_counts()) == {}
    assert client.get("/people/?q=%00").status_code == 400
    # the Open311 API answers in its own format
    api = client.post("/open311/v2/requests.json", csrf=False,
                      data={"jurisdiction_id": tree.town_a.code, "description": "\x00"})
    assert api.status_code == 400
    assert api.get_json()[0]["code"] == 400


@needs_plugin("points", "mutual_aid", "best_grid")
def test_ids_in_form_fields_that_are_not_ascii_numbers(app, client, points, aid, contest_world):
    """"²".isdigit() is true but int("²") fails: id fields took it for a number (500)."""
    tree = points.tree
    client.login("town_admin")
    for target in ("h²", "r٣", "h" + "9" * 30, f"h{2 ** 31}"):
        data = {"rule": points.rule.id, "note": "", "target": target}
        post(client, "/points/award", data, accepted=(), refused=(400,))
    post(client, "/best-grid/classes/placements", {f"grid-{tree.grid_a1.id}": "²"},
         accepted=(302,), refused=(400,))
    client.logout()
    client.login("grid_worker")
    post(client, f"/mutual-aid/groups/{aid.group.id}/helps/new",
         {"kind": "mediation", "helpers": ["²", "9" * 30], "description": "x"},
         accepted=(302,), refused=(400,))


@needs_plugin("points", "mutual_aid")
def test_numbers_too_big_for_the_database_in_query_arguments(app, client, points, aid):
    """A page number or an id in a query argument or form field beyond what a column holds
    failed in the database (500); now it is the first page, or no such record."""
    tree = points.tree
    huge = "9" * 30
    client.login("town_admin")
    for url in (f"/cases/?page={huge}", f"/people/?page={huge}", f"/admin/audit?page={huge}",
                f"/points/accounts?page={huge}", f"/points/cards?account={huge}",
                f"/points/reports?shop={huge}", f"/mutual-aid/?node={huge}",
                f"/people/households?grid={huge}"):
        response = client.get(url)
        assert response.status_code in (200, 404), (url, response.status_code)
    post(client, f"/cases/rules/templates/{huge}/delete?town={tree.town_a.code}", {},
         accepted=(), refused=(404,))
    for key in (huge, "²"):
        post(client, f"/admin/open311/keys/{key}/revoke", {}, accepted=(), refused=(404,))
