"""Masked data stays masked (issue 15).

1. Search is no oracle: for every page that searches residents by number, every role without
   ``people.sensitive`` that may use it is refused 5, 6 and 8 trailing digits (with the message,
   no resident), may search the last 4 or the whole number; roles with ``people.sensitive``
   search any digits; every search by number is audited (masked) and rate-limited per user.
2. Every path to a full number is audited: every page and htmx partial of the URL map (core and
   every module, built with records of the world fixture), opened as every role, shows no full
   ID number, phone or birth date of a resident unless that user's audit entry for that
   resident came first; the exports likewise.
"""
from datetime import timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.people import number_search
from portal.people.masking import mask_id, mask_phone
from portal.people.models import Resident
from portal.permissions import role_has
from portal.plugin_testing import installed_names, needs_plugin, plugin_roles
from portal.testing import VISITORS
from tests.test_routes import case, key_person, staff  # noqa: F401  (fixtures)
from tests.test_security import all_routes, build_url, world  # noqa: F401

ZHANG_ID, ZHANG_PHONE = "430624195001010013", "13812345678"
ROLES = [v for v in VISITORS if v]  # every role in town A, and town B's admin
REFUSED = "按号码查找只能输入身份证号或手机号的后4位"

#: Every page that searches residents (or people) by number: endpoint -> how to build its URL
#: from the world (a function of world and q). A page that starts searching by number without
#: being listed here fails test_every_number_search_is_listed.
ENTRY_POINTS = {
    "people.index": lambda w, q: f"/people/?q={q}",
    "points_kiosk.find": lambda w, q: f"/kiosk/{w.points_shop.id}/find?q={q}",
    "points.accounts": lambda w, q: f"/points/accounts?q={q}",
    "points.award": lambda w, q: f"/points/award?town={w.town_a.code}&q={q}",
    "mutual_aid.group": lambda w, q: f"/mutual-aid/groups/{w.aid_group.id}?q={q}",
    "volunteers.register": lambda w, q: f"/volunteers/people/new?q={q}",
    "volunteers.pairing_new": lambda w, q: f"/volunteers/pairings/new?q={q}",
    "volunteers.proxy_new": lambda w, q: f"/volunteers/proxies/new?q={q}",
    "volunteers.people": lambda w, q: f"/volunteers/people?q={q}",
    "rentals.new": lambda w, q: f"/rentals/new?q={q}",
    "rentals.away_pick": lambda w, q: f"/rentals/away/new?q={q}",
}



def _installed(endpoint: str) -> bool:
    """The page's plugin is installed (core pages always are)."""
    blueprint = endpoint.split(".")[0]
    plugins = {"points", "volunteers", "mutual_aid", "associations", "best_grid", "rentals"}
    owner = next((p for p in plugins if blueprint == p or blueprint.startswith(p + "_")), None)
    return owner is None or owner in installed_names()


ENTRY_POINTS = {endpoint: build for endpoint, build in ENTRY_POINTS.items() if _installed(endpoint)}

PARTIAL = [ZHANG_ID[-5:], ZHANG_ID[-6:], ZHANG_ID[-8:], ZHANG_PHONE[-5:], ZHANG_PHONE[-6:],
           ZHANG_PHONE[-8:]]


@pytest.fixture
def masked_world(world):  # noqa: F811
    records = {name: r.records for name, r in world.plugin_records.items()}
    if "points" in records:
        world.points_shop = records["points"].shop
    if "mutual_aid" in records:
        world.aid_group = records["mutual_aid"].group
    if "volunteers" in records:
        # the volunteers' list is searched by their phone: one volunteer has Zhang's
        records["volunteers"].leader.phone = ZHANG_PHONE
    db.session.commit()
    return world


def _client(app, username):
    client = app.test_client()
    client.login(username)
    return client


def _role(username):
    return "town_admin" if username == "b_town_admin" else username


def _audits(user, action=number_search.ACTION):
    db.session.expire_all()
    return db.session.scalars(select(AuditEntry).filter_by(user_id=user.id, action=action)
                              .order_by(AuditEntry.id)).all()


def _opens(client, url):
    return client.get(url).status_code == 200


