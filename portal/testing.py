"""Shared pytest fixtures for the core's and the plugins' tests.

Each test gets a fresh database of its own: a SQLite file, or, when PORTAL_TEST_DATABASE_URL names
a PostgreSQL database, that database (one per pytest-xdist worker) created anew. The schema, the
test tree and the demo are built once per worker and copied in (portal.database_snapshots).
Loaded by pytest's addopts (``-p portal.testing``).
"""
import os
import secrets
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from jinja2 import BytecodeCache
from sqlalchemy import text

from portal import create_app
from portal.browser_testing import (browser, kiosk_screen, page, phone,  # noqa: F401  (fixtures)
                                    phone_without_worker)
from portal.database_snapshots import Snapshots, schema_key, worker_database_url
from portal.extensions import db

PASSWORD = "secret123"


class PortalClient(FlaskClient):
    """A test client that sends a valid CSRF token with every state change unless told not to,
    because the portal (rightly) refuses any POST without one."""

    def open(self, *args, **kwargs):
        # Tests keep an app context open, and Flask reuses it for each request, so `g` (where
        # Flask-Login caches the user) would leak from one request into the next.
        from flask import g, has_app_context

        if has_app_context():
            vars(g._get_current_object()).clear()
        return super().open(*args, **kwargs)

    def csrf_token(self) -> str:
        with self.session_transaction() as session:
            raw = session.setdefault("csrf_token", secrets.token_hex(20))
        return URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token").dumps(raw)

    def post(self, *args, csrf=True, **kwargs):
        if csrf:
            data = kwargs.setdefault("data", {})
            if isinstance(data, dict):
                data.setdefault("csrf_token", self.csrf_token())
        return super().post(*args, **kwargs)

    def htmx_post(self, url, data=None, csrf=True, **kwargs):
        headers = {"HX-Request": "true", **kwargs.pop("headers", {})}
        if csrf:
            headers["X-CSRFToken"] = self.csrf_token()
        return super().post(url, data=data or {}, headers=headers, **kwargs)

    def htmx_get(self, url, **kwargs):
        return self.get(url, headers={"HX-Request": "true"}, **kwargs)

    def login(self, username, password=PASSWORD):
        response = self.post("/login", data={"login": username, "password": password})
        assert response.status_code == 302, f"login as {username} failed: {response.status_code}"
        return response

    def logout(self):
        return self.post("/logout")


def pytest_configure(config):
    from portal.i18n import compile_catalogues

    compile_catalogues()
    _share_url_builders()


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own reads the groups into the test ids
def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist (``--dist loadgroup``), the tests on the demo run on one worker: each
    worker would otherwise build the demo's snapshot (ten seconds) for itself."""
    if os.environ.get("PORTAL_TEST_DATABASE_URL", "").startswith("postgresql"):
        # CI runs the suite twice; what no database changes needs only the first (SQLite) run
        # and so does a browser test: it checks what a person sees and taps, while the server's
        # work under it is covered on both databases by the request and unit tests
        once = pytest.mark.skip(reason="database_independent: checked on the SQLite run")
        for item in items:
            if item.get_closest_marker("database_independent") or \
                    "browser" in getattr(item, "fixturenames", ()):
                item.add_marker(once)
    if not config.pluginmanager.hasplugin("xdist") or not getattr(config.option, "loadgroup", 0):
        return
    for item in items:
        if "demo" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("demo"))
            _in_group(item, "demo")


def _in_group(item, group: str) -> None:
    """What pytest-xdist does with an xdist_group mark (the group after "@" in the test's id, which
    its scheduler reads), for pytest 9.2 and later: there a test's id is no longer the attribute
    xdist 3.8 sets, and the groups were silently ignored."""
    if "@" in item.nodeid:
        return
    try:
        from _pytest.nodeid import coerce_node_id
    except ImportError:  # pytest before 9.2: xdist's own hook does it
        return
    item._id = coerce_node_id(f"{item.nodeid}@{group}")


def _share_url_builders() -> None:
    """Each test builds its own app, and Werkzeug compiles two Python functions for each of the
    app's ~350 URL rules: most of create_app's time. The functions depend only on the rule's
    parts and defaults (the rule itself is an argument), so apps may share them."""
    from werkzeug.routing.rules import Rule

    compile_builder = getattr(Rule, "_compile_builder", None)
    if compile_builder is None or getattr(compile_builder, "shared", False):
        return  # another Werkzeug: compile as it does
    compiled: dict = {}

    def shared(self, append_unknown: bool = True):
        defaults = self.defaults or {}
        key = (append_unknown, self.rule, tuple(self._trace), tuple(map(str, defaults)),
               tuple((name, self._converters[name].to_url(value))
                     for name, value in defaults.items() if name in self._converters))
        if key not in compiled:
            compiled[key] = compile_builder(self, append_unknown)
        return compiled[key]

    shared.shared = True  # type: ignore[attr-defined]  # a mark on the function
    Rule._compile_builder = shared  # type: ignore[method-assign]  # the point of it


