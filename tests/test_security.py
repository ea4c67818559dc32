"""Security checks as tests: response headers, cookie flags, CSRF refusal on every state-changing
route, login throttling, hashed passwords, and scope isolation between two towns on every route
that names a record.

The route lists are not written out here: they come from the app's URL map with every module
loaded and switched on, so a new route is checked the day it is added. A route that legitimately
answers town B for a URL naming town A's record must be listed in NOT_SCOPED with its reason.
"""
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.auth.models import LoginAttempt, User
from portal.extensions import db
from portal.modules.services import set_module
from portal.permissions import role_registry
from portal.plugin_testing import plugin_records
from portal.plugins import host
from portal.testing import PASSWORD, tree_users
from tests.test_routes import case, key_person, staff  # noqa: F401  (fixtures)
from tests.test_routes import url_values as core_url_values

#: Routes with URL arguments that town B may open with town A's values, and why (each plugin
#: adds its own through its ``testing_records`` hook).
NOT_SCOPED = {
    "static": "the app's static files",
    "public.notice": "the public notice board of any grid",
    "public.qr": "the public notice board's QR code",
    "public.photo": "photos of staff on the public notice board",
    "public.report_case": "anyone may report a case from a grid's public page",
    "me_too.public_hints": "the public report form's 我也遇到 hints: what Open311 publishes of "
                           "the town's public categories",
    "me_too.public_join": "anyone may join an open public-category case of the QR code's town, "
                          "with a phone, throttled like a report",
    "open311.discovery": "the Open311 API: public, scoped by jurisdiction_id and api_key",
    "open311.services": "the Open311 API",
    "open311.service_definition": "the Open311 API",
    "open311.requests_": "the Open311 API",
    "open311.request_one": "the Open311 API",
    "transfer.export": "the argument is a kind of export; the rows are the user's own scope",
    "transfer.import_good_rows": "an unguessable token of an upload; rows are checked against "
                                 "the importing user's scope",
}

#: Town B's twin of a node of town A, for the users below.
TOWN_B_NODE = {"village_a1": "village_b1", "grid_a1": "grid_b1"}
#: Town B users of every role whose scope can lie in town B (the county and department roles
#: see the whole county by design), the installed plugins' roles too. b_town_admin and
#: b_grid_worker come with the tree.
B_ROLES = {role: TOWN_B_NODE[node] for role, node in tree_users().items()
           if node in TOWN_B_NODE and role != "grid_worker"}

#: Strings that only town A's records contain (each plugin adds those of its records).
TOWN_A_MARKERS = ("张三丰", "城西路1号", "路灯不亮")


# ------------------------------------------------------------------------------- the world

@pytest.fixture
def world(app, tree, staff, case, key_person):  # noqa: F811
    """One tree with a record of every kind in town A (each loaded plugin builds its own through
    the ``testing_records`` hook), every module on in both towns, and a town-B user of every
    role."""
    from portal.auth.services import create_user

    for town in (tree.town_a, tree.town_b):
        for module in host(app).optional:
            set_module(town, module, True)
    for role, scope in B_ROLES.items():
        if role in role_registry():  # a plugin's role only while the plugin is loaded
            tree.users[f"b_{role}"] = create_user(username=f"b_{role}", password=PASSWORD,
                                                  role=role, scope=getattr(tree, scope))
    tree.users["resident"].id_number = tree.resident_a.id_number
    db.session.commit()
    plugins = plugin_records(app, tree)
    db.session.commit()
    tree.url_values = {None: core_url_values(tree, staff, key_person, case),
                       **{name: records.url_values for name, records in plugins.items()}}
    tree.url_overrides = {"grids.create": {"grid_id": tree.village_a1.id, "level": "grid"}}
    for records in plugins.values():
        tree.url_overrides.update(records.url_overrides)
    tree.not_scoped = {**NOT_SCOPED, **{endpoint: why for records in plugins.values()
                                        for endpoint, why in records.not_scoped.items()}}
    tree.markers = TOWN_A_MARKERS + tuple(m for records in plugins.values()
                                          for m in records.markers)
    tree.plugin_records = plugins
    return tree


def all_routes(app):
    """(endpoint, method, arguments, owner) of every route but HEAD/OPTIONS; owner is the plugin
    that registered the blueprint (None for the core)."""
    owners = host(app).blueprint_owner
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
        blueprint = rule.endpoint.rsplit(".", 1)[0] if "." in rule.endpoint else None
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, rule.arguments, owners.get(blueprint)