# ------------------------------------------------------------------------------- the oracle

def test_every_number_search_is_listed(app, masked_world, monkeypatch):
    """Open every GET page of the URL map with ?q=<digits> as the county admin (and as each
    plugin's own role, whose pages, e.g. the kiosk, are not the admin's): each page whose view
    runs a search by number (number_search.Check) is in ENTRY_POINTS, so the tests below cover
    it."""
    from flask import request

    seen = set()
    original = number_search.Check.__init__

    def spy(self, *args, **kwargs):
        seen.add(request.endpoint)
        original(self, *args, **kwargs)

    monkeypatch.setattr(number_search.Check, "__init__", spy)
    app.config["NUMBER_SEARCH_MAX_PER_WINDOW"] = 10_000
    for username in ("county_admin", *plugin_roles()):
        if username not in masked_world.users:
            continue  # its plugin is not loaded
        client = _client(app, username)
        for endpoint, method, arguments, owner in all_routes(app):
            if method != "GET" or endpoint.endswith(".static"):
                continue
            url = build_url(app, masked_world, endpoint, arguments, owner)
            client.get(url + ("&" if "?" in url else "?")
                       + f"q=0013&town={masked_world.town_a.code}")
    assert seen == set(ENTRY_POINTS), f"unlisted: {seen - set(ENTRY_POINTS)}"


#: The permissions the search pages require. The "wide" deployment gives them all to
#: department staff (who hold no people.sensitive), as a county may: then every page is tried
#: by a role that sees only masks, whatever the default roles are.
PAGE_PERMISSIONS = ("people.view", "points.view", "points.award", "mutual_aid.view",
                    "mutual_aid.manage", "volunteers.view", "volunteers.manage",
                    "volunteers.pairing", "volunteers.proxy", "rentals.view", "rentals.manage")


def widen(app, role="dept_staff"):
    from dataclasses import replace

    registry = app.extensions["portal_permissions"]
    for name in PAGE_PERMISSIONS:
        if name not in registry:
            continue  # its plugin is not installed
        registry[name] = replace(registry[name], roles=(*registry[name].roles, role))
    assert not role_has(role, "people.sensitive")


@pytest.mark.parametrize("deployment", ["default", "wide"])
@pytest.mark.parametrize("endpoint", sorted(ENTRY_POINTS))
def test_partial_digits_are_refused_to_every_role_without_people_sensitive(app, masked_world,
                                                                            endpoint, deployment):
    build = ENTRY_POINTS[endpoint]
    if deployment == "wide":
        widen(app)
    app.config["NUMBER_SEARCH_MAX_PER_WINDOW"] = 10_000
    tried = []
    for username in ROLES:
        client = _client(app, username)
        if not _opens(client, build(masked_world, "无此人")):
            continue  # the role may not use this page
        user = masked_world.users[username]
        sensitive = role_has(_role(username), "people.sensitive")
        baseline = client.get(build(masked_world, "无此人")).get_data(as_text=True).count("张三丰")
        for q in PARTIAL:
            for htmx in (False, True):
                before = len(_audits(user))
                response = (client.htmx_get if htmx else client.get)(build(masked_world, q))
                text = response.get_data(as_text=True)
                entries = _audits(user)[before:]
                if not entries:  # the page did not search for this role (no results shown)
                    assert text.count("张三丰") <= baseline, f"{username} {endpoint} {q}"
                    continue
                assert len(entries) == 1, f"{username} {endpoint} {q}: audited twice"
                detail = entries[0].detail_dict
                assert q not in entries[0].detail, "the audit keeps the query masked"
                assert detail["query"] == "*" * (len(q) - 4) + q[-4:]
                if sensitive:
                    assert response.status_code == 200 and "refused" not in detail
                else:
                    assert detail["refused"] == "partial_number", (username, endpoint, q)
                    assert response.status_code == (200 if htmx else 400)
                    assert REFUSED in text, f"{username} {endpoint} {q}: no message"
                    assert text.count("张三丰") <= baseline, f"{username} {endpoint} {q}"
        tried.append((username, sensitive))
    assert tried, f"no role could open {endpoint}"
    if deployment == "wide":
        assert any(not sensitive for _u, sensitive in tried), \
            f"{endpoint}: no role without people.sensitive tried it"


