"""The phone without signal, the server's side (portal/offline): uploads kept on a phone carry an
idempotency key, and a key sent again answers with the first outcome (never a second record);
another user's key says nothing of its record; a conflict (the household moved, a refused form)
is answered in JSON with the server's message; the carried household list is the user's grid's,
masked; the service worker, the manifest, the fresh CSRF token and the logout's Clear-Site-Data."""
import json
import uuid

from portal.cases.models import Case
from portal.extensions import db
from portal.people.models import Visit
from portal.timeutil import local_today

JSON = {"Accept": "application/json"}


def _visit(client, household, key, **extra):
    data = {"visited_on": local_today().isoformat(), "found": "老人身体尚好",
            "idempotency_key": key, **extra}
    return client.post(f"/visits/households/{household.id}/new", data=data, headers=JSON)


def _case(client, tree, key, **extra):
    data = {"grid": tree.grid_a1.id, "category": "hazard", "kind": "general",
            "title": "井盖丢失", "description": "城西路口", "idempotency_key": key, **extra}
    return client.post("/cases/new", data=data, headers=JSON)


def _count(model, key):
    return db.session.scalar(db.select(db.func.count()).select_from(model)
                             .where(model.idempotency_key == key))


def test_a_visit_sent_twice_is_recorded_once_and_answers_the_same(client, tree):
    client.login("grid_worker")
    key = str(uuid.uuid4())
    first = _visit(client, tree.household_a, key)
    assert first.status_code == 200 and first.json["ok"] and not first.json["replayed"]
    again = _visit(client, tree.household_a, key, found="改过的内容")  # the answer was lost
    assert again.status_code == 200 and again.json["ok"] and again.json["replayed"]
    assert again.json["url"] == first.json["url"] == f"/people/households/{tree.household_a.id}"
    assert _count(Visit, key) == 1
    visit = db.session.scalar(db.select(Visit).filter_by(idempotency_key=key))
    assert visit.found == "老人身体尚好" and visit.user_id == tree.users["grid_worker"].id
    # the success was told to the phone, not left for the next page to flash
    page = client.get("/")
    assert "已记录走访" not in page.get_data(as_text=True)


def test_a_case_sent_twice_is_filed_once(client, tree):
    client.login("grid_worker")
    key = str(uuid.uuid4())
    first = _case(client, tree, key)
    assert first.status_code == 200 and first.json["ok"], first.get_data(as_text=True)
    case = db.session.scalar(db.select(Case).filter_by(idempotency_key=key))
    assert first.json["url"] == f"/cases/{case.id}" and case.number in first.json["message"]
    again = _case(client, tree, key)
    assert again.json == {**first.json, "replayed": True}
    assert _count(Case, key) == 1


def test_a_form_posted_as_a_page_with_a_used_key_goes_to_the_first_record(client, tree):
    """A double tap online: the second post finds the first case, as the kiosk's basket does."""
    client.login("grid_worker")
    key = str(uuid.uuid4())
    data = {"grid": tree.grid_a1.id, "category": "hazard", "kind": "general",
            "title": "井盖丢失", "description": "城西路口", "idempotency_key": key}
    first = client.post("/cases/new", data=dict(data))
    second = client.post("/cases/new", data=dict(data))
    assert first.status_code == 302 and second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert _count(Case, key) == 1


def test_another_user_cannot_replay_a_key_to_read_its_record(client, tree):
    client.login("grid_worker")
    key = str(uuid.uuid4())
    assert _case(client, tree, key).json["ok"]
    _visit(client, tree.household_a, key)  # the same key on a visit too: tables apart
    client.logout()
    client.login("village_admin")  # may report in the same grid, and see its cases
    for response in (_case(client, tree, key), _visit(client, tree.household_a, key)):
        assert response.status_code == 409 and not response.json["ok"]
        body = response.get_data(as_text=True)
        assert "/cases/" not in body and "url" not in response.json and "井盖" not in body
    assert _count(Case, key) == 1 and _count(Visit, key) == 1
    page = client.post("/cases/new", data={"grid": tree.grid_a1.id, "category": "hazard",
                                           "kind": "general", "title": "x", "description": "y",
                                           "idempotency_key": key})
    assert page.status_code == 409 and "Location" not in page.headers