def test_database_url(tmp_path) -> str:
    """This worker's PostgreSQL database when PORTAL_TEST_DATABASE_URL is set, else a SQLite file
    of the test's own."""
    return worker_database_url() or f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture(scope="session")
def snapshots(tmp_path_factory):
    """The database snapshots of this worker (schema, tree, demo), built when first needed."""
    saved = Snapshots(tmp_path_factory.mktemp("snapshots"))
    yield saved
    saved.drop()


def loaded_plugins(app) -> tuple:
    """What a snapshot of data depends on besides the tables: the plugins and roles loaded."""
    from portal.permissions import role_registry
    from portal.plugins import host

    return tuple(sorted(host(app).optional)), tuple(sorted(role_registry()))


def reset_database():
    """Empty the database completely (PostgreSQL keeps data between tests otherwise)."""
    engine = db.engine
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))


@pytest.fixture
def plugins_extra():
    """Import paths of extra plugins for the app under test; override in a conftest."""
    return []


@pytest.fixture
def app_config(tmp_path, plugins_extra):
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": test_database_url(tmp_path),
        "PLUGINS_EXTRA": plugins_extra,
        "PLUGINS_ENTRY_POINTS": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }


class CompiledTemplates(BytecodeCache):
    """Templates compiled once per test process and shared by every test's app.

    Each test builds its own app, so its own Jinja environment, which would parse and compile
    every template it renders again: a tenth of a second for a page's layout, partials and
    macros, a third of a light test's time. The compiled code depends only on the template's
    source (the checksum Jinja checks) and on the environment's options, the same in every app.
    """

    def __init__(self):
        self.codes: dict[str, tuple[str, object]] = {}

    def load_bytecode(self, bucket):
        found = self.codes.get(bucket.key)
        if found and found[0] == bucket.checksum:
            bucket.code = found[1]

    def dump_bytecode(self, bucket):
        self.codes[bucket.key] = (bucket.checksum, bucket.code)


COMPILED_TEMPLATES = CompiledTemplates()


class CompiledStatements:
    """SQL statements compiled once per test process and shared by every test's engine.

    SQLAlchemy keeps compiled statements per engine, keyed by the engine's own dialect object,
    so each test (a new app, a new engine) compiled every query it ran again: about as costly as
    the queries themselves on a small database. Engines of the tests differ only by the database
    they point at; the same dialect class on the same server compiles the same SQL.
    """

    def __init__(self):
        self.compiled: dict = {}

    @staticmethod
    def _key(key):
        dialect, *rest = key
        return (type(dialect), dialect.server_version_info, *rest)

    def get(self, key, default=None):
        return self.compiled.get(self._key(key), default)

    def __setitem__(self, key, value):
        self.compiled[self._key(key)] = value


COMPILED_STATEMENTS = CompiledStatements()


@pytest.fixture
def make_app(tmp_path, monkeypatch, snapshots):
    """Build an app on its own instance folder; the database starts empty (no tables)."""
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path / "instance"))
    apps = []

    def build(config, *, schema=False):
        app = create_app(config)
        app.test_client_class = PortalClient
        app.jinja_env.bytecode_cache = COMPILED_TEMPLATES
        with app.app_context():
            for engine in db.engines.values():
                engine.update_execution_options(compiled_cache=COMPILED_STATEMENTS)
        # the ORM's flushes (INSERT, UPDATE, DELETE) use a cache of their own per mapper
        for mapper in db.Model.registry.mappers:
            vars(mapper)["_compiled_cache"] = COMPILED_STATEMENTS
        with app.app_context():
            if schema:  # the tables and the calendar, as db.create_all and the migration leave them
                snapshots.fresh(schema_key("schema"), _create_schema)
            else:
                snapshots.empty()
        apps.append(app)
        return app

    yield build
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _create_schema() -> None:
    from portal.cases.calendar import seed_from_library

    db.create_all()  # tests only; real databases are built by migrations
    seed_from_library()  # what the migration seeds