@pytest.mark.parametrize("endpoint", sorted(ENTRY_POINTS))
def test_the_digits_a_mask_shows_and_whole_numbers_are_searchable_by_everyone(app, masked_world,
                                                                              endpoint):
    build = ENTRY_POINTS[endpoint]
    widen(app)
    app.config["NUMBER_SEARCH_MAX_PER_WINDOW"] = 10_000
    for username in ROLES:
        client = _client(app, username)
        if not _opens(client, build(masked_world, "无此人")):
            continue
        user = masked_world.users[username]
        for q, shown in ((ZHANG_ID[-4:], ZHANG_ID[-4:]), (ZHANG_PHONE[-4:], ZHANG_PHONE[-4:]),
                         (ZHANG_ID, mask_id(ZHANG_ID)), (ZHANG_PHONE, mask_phone(ZHANG_PHONE))):
            before = len(_audits(user))
            response = client.get(build(masked_world, q))
            assert response.status_code == 200, (username, endpoint, q)
            if len(_audits(user)) == before:
                continue  # the page searches only for those who see results (mutual aid)
            entry = _audits(user)[-1]
            assert REFUSED not in response.get_data(as_text=True)
            assert entry.detail_dict["query"] == shown and "refused" not in entry.detail_dict
            by_phone = q in (ZHANG_PHONE[-4:], ZHANG_PHONE)
            # Zhang lives in town A; the volunteers' list knows phones, not ID numbers
            if username != "b_town_admin" and (by_phone or endpoint != "volunteers.people"):
                assert entry.detail_dict["matches"] >= 1, (username, endpoint, q)


@needs_plugin("points")
def test_a_whole_number_must_match_exactly(app, masked_world):
    """Without people.sensitive, 18 or 11 digits are a whole number, not "ends with"."""
    client = _client(app, "kiosk_operator")
    shop = masked_world.points_shop.id
    assert "张三丰" in client.get(f"/kiosk/{shop}/find?q={ZHANG_PHONE}").get_data(as_text=True)
    # 11 trailing digits of the ID number are no phone number of anyone
    text = client.get(f"/kiosk/{shop}/find?q={ZHANG_ID[-11:]}").get_data(as_text=True)
    assert "张三丰" not in text


def test_searches_by_number_are_rate_limited_per_user(app, masked_world):
    app.config.update(NUMBER_SEARCH_MAX_PER_WINDOW=3, NUMBER_SEARCH_WINDOW_SECONDS=600)
    worker, other = _client(app, "grid_worker"), _client(app, "village_admin")
    for _ in range(3):
        assert worker.get("/people/?q=0013").status_code == 200
    limited = worker.get("/people/?q=0013")
    assert limited.status_code == 429
    assert "按号码查找太频繁" in limited.get_data(as_text=True)
    assert "10 分钟后再试" in limited.get_data(as_text=True)
    partial = worker.htmx_get("/people/?q=0013")  # the message is swapped in where results go
    assert partial.status_code == 200 and "按号码查找太频繁" in partial.get_data(as_text=True)
    # names are not limited, and nor is anyone else
    assert "张三丰" in worker.get("/people/?q=张三").get_data(as_text=True)
    assert other.get("/people/?q=0013").status_code == 200
    user = masked_world.users["grid_worker"]
    assert len(_audits(user, number_search.ACTION_LIMITED)) == 2
    # once the window has passed, the worker searches again
    for entry in _audits(user):
        entry.at -= timedelta(seconds=601)
    db.session.commit()
    assert worker.get("/people/?q=0013").status_code == 200


@needs_plugin("points")
def test_guessing_whole_numbers_is_limited_much_sooner(app, masked_world):
    """A whole number that matches nobody is a guess at a mask's hidden digits."""
    app.config.update(NUMBER_SEARCH_MAX_MISSES=2, NUMBER_SEARCH_MAX_PER_WINDOW=100)
    client = _client(app, "dept_staff")
    if client.get("/people/?q=无此人").status_code != 200:
        client = _client(app, "kiosk_operator")
        url = f"/kiosk/{masked_world.points_shop.id}/find?q="
    else:
        url = "/people/?q="
    guesses = [ZHANG_ID[:6] + f"1950{month:02d}01" + ZHANG_ID[-4:] for month in (2, 3, 4)]
    assert client.get(url + guesses[0]).status_code == 200
    assert client.get(url + guesses[1]).status_code == 200
    assert client.get(url + guesses[2]).status_code == 429
    assert client.get(url + "0013").status_code == 200  # what the mask shows still works
    # the right number is refused too while the guesses count: no confirmation by timing out
    assert client.get(url + ZHANG_ID).status_code == 429