def test_a_household_that_moved_meanwhile_is_a_conflict_the_phone_keeps(client, tree):
    from portal.people.services import move_household

    client.login("village_admin")  # still sees the household in its new grid
    key = str(uuid.uuid4())
    seen = tree.household_a.grid_id
    move_household(tree.household_a, tree.grid_a2, actor=tree.users["village_admin"])
    db.session.commit()
    response = _visit(client, tree.household_a, key, household_grid=seen)
    assert response.status_code == 422 and not response.json["ok"]
    assert "已迁到第二网格" in response.json["message"]
    assert _count(Visit, key) == 0

    client.logout()
    client.login("grid_worker")  # the household left their grid: gone for them
    response = _visit(client, tree.household_a, str(uuid.uuid4()), household_grid=seen)
    assert response.status_code == 409
    assert "已不在您的网格内" in response.json["message"]


def test_a_refused_form_answers_its_messages_by_field(client, tree):
    client.login("grid_worker")
    key = str(uuid.uuid4())
    response = _visit(client, tree.household_a, key, found="")
    assert response.status_code == 422
    assert response.json["errors"] == {"found": ["请填写走访情况。"]}
    assert response.json["message"] == "走访情况：请填写走访情况。"
    # nothing was made under the key: mended, the same upload goes through
    assert _visit(client, tree.household_a, key).json["ok"]
    assert _count(Visit, key) == 1


def test_a_malformed_key_is_refused(client, tree):
    client.login("grid_worker")
    response = _visit(client, tree.household_a, "<script>")
    assert response.status_code == 400 and not response.json["ok"]


def test_the_carried_household_list_is_the_grids_and_masked(client, tree):
    client.login("grid_worker")
    page = client.get("/offline/households")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "城西路1号" in html and "张三丰" in html and "城西路2号" in html
    assert "430624195001010013" not in html and "13812345678" not in html
    assert "430624********0013" in html and "138****5678" in html
    assert "凤南一组5号" not in html and "荷叶塘8号" not in html  # other grids, another town
    # the offline visit form offers the same households only
    form = client.get("/offline/visit-form").get_data(as_text=True)
    assert "城西路1号" in form and "凤南一组5号" not in form and "荷叶塘8号" not in form


def test_above_a_village_no_list_is_carried(client, tree):
    client.login("town_admin")
    html = client.get("/offline/households").get_data(as_text=True)
    assert "离线名单只提供给网格和村(社区)一级的人员" in html and "城西路1号" not in html


def test_the_service_worker_is_served_from_the_root_never_cached(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/javascript")
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Service-Worker-Allowed"] == "/"
    body = response.get_data(as_text=True)
    assert "__" + "VERSION__" not in body and "/static/css/portal.css" in body
    assert '"/offline/households"' in body


def test_the_manifest_makes_it_installable(client):
    response = client.get("/manifest.webmanifest")
    assert response.headers["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.get_data(as_text=True))
    assert manifest["name"] == "网格通" and manifest["start_url"] == "/"
    assert manifest["display"] == "standalone" and manifest["theme_color"] == "#c0392b"
    sizes = {(i["sizes"], i.get("purpose", "any")) for i in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200


def test_pages_say_who_may_keep_what(client, tree):
    """The service worker is registered for staff only; a grid worker's pages are kept."""
    assert 'data-offline-mode=""' in client.get("/login").get_data(as_text=True)
    for user, mode in (("grid_worker", "grid"), ("village_admin", "shell"), ("resident", "")):
        client.login(user)
        html = client.get("/cases/new").get_data(as_text=True)
        assert f'data-offline-mode="{mode}"' in html, user
        client.logout()


def test_a_fresh_csrf_token_for_the_queue(client, tree):
    assert client.get("/offline/csrf").status_code == 302  # to the login page
    client.login("grid_worker")
    response = client.get("/offline/csrf")
    assert response.headers["Cache-Control"] == "no-store"
    token = response.json["token"]
    key = str(uuid.uuid4())
    sent = client.post(f"/visits/households/{tree.household_a.id}/new", csrf=False,
                       headers={**JSON, "X-CSRFToken": token},
                       data={"visited_on": local_today().isoformat(), "found": "好",
                             "idempotency_key": key})
    assert sent.status_code == 200 and sent.json["ok"]


def test_logout_clears_the_phones_copies(client, tree):
    client.login("grid_worker")
    response = client.logout()
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'