@pytest.fixture
def app(make_app, app_config):
    app = make_app(app_config, schema=True)
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


#: The user of each of the core's roles in the two-town tree: where in town A (an attribute of
#: the tree). A plugin adds its own roles' through its ``testing_roles`` hook.
CORE_TREE_USERS = {
    "county_admin": "county", "town_admin": "town_a", "village_admin": "village_a1",
    "grid_worker": "grid_a1", "info_officer": "village_a1", "dept_staff": "county",
    "resident": "grid_a1",
}


def tree_users() -> dict[str, str]:
    """role -> the tree's node of its user (named after the role), the core's roles and those of
    every installed plugin."""
    from portal.plugin_testing import plugin_roles

    return {**CORE_TREE_USERS, **{role: t.scope for role, t in plugin_roles().items()}}


def tree_departments(county, town_a, town_b) -> dict:
    """The tree's departments (portal.departments): the county's 民政局, whose staff is the
    tree's dept_staff user, town A's 派出所 and 司法所, town B's 派出所."""
    from portal.departments.services import create_department

    return {"county": create_department(county, "民政局"),
            "police_a": create_department(town_a, "派出所"),
            "justice_a": create_department(town_a, "司法所"),
            "police_b": create_department(town_b, "派出所")}


def build_tree():
    """A small county: town A (two villages, three base grids, a special grid) and town B (one
    village, one grid), a user for every role in town A and two in town B, and a few households."""
    from portal.auth.services import create_user
    from portal.grids import services as grids
    from portal.people.services import add_household, add_resident
    from portal.permissions import role_registry

    county = grids.create_county("430624", "湘阴县")
    town_a = grids.create_grid(county, "town", "文星镇")
    village_a1 = grids.create_grid(town_a, "village", "城西社区")
    grid_a1 = grids.create_grid(village_a1, "grid", "第一网格")
    grid_a2 = grids.create_grid(village_a1, "grid", "第二网格")
    special_a = grids.create_grid(village_a1, "special", "工业园", special_kind="enterprise")
    village_a2 = grids.create_grid(town_a, "village", "凤南村")
    grid_a3 = grids.create_grid(village_a2, "grid", "凤南一组")
    town_b = grids.create_grid(county, "town", "樟树镇")
    village_b1 = grids.create_grid(town_b, "village", "荷叶村")
    grid_b1 = grids.create_grid(village_b1, "grid", "荷叶塘")

    nodes = {"county": county, "town_a": town_a, "village_a1": village_a1, "grid_a1": grid_a1,
             "grid_a2": grid_a2, "special_a": special_a, "village_a2": village_a2,
             "grid_a3": grid_a3}
    departments = tree_departments(county, town_a, town_b)
    known = role_registry()  # a plugin's roles only while the plugin is loaded
    users = {role: create_user(username=role, password=PASSWORD, role=role, scope=nodes[node],
                               display_name=f"{role} 用户",
                               department=departments["county"] if role == "dept_staff" else None)
             for role, node in tree_users().items() if role in known}
    users["b_town_admin"] = create_user(username="b_town_admin", password=PASSWORD,
                                        role="town_admin", scope=town_b)
    users["b_grid_worker"] = create_user(username="b_grid_worker", password=PASSWORD,
                                         role="grid_worker", scope=grid_b1)

    h1 = add_household(grid_a1, "城西路1号", number="001", colour="yellow")
    zhang = add_resident(h1, "张三丰", id_number="430624195001010013", phone="13812345678",
                         care=["elderly_alone"], party_member=True)
    add_resident(h1, "李秀英", relation="spouse")
    h2 = add_household(grid_a1, "城西路2号", number="002")
    add_resident(h2, "王小明")
    h3 = add_household(grid_a3, "凤南一组5号")
    add_resident(h3, "赵大")
    h4 = add_household(grid_b1, "荷叶塘8号")
    chen = add_resident(h4, "陈二", id_number="430624198002020022")
    add_resident(h4, "陈三", relation="child")
    db.session.commit()
    return SimpleNamespace(
        county=county, town_a=town_a, village_a1=village_a1, village_a2=village_a2,
        grid_a1=grid_a1, grid_a2=grid_a2, grid_a3=grid_a3, special_a=special_a,
        town_b=town_b, village_b1=village_b1, grid_b1=grid_b1, users=users,
        departments=departments,
        household_a=h1, household_a2=h2, household_b=h4, resident_a=zhang, resident_b=chen)