# ------------------------------------------------------------------------------- full numbers

def _secrets():
    """Every resident's full ID number, phone and birth date, as a page would print them."""
    found = {}
    for r in db.session.scalars(select(Resident)):
        for value in (r.id_number, r.phone, r.birth_date and r.birth_date.isoformat()):
            if value:
                found[value] = r.id
    return found


def _audited(user_id, resident_id) -> bool:
    return db.session.scalar(select(AuditEntry.id).where(
        AuditEntry.user_id == user_id, AuditEntry.action == "resident.view_sensitive",
        AuditEntry.object_type == "Resident", AuditEntry.object_id == str(resident_id))) is not None


def _leaks(text: str, secrets: dict, user_id) -> list[str]:
    db.session.expire_all()
    return [value for value, resident_id in secrets.items()
            if value in text and not _audited(user_id, resident_id)]


def _search_urls(world):
    return [build(world, q) for build in ENTRY_POINTS.values()
            for q in ("张三丰", "zsf", ZHANG_ID[-4:], ZHANG_ID, ZHANG_PHONE)]


# the masks are applied in Python to what a query returned, the same on either database: the
# crawl (every route as every role, half a minute) runs once, on SQLite; the searches by number,
# which are SQL, run on both (the tests around this one)
@pytest.mark.database_independent
def test_no_page_or_partial_shows_a_full_number_without_an_audited_look(app, masked_world):
    """Every GET route (with records of town A), every search page, as a page and as an htmx
    partial, as every role: no resident's full ID number, phone or birth date appears unless the
    user's resident.view_sensitive entry for that resident came first."""
    app.config["NUMBER_SEARCH_MAX_PER_WINDOW"] = 100_000
    secrets = _secrets()
    assert ZHANG_ID in secrets and ZHANG_PHONE in secrets
    urls = []
    for endpoint, method, arguments, owner in all_routes(app):
        if method == "GET" and not endpoint.endswith(".static") and endpoint != "auth.login":
            urls.append(build_url(app, masked_world, endpoint, arguments, owner))
    urls += _search_urls(masked_world)
    failures = []
    for username in ROLES:
        client = _client(app, username)
        user_id = masked_world.users[username].id
        for url in urls:
            for htmx in (False, True):
                response = (client.htmx_get if htmx else client.get)(url)
                if response.mimetype not in ("text/html", "application/json", "text/plain",
                                             "application/xml", "text/csv"):
                    continue
                text = response.get_data(as_text=True)
                if "q=" in url:  # the user's own query, echoed in the search box, is no leak
                    text = text.replace(url.split("q=", 1)[1].split("&")[0], "")
                leaked = _leaks(text, secrets, user_id)
                if leaked:
                    failures.append(f"{username} GET {url}{' (htmx)' if htmx else ''}: {leaked}")
    assert not failures, "\n".join(failures)


def test_the_reveal_is_the_audited_way_to_full_numbers(app, masked_world):
    """The resident page's and the edit form's "显示完整号码": the full numbers come with an
    audit entry written before the answer, and only to roles with people.sensitive."""
    resident = masked_world.resident_a
    for username in ROLES:
        client = _client(app, username)
        user_id = masked_world.users[username].id
        allowed = role_has(_role(username), "people.sensitive") and username != "b_town_admin"
        for url, data in ((f"/people/residents/{resident.id}/reveal", {}),
                          (f"/people/residents/{resident.id}/edit",
                           {"reveal": "1", "name": resident.name, "relation": resident.relation,
                            "residence": resident.residence, "id_number": mask_id(ZHANG_ID),
                            "phone": mask_phone(ZHANG_PHONE)})):
            before = _audited(user_id, resident.id)
            response = client.post(url, data=data)
            text = response.get_data(as_text=True)
            if allowed and (response.status_code == 200):
                assert ZHANG_ID in text and ZHANG_PHONE in text
                assert _audited(user_id, resident.id), (username, url)
            else:
                assert ZHANG_ID not in text and ZHANG_PHONE not in text, (username, url)
                assert _audited(user_id, resident.id) == before