def build_url(app, world, endpoint, arguments, owner):
    from flask import url_for

    given = {**world.url_values[owner], **world.url_overrides.get(endpoint, {})}
    missing = set(arguments) - set(given)
    assert not missing, (f"{endpoint}: add a town-A value for {sorted(missing)} to the world "
                         "fixture of tests/test_security.py")
    with app.test_request_context():
        return url_for(endpoint, **{a: given[a] for a in arguments})


def snapshot():
    """Every row of every table (small test databases only)."""
    db.session.expire_all()
    with db.engine.connect() as conn:
        return {table.name: sorted(map(repr, conn.execute(table.select()).all()))
                for table in db.metadata.sorted_tables}


def changed_tables(before, after):
    return sorted(name for name in before if before[name] != after[name])


# ------------------------------------------------------------------------------- headers

def _assert_security_headers(response, what):
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    for directive in ("default-src 'self'", "script-src 'self'", "object-src 'none'",
                      "frame-ancestors 'none'", "form-action 'self'"):
        assert directive in csp, f"{what}: CSP lacks {directive}: {csp!r}"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, what
    assert headers.get("X-Content-Type-Options") == "nosniff", what
    assert headers.get("X-Frame-Options") == "DENY", what
    assert headers.get("Referrer-Policy") == "same-origin", what


def test_security_headers_on_pages_errors_and_static_files(app, client, tree):
    @app.route("/_boom")
    def boom():
        raise RuntimeError("boom")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    checked = {
        "login page": client.get("/login"),
        "public board": client.get(f"/g/{tree.grid_a1.code}"),
        "404": client.get("/no-such-page"),
        "405": client.get("/logout"),
        "CSRF 400": client.post("/login", data={"login": "x", "password": "y"}, csrf=False),
        "static css": client.get("/static/css/portal.css"),
        "plugin static": client.get("/example/static/example.css"),
        "open311 error": client.get("/open311/v2/services.json"),
        "healthz": client.get("/healthz"),
    }
    client.login("town_admin")
    checked["home"] = client.get("/")
    checked["htmx partial"] = client.htmx_get("/grids/search?q=城")
    checked["403"] = client.get("/admin/calendar")
    checked["500"] = client.get("/_boom")
    expected = {"404": 404, "405": 405, "CSRF 400": 400, "403": 403, "500": 500,
                "open311 error": 400}
    for what, response in checked.items():
        assert response.status_code == expected.get(what, 200), (what, response.status_code)
        _assert_security_headers(response, what)
        assert "Strict-Transport-Security" not in response.headers, what  # plain HTTP in dev


def test_hsts_when_cookies_are_secure(make_app, app_config):
    app = make_app({**app_config, "SESSION_COOKIE_SECURE": True})
    client = app.test_client()
    for url in ("/login", "/no-such-page", "/static/css/portal.css"):
        response = client.get(url)
        _assert_security_headers(response, url)
        assert response.headers["Strict-Transport-Security"].startswith("max-age="), url
        assert int(response.headers["Strict-Transport-Security"].split("=")[1]) >= 180 * 86400


# ------------------------------------------------------------------------------- cookies

def _cookie(response, name):
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(name + "="):
            return {part.strip().split("=")[0].lower() for part in header.split(";")}, header
    raise AssertionError(f"no {name} cookie in {response.headers.getlist('Set-Cookie')}")


def test_session_cookie_is_httponly_lax_and_not_secure_in_development(app, client, tree):
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    response = client.post("/login", data={"login": "town_admin", "password": PASSWORD})
    flags, header = _cookie(response, app.config["SESSION_COOKIE_NAME"])
    assert "httponly" in flags and "samesite=lax" in header.lower().replace(" ", "")
    assert "secure" not in flags
    # the session expires (8 hours), it is not kept for ever
    assert "expires" in flags or app.config["PERMANENT_SESSION_LIFETIME"] <= timedelta(hours=8)


@pytest.mark.parametrize("config", [{"SESSION_COOKIE_SECURE": True}, {"PORTAL_ENV": "production"}],
                         ids=["secure", "production"])