@pytest.fixture
def live_server(app):
    """Serve the test app on a free loopback port in a thread for the length of one test."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def tree(app, snapshots):
    return snapshots.restore(schema_key("tree", loaded_plugins(app)), build_tree)


@pytest.fixture
def demo(app, snapshots):
    """The demo county as ``portal demo`` loads it (built once per worker: it takes a while);
    returns the logins load_demo() returned."""
    from portal.demo import load_demo

    return snapshots.restore(schema_key("demo", loaded_plugins(app)), load_demo)


# ---------------------------------------------------------------- the route-by-role matrix

PUBLIC, LOGIN = "public", "login"


@dataclass(frozen=True)
class Rule:
    """How one route answers: the core's matrix (tests/test_routes.py) and each plugin's own."""

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
    #: Status for a logged-in user without the permission: 403, or 404 where even the page's
    #: existence is not to be known.
    denied: int = 403
    #: Roles allowed the page whose scope never holds the record the URL names (a village's admin
    #: and its town's own intake case): 404.
    unseen: tuple = ()


#: Anonymous, every role in town A (the installed plugins' too), and town B's admin (who must see
#: nothing of town A).
VISITORS = [None, *tree_users(), "b_town_admin"]


def routes_of(app, plugin: str | None) -> dict[tuple[str, str], tuple]:
    """(endpoint, method) -> URL arguments of the core's routes (``plugin=None``) or of one
    plugin's blueprints."""
    from portal.plugins import host

    owners = host(app).blueprint_owner
    found: dict = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        blueprint = rule.endpoint.rsplit(".", 1)[0] if "." in rule.endpoint else None
        if owners.get(blueprint) != plugin:
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found.setdefault((rule.endpoint, method), rule.arguments)
    return found


def expected_status(rule: Rule, visitor: str | None, endpoint: str) -> int:
    from portal.permissions import role_has

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
    if allowed and visitor in rule.unseen:
        return 404
    return rule.ok if allowed else rule.denied


def check_routes(app, client, table: dict, visitor: str | None, build_url) -> None:
    """Open every route of ``table`` as ``visitor`` and fail listing each answer that differs
    from its rule. ``build_url(endpoint, arguments)`` fills in the URL."""
    if visitor:
        client.login(visitor)
    # actions that change state (logging out above all) go last
    order = sorted(table, key=lambda key: (key[1] == "POST", key[0] == "auth.logout"))
    arguments = {key: args for key, args in _all_routes(app).items()}
    failures = []
    for endpoint, method in order:
        rule = table[(endpoint, method)]
        url = build_url(endpoint, arguments[(endpoint, method)])
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data=dict(rule.data))
        want = expected_status(rule, visitor, endpoint)
        if response.status_code != want:
            failures.append(f"{method} {url} ({endpoint}): {response.status_code}, expected {want}")
        elif want == 302 and visitor is None and rule.access != PUBLIC:
            if "/login" not in (response.location or ""):
                failures.append(f"{method} {url}: redirects to {response.location}, not login")
    assert not failures, "\n".join(failures)


def check_matrix_is_complete(app, table: dict, plugin: str | None) -> None:
    """Every route of ``plugin`` (the core's with None) has a rule, and every rule a route."""
    routes = set(routes_of(app, plugin))
    assert routes - set(table) == set(), "new routes: add them to ROUTES with their rule"
    assert set(table) - routes == set(), "ROUTES names routes that no longer exist"


def check_module_off_is_404(app, client, plugin: str, visitors, build_url) -> None:
    """With the module off for the town, every page of ``plugin`` (but its static files) is a
    404 for each of ``visitors``; call after switching it off."""
    for visitor in visitors:
        client.login(visitor)
        for (endpoint, method), arguments in routes_of(app, plugin).items():
            if endpoint.endswith(".static"):
                continue
            target = build_url(endpoint, arguments)
            response = client.get(target) if method == "GET" else client.post(target)
            assert response.status_code == 404, f"{visitor} {method} {target}"
        client.logout()


def url_builder(app, values: dict, overrides: dict | None = None):
    """build_url(endpoint, arguments) for check_routes: the URL of ``endpoint`` filled from
    ``values`` (``overrides[endpoint]`` wins for that endpoint)."""
    from flask import url_for

    def build(endpoint, arguments):
        given = {**values, **(overrides or {}).get(endpoint, {})}
        with app.test_request_context():
            return url_for(endpoint, **{a: given[a] for a in arguments})

    return build


def _all_routes(app) -> dict:
    found: dict = {}
    for rule in app.url_map.iter_rules():
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found.setdefault((rule.endpoint, method), rule.arguments)
    return found