def test_the_edit_form_shows_masks_and_keeps_the_numbers_they_stand_for(app, masked_world):
    resident = masked_world.resident_a
    client = _client(app, "grid_worker")
    form = client.get(f"/people/residents/{resident.id}/edit").get_data(as_text=True)
    assert mask_id(ZHANG_ID) in form and mask_phone(ZHANG_PHONE) in form
    assert ZHANG_ID not in form and ZHANG_PHONE not in form
    data = {"name": "张三丰", "relation": "head", "residence": "local", "party_member": "y",
            "care": ["elderly_alone", "disabled"], "id_number": mask_id(ZHANG_ID),
            "phone": mask_phone(ZHANG_PHONE)}
    # an error elsewhere brings the form back masked, not with the numbers the masks stand for
    again = client.post(f"/people/residents/{resident.id}/edit", data={**data, "name": ""})
    assert again.status_code == 422  # a refused form (portal.web.submit_form)
    assert ZHANG_ID not in again.get_data(as_text=True)
    assert mask_id(ZHANG_ID) in again.get_data(as_text=True)
    saved = client.post(f"/people/residents/{resident.id}/edit", data=data)
    assert saved.status_code == 302
    db.session.expire_all()
    resident = db.session.get(Resident, resident.id)
    assert (resident.id_number, resident.phone) == (ZHANG_ID, ZHANG_PHONE)
    assert resident.care_categories == ["disabled", "elderly_alone"]
    # an edited mask is neither the old number nor a new one
    broken = client.post(f"/people/residents/{resident.id}/edit",
                         data={**data, "id_number": "430624********0019"})
    assert broken.status_code == 422 and "号码中有*号" in broken.get_data(as_text=True)
    # a new number typed in full replaces the old one
    assert client.post(f"/people/residents/{resident.id}/edit",
                       data={**data, "phone": "13900001111"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Resident, resident.id).phone == "13900001111"


def test_exports_show_full_numbers_only_when_audited(app, masked_world):
    """Every .xlsx route of the URL map as every role, masked and with ?unmasked=1: a full
    number in a file needs the user's export audit entry."""
    secrets = {k: v for k, v in _secrets().items() if len(k) > 10}  # numbers, not dates
    exports = [(e, a, o) for e, m, a, o in all_routes(app) if m == "GET" and (
        "export" in e or "xlsx" in e)]
    assert len(exports) >= 3
    failures, unmasked_seen = [], 0
    for username in ROLES:
        client = _client(app, username)
        user_id = masked_world.users[username].id
        for endpoint, arguments, owner in exports:
            base = build_url(app, masked_world, endpoint, arguments, owner)
            for url in (base, base + ("&" if "?" in base else "?") + "unmasked=1"):
                before = db.session.scalar(select(db.func.count()).select_from(AuditEntry).where(
                    AuditEntry.user_id == user_id, AuditEntry.action.like("%export_unmasked")))
                response = client.get(url)
                if response.status_code != 200 or "spreadsheet" not in response.mimetype:
                    continue
                book = load_workbook(BytesIO(response.data), read_only=True)
                cells = " ".join(str(c) for sheet in book.worksheets
                                 for row in sheet.iter_rows(values_only=True) for c in row if c)
                shown = [v for v in secrets if v in cells]
                db.session.expire_all()
                after = db.session.scalar(select(db.func.count()).select_from(AuditEntry).where(
                    AuditEntry.user_id == user_id, AuditEntry.action.like("%export_unmasked")))
                if shown:
                    unmasked_seen += 1
                    if after != before + 1:
                        failures.append(f"{username} {url}: full numbers without an audit entry")
    assert not failures, "\n".join(failures)
    assert unmasked_seen, "no export was unmasked: the check above checked nothing"