def test_session_cookie_is_secure_when_configured(make_app, app_config, config):
    from portal.auth.services import create_user
    from portal.grids.services import create_county

    app = make_app({**app_config, **config})
    with app.app_context():
        db.create_all()
        create_user(username="admin", password=PASSWORD, role="county_admin",
                    scope=create_county("430624", "湘阴县"))
        db.session.commit()
        client = app.test_client()
        response = client.post("/login", data={"login": "admin", "password": PASSWORD})
        assert response.status_code == 302
        flags, header = _cookie(response, app.config["SESSION_COOKIE_NAME"])
        assert {"secure", "httponly"} <= flags and "samesite=lax" in header.lower()
        db.session.remove()


def test_production_refuses_to_start_without_a_secret_key(make_app, app_config, monkeypatch):
    monkeypatch.delenv("PORTAL_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="PORTAL_SECRET_KEY"):
        make_app({**app_config, "PORTAL_ENV": "production", "SECRET_KEY": None})


# ------------------------------------------------------------------------------- CSRF

#: POST routes that do not use the session and so need no CSRF token, and why.
CSRF_EXEMPT = {"open311.requests_": "machine clients authenticate with an api_key"}


def test_every_state_changing_route_refuses_a_post_without_csrf_token(app, world):
    """Every POST route of the core and every module, as anonymous and as a user allowed to use
    it, plain and through htmx, without a token: 400 and not one row changed."""
    posts = [(e, args, owner) for e, method, args, owner in all_routes(app) if method == "POST"]
    owners = {owner for _, _, owner in posts}
    assert set(host(app).optional) - {"example"} <= owners, "a module's routes are missing"
    exempt = {e for e, _, _ in posts if _csrf_exempt(app, e)}
    assert exempt == {e for e, _, _ in posts if e in CSRF_EXEMPT}, \
        "a view is exempt from CSRF: list it in CSRF_EXEMPT with the reason"
    # Flask-WTF checks the token before any view or login check runs: anonymous and one user
    visitors = [None, "town_admin"]
    failures = []
    for visitor in visitors:
        client = app.test_client()
        if visitor:
            client.login(visitor)
        before = snapshot()
        for endpoint, arguments, owner in posts:
            if endpoint in CSRF_EXEMPT:
                continue
            url = build_url(app, world, endpoint, arguments, owner)
            data = {"name": "x", "enabled": "1", "lang": "en", "login": visitor or "x",
                    "password": PASSWORD, "points": "5", "note": "n", "quantity": "1"}
            for how, response in (
                    ("plain", client.post(url, data=data, csrf=False)),
                    ("htmx", client.htmx_post(url, data=data, csrf=False)),
                    ("bad token", client.post(url, data={**data, "csrf_token": "forged"},
                                              csrf=False)),
                    ("htmx bad header", client.htmx_post(url, data=data, csrf=False,
                                                         headers={"X-CSRFToken": "forged"}))):
                if response.status_code != 400:
                    failures.append(f"{visitor} {how} POST {url}: {response.status_code}")
        after = snapshot()
        if changed_tables(before, after):
            failures.append(f"{visitor}: tables changed {changed_tables(before, after)}")
        client.logout() if visitor else None
    assert not failures, "\n".join(failures)


def _csrf_exempt(app, endpoint):
    from portal.extensions import csrf

    view = app.view_functions[endpoint]
    name = f"{view.__module__}.{view.__name__}"
    blueprint = endpoint.rsplit(".", 1)[0] if "." in endpoint else None
    return (name in csrf._exempt_views
            or app.blueprints.get(blueprint) in csrf._exempt_blueprints)


def test_a_token_from_another_session_is_refused(app, tree):
    thief, victim = app.test_client(), app.test_client()
    victim.login("village_admin")
    stolen = thief.csrf_token()  # valid, but bound to the thief's own session
    response = victim.post(f"/grids/{tree.grid_a2.id}/retire", data={"csrf_token": stolen},
                           csrf=False)
    assert response.status_code == 400
    assert db.session.get(type(tree.grid_a2), tree.grid_a2.id).active


# ------------------------------------------------------------------------------- login throttling

def _login(client, login, password=PASSWORD, **kw):
    return client.post("/login", data={"login": login, "password": password}, **kw)


def test_throttle_counts_an_account_whatever_name_it_is_logged_in_by(app, client, tree):
    user = tree.users["grid_worker"]
    user.phone, user.email = "13912345678", "gw@example.cn"
    db.session.commit()
    addresses = iter(["10.0.0.1"] * 20)  # an account is counted per address (tests/test_auth.py)
    for login in ("grid_worker", "13912345678", "GW@example.cn", "grid_worker", "13912345678"):
        response = _login(client, login, "bad", environ_base={"REMOTE_ADDR": next(addresses)})
        assert response.status_code == 401
    locked = _login(client, "gw@example.cn", environ_base={"REMOTE_ADDR": next(addresses)})
    assert locked.status_code == 429
    assert client.get("/").status_code == 302  # the right password did not log in


def test_forwarded_for_does_not_escape_the_address_lock_without_a_proxy(app, client, tree):
    assert app.config["PROXY_COUNT"] == 0
    for n in range(app.config["LOGIN_ADDRESS_MAX_FAILURES"]):
        _login(client, f"nobody{n}", "bad", headers={"X-Forwarded-For": f"10.7.7.{n}"})
    refused = _login(client, "village_admin", headers={"X-Forwarded-For": "10.8.8.8"})
    assert refused.status_code == 429


def test_throttle_is_kept_in_the_database_and_old_failures_are_pruned(app, client, tree):
    from portal.auth import throttle
    from portal.timeutil import utcnow

    old = LoginAttempt(key="address:10.3.3.3", at=utcnow() - timedelta(days=2))
    db.session.add(old)
    db.session.commit()
    _login(client, "town_admin", "bad")
    assert throttle.failure_count("address:10.3.3.3") == 0
    assert throttle.failure_count(throttle.account_key(tree.users["town_admin"], "127.0.0.1")) == 1


def test_an_unknown_login_is_answered_like_a_wrong_password(app, client, tree):
    """No username probing: an unknown login gets the same page as a wrong password (the view
    checks a dummy hash for it, so the time is alike too)."""
    import re

    def page(response):  # the CSRF tokens carry a timestamp
        text = response.get_data(as_text=True).replace("nobody-at-all", "town_admin")
        return re.sub(r"[\w-]{20,}\.[\w-]{6}\.[\w-]{20,}", "TOKEN", text)

    unknown = _login(client, "nobody-at-all", "bad", environ_base={"REMOTE_ADDR": "10.5.5.1"})
    known = _login(client, "town_admin", "bad", environ_base={"REMOTE_ADDR": "10.5.5.2"})
    assert unknown.status_code == known.status_code == 401
    assert page(unknown) == page(known)


# ------------------------------------------------------------------------------- passwords

def test_no_password_is_stored_in_plain_text_anywhere(app, client, tree):
    from werkzeug.security import check_password_hash

    from portal.config import Defaults

    assert Defaults.PASSWORD_HASH_METHOD == "scrypt"
    client.login("county_admin")
    new_password = "Plain-Text-9876"
    response = client.post("/admin/users/new", data={
        "username": "newbie", "display_name": "新人", "role": "grid_worker",
        "scope": tree.grid_a2.id, "password": new_password, "active": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)
    _login(app.test_client(), "town_admin", "Wrong-Guess-1")  # a failed attempt is not stored
    users = db.session.scalars(select(User)).all()
    for user in users:
        assert user.password_hash.startswith(("pbkdf2:", "scrypt:")), user.username
    newbie = next(u for u in users if u.username == "newbie")
    assert check_password_hash(newbie.password_hash, new_password)
    for name, rows in snapshot().items():
        for row in rows:
            for secret in (PASSWORD, new_password, "Wrong-Guess-1"):
                assert secret not in row, f"{secret!r} in plain text in table {name}"


# ------------------------------------------------------------------------------- scope isolation

def _b_clients(app, world):
    clients = {}
    for username in sorted(u for u in world.users if u.startswith("b_")):
        client = app.test_client()
        client.login(username)
        clients[username] = client
    return clients


def isolation_failures(app, world, clients, routes) -> list[str]:
    """Open each route (built with town A's records) as each town-B user: every one gets 403
    (the role may not use the page at all) or 404, and at least one gets 404 (a role allowed to
    use the page is told the record does not exist). Town B's admin gets 404 unless the role is
    refused the page everywhere (the kiosk, a volunteer's own actions)."""
    failures = []
    for endpoint, method, arguments, owner in routes:
        if endpoint in world.not_scoped or endpoint.endswith(".static"):
            continue
        url = build_url(app, world, endpoint, arguments, owner)
        answers = {}
        for username, client in clients.items():
            response = client.get(url) if method == "GET" else client.post(url, data={})
            answers[username] = response.status_code
        wrong = {u: status for u, status in answers.items() if status not in (403, 404)}
        if wrong:
            failures.append(f"{method} {url} ({endpoint}): {wrong}, expected 403/404")
        elif 404 not in answers.values():
            failures.append(f"{method} {url} ({endpoint}): no town-B user got 404: {answers}")
    return failures


def test_every_route_naming_a_record_of_town_a_is_a_404_for_town_b(app, world):
    """Each route with URL arguments, built with town A's records: town B's admin gets 404, and
    no town-B user of any role gets more than 403/404. POSTs (with a valid token) change
    nothing."""
    routes = [(e, m, a, o) for e, m, a, o in all_routes(app) if a]
    assert len(routes) > 80
    unknown = {e for e in world.not_scoped if e not in app.view_functions}
    assert not unknown, f"NOT_SCOPED names routes that no longer exist: {unknown}"
    clients = _b_clients(app, world)
    before = snapshot()
    failures = isolation_failures(app, world, clients, routes)
    changed = changed_tables(before, snapshot())
    assert not failures, "\n".join(failures)
    assert not changed, f"town B's requests changed {changed}"


def test_every_list_page_hides_town_a_from_town_b(app, world):
    """The pages without URL arguments show a town-B user nothing of town A's records."""
    clients = _b_clients(app, world)
    failures = []
    for endpoint, method, arguments, owner in all_routes(app):
        if method != "GET" or arguments or endpoint in world.not_scoped:
            continue
        url = build_url(app, world, endpoint, arguments, owner)
        for username, client in clients.items():
            response = client.get(url)
            if response.status_code >= 500:
                failures.append(f"{username} GET {url}: {response.status_code}")
            if response.mimetype != "text/html":
                continue
            text = response.get_data(as_text=True)
            leaked = [marker for marker in world.markers if marker in text]
            if leaked:
                failures.append(f"{username} GET {url}: shows {leaked}")
    assert not failures, "\n".join(failures)


def test_a_new_unscoped_route_fails_the_isolation_check(app, world):
    """The check above is complete: a route added without scoping is caught."""
    from portal.grids.models import Grid

    @app.route("/_leaky/<int:grid_id>")
    def leaky(grid_id):
        return db.session.get(Grid, grid_id).name

    routes = [r for r in all_routes(app) if r[0] == "leaky"]
    assert routes and "leaky" not in world.not_scoped
    clients = {"b_town_admin": _b_clients(app, world)["b_town_admin"]}
    failures = isolation_failures(app, world, clients, routes)
    assert failures == [f"GET /_leaky/{world.grid_a1.id} (leaky): {{'b_town_admin': 200}}, "
                        "expected 403/404"]


# ------------------------------------------------------------------------------- a GET writes nothing

#: Tables a GET may write, and why: reading is what they record, not a change of a record.
GET_MAY_WRITE = {
    "audit_log": "a look at something sensitive (a key person, a full number, an export, a "
                 "printed document) is itself written down",
    "notifications": "opening a message in the inbox marks it read, as a mail reader does",
}


def _written_tables(statement: str) -> set[str]:
    import re

    found = re.match(r"\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)\"?", statement, re.I)
    return {found[1]} if found else set()


@pytest.mark.database_independent
def test_no_get_route_changes_a_record(app, world):
    """Every GET route, as every role of town A: a link opened, a QR code scanned, a page
    prefetched never changes a record (a change is a POST with its CSRF token); only the
    bookkeeping of GET_MAY_WRITE is written."""
    from sqlalchemy import event

    urls = [build_url(app, world, endpoint, arguments, owner)
            for endpoint, method, arguments, owner in all_routes(app)
            if method == "GET" and not endpoint.endswith(".static")]
    written: set[str] = set()

    def note(conn, cursor, statement, parameters, context, executemany):
        written.update(_written_tables(statement))

    failures = []
    event.listen(db.engine, "before_cursor_execute", note)
    try:
        for username in [v for v in tree_users() if v]:
            client = app.test_client()
            client.login(username)
            for url in urls:
                written.clear()
                client.get(url)
                wrong = written - set(GET_MAY_WRITE)
                if wrong:
                    failures.append(f"{username} GET {url}: wrote {sorted(wrong)}")
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert not failures, "\n".join(failures[:40])
