"""Every route in the URL map, for every role and for anonymous visitors.

A new page that is not in ROUTES fails this test: add it with the rule it follows, and the test
then checks that the page really enforces it.
"""
import io
from dataclasses import dataclass

import pytest
from PIL import Image

from portal.extensions import db
from portal.grids.models import GridStaff
from portal.permissions import ROLES, role_has
from portal.uploads import photo_dir

PUBLIC, LOGIN = "public", "login"


@dataclass(frozen=True)
class Rule:
    #: PUBLIC, LOGIN (any logged-in user) or the permission the page requires.
    access: str
    #: Status for a user who may: 200 for a page, 302 for an action that redirects.
    ok: int = 200
    #: The URL names a record in town A: a town-B admin must get 404.
    scoped: bool = True
    #: Roles a plugin lets in although the core would not.
    also: tuple = ()
    #: Form data for POST.
    data: tuple = ()


ROUTES = {
    ("home.index", "GET"): Rule(LOGIN, scoped=False),
    ("health.healthz", "GET"): Rule(PUBLIC, scoped=False),
    ("auth.login", "GET"): Rule(PUBLIC, scoped=False),
    ("auth.login", "POST"): Rule(PUBLIC, ok=400, scoped=False),
    ("auth.logout", "POST"): Rule(LOGIN, ok=302, scoped=False),
    ("auth.set_language", "POST"): Rule(PUBLIC, ok=302, scoped=False, data=(("lang", "zh_CN"),)),
    ("public.notice", "GET"): Rule(PUBLIC, scoped=False),
    ("public.qr", "GET"): Rule(PUBLIC, scoped=False),
    ("public.photo", "GET"): Rule(PUBLIC, scoped=False),
    ("grids.index", "GET"): Rule("grids.view", ok=302, scoped=False),
    ("grids.search", "GET"): Rule("grids.view", scoped=False),
    ("grids.show", "GET"): Rule("grids.view"),
    ("grids.card", "GET"): Rule("grids.view"),
    ("grids.staff_photo", "GET"): Rule("grids.view"),
    ("grids.create", "GET"): Rule("grids.manage"),
    ("grids.create", "POST"): Rule("grids.manage", ok=400),
    ("grids.edit", "GET"): Rule("grids.manage"),
    ("grids.edit", "POST"): Rule("grids.manage", ok=302),  # unchanged fields come from the record
    ("grids.inline_name", "GET"): Rule("grids.manage"),
    ("grids.inline_name", "POST"): Rule("grids.manage", ok=400),
    ("grids.move", "GET"): Rule("grids.manage"),
    ("grids.move", "POST"): Rule("grids.manage", ok=400),
    ("grids.staff_new", "GET"): Rule("grids.manage"),
    ("grids.staff_new", "POST"): Rule("grids.manage", ok=400),
    ("grids.staff_edit", "GET"): Rule("grids.manage"),
    ("grids.staff_edit", "POST"): Rule("grids.manage", ok=302),
    ("grids.retire", "POST"): Rule("grids.manage", ok=302),
    ("grids.restore", "POST"): Rule("grids.manage", ok=302),
    ("grids.staff_end", "POST"): Rule("grids.manage", ok=302),
    ("admin.users_list", "GET"): Rule("users.manage", scoped=False),
    ("admin.user_new", "GET"): Rule("users.manage", scoped=False),
    ("admin.user_new", "POST"): Rule("users.manage", ok=400, scoped=False),
    ("admin.user_edit", "GET"): Rule("users.manage"),
    ("admin.user_edit", "POST"): Rule("users.manage", ok=400),
    ("admin.modules_page", "GET"): Rule("modules.manage", scoped=False),
    ("admin.module_switch", "POST"): Rule("modules.manage", ok=302, data=(("enabled", "1"),)),
    ("admin.audit_log", "GET"): Rule("audit.view", scoped=False),
    # the example plugin, switched on for town A only
    ("example.index", "GET"): Rule("example.view", also=("resident",)),
    ("example.public", "GET"): Rule(PUBLIC, scoped=False),
    ("example.static", "GET"): Rule(PUBLIC, scoped=False),
}

VISITORS = [None, *ROLES, "b_town_admin"]


def expected(rule: Rule, visitor: str | None, endpoint: str) -> int:
    if rule.access == PUBLIC:
        if endpoint == "auth.login" and visitor:
            return 302  # already logged in: off to the home page
        return rule.ok
    if visitor is None:
        return 302  # to the login page
    role = "town_admin" if visitor == "b_town_admin" else visitor
    allowed = rule.access == LOGIN or role_has(role, rule.access) or role in rule.also
    if visitor == "b_town_admin" and rule.scoped:
        return 404
    return rule.ok if allowed else 403


def url_values(tree, staff):
    return {
        "grid_id": tree.grid_a1.id, "staff_id": staff.id, "grid_code": tree.grid_a1.code,
        "user_id": tree.users["grid_worker"].id, "town_id": tree.town_a.id, "name": "example",
        "town_code": tree.town_a.code, "filename": "example.css",
    }


OVERRIDES = {"grids.create": {"grid_id": "village_a1", "level": "grid"}}


def build_url(app, tree, staff, endpoint, arguments):
    from flask import url_for

    values = url_values(tree, staff)
    for key, value in OVERRIDES.get(endpoint, {}).items():
        values[key] = getattr(tree, value).id if key == "grid_id" else value
    with app.test_request_context():
        return url_for(endpoint, **{a: values[a] for a in arguments})


@pytest.fixture
def staff(tree):
    name = "route-test.jpg"
    Image.new("RGB", (10, 10)).save(photo_dir() / name, "JPEG")
    member = GridStaff(grid_id=tree.grid_a1.id, post="worker", name="测试", photo=name)
    db.session.add(member)
    db.session.commit()
    return member


def test_every_route_is_in_the_matrix(app):
    routes = {(rule.endpoint, method) for rule in app.url_map.iter_rules()
              if rule.endpoint != "static"
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes - set(ROUTES) == set(), "new routes: add them to ROUTES with their rule"
    assert set(ROUTES) - routes == set(), "ROUTES names routes that no longer exist"


@pytest.mark.parametrize("visitor", VISITORS, ids=[v or "anonymous" for v in VISITORS])
def test_every_route_answers_as_the_matrix_says(app, client, example_on, staff, visitor):
    if visitor:
        client.login(visitor)
    rules = {}
    for rule in app.url_map.iter_rules():
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if rule.endpoint != "static":
                rules.setdefault((rule.endpoint, method), rule.arguments)
    # actions that change state (logging out above all) go last
    order = sorted(rules, key=lambda key: (key[1] == "POST", key[0] == "auth.logout"))
    failures = []
    for endpoint, method in order:
        rule = ROUTES[(endpoint, method)]
        url = build_url(app, example_on, staff, endpoint, rules[(endpoint, method)])
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data=dict(rule.data))
        want = expected(rule, visitor, endpoint)
        if response.status_code != want:
            failures.append(f"{method} {url} ({endpoint}): {response.status_code}, expected {want}")
        elif want == 302 and visitor is None and rule.access != PUBLIC:
            if "/login" not in (response.location or ""):
                failures.append(f"{method} {url}: redirects to {response.location}, not login")
    assert not failures, "\n".join(failures)
