"""A county's view of a module holds only the towns where the module is on.

tests/test_module_gating.py proves that every page a module serves for one town (a record,
``?town=``, a form's town) is a 404 where the module is off. This file covers the rest: the
county-wide pages with no town chosen (lists, reports, overviews, pickers, exports), and the
cards the modules add to the home page and the command centre. Records made in town A while a
module was on must vanish from the county's view once town A switches it off (town B keeps it,
so the county's users still open the module's pages).

Every built-in plugin's own route-test world builds its records in town A; here each record
that a list shows gets a marker in its name, title or description (and town A's households,
towns, villages and grids get one in their address or name). Then, as the county admin, as
department staff (county scope) and as department staff of a deployment that gives them every
module permission, every route of every plugin without URL arguments (from the URL map) is
opened: GET as a page and as an htmx partial, POST with an empty form (which re-renders the
page), .xlsx files read cell by cell with openpyxl; and the home page and the command centre.
With the modules on in town A, each plugin's marker shows on at least one of its pages (so the
test proves something); with them off, no marker may show anywhere, and every module card of
the county equals the same card of town B alone.
"""
import io
import re
from dataclasses import replace

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from portal.extensions import db
from portal.grids.models import Grid
from portal.grids.services import grids_in
from portal.modules.services import set_module
from portal.people.models import Resident
from portal.plugin_testing import installed_names, plugin_routes
from portal.plugins import BUILTIN_PLUGINS, host
from portal.tenancy import in_subtree
from portal.testing import routes_of

#: A marker per plugin, put into the names and titles of its records in town A.
MARKS = {name: f"Zq{name.replace('_', '')}Mk" for name in sorted(installed_names())}
#: Town A's households (addresses) and grid nodes (names): core data that a module's county
#: pages show in their lists and pickers.
HOME_MARK, GRID_MARK = "ZqhomeMk", "ZqgridMk"
#: Town A's residents (names), whom a module's pages find by the core's search (``?q=``).
RESIDENT_MARK = "甲乙丙丁戊"
#: What is searched for: a part of the mark, so that the search box's echo is no leak.
RESIDENT_QUERY = RESIDENT_MARK[1:-1]

#: The county-scoped visitors: (username, whether department staff get every module permission).
VISITORS = [("county_admin", False), ("dept_staff", False), ("dept_staff", True)]

CORE_PAGES = ("/", "/dashboard/", "/dashboard/wall")


@pytest.fixture
def marked(app, tree):
    """Every plugin's route-test world in town A (the modules on in both towns; each plugin
    builds it through its ``testing_routes`` hook), its listed records marked."""
    for name, routes in plugin_routes(app).items():
        world = routes.world(tree)
        for record, field in routes.listed(world):
            setattr(record, field, f"{getattr(record, field)}{MARKS[name]}")
    for household in (tree.household_a, tree.household_a2):
        household.address += HOME_MARK
    for node in db.session.scalars(grids_in(tree.town_a)):
        node.name += GRID_MARK
    for resident in db.session.scalars(select(Resident).join(Grid, Grid.id == Resident.grid_id)
                                       .where(in_subtree(Grid.code, tree.town_a))):
        resident.name += RESIDENT_MARK
    db.session.commit()
    return tree


def test_every_built_in_plugin_is_marked(app):
    built_in = {path.rsplit(".", 1)[-1] for path in BUILTIN_PLUGINS}
    assert set(MARKS) == built_in & set(host(app).optional), (
        "a new plugin: answer the testing_routes hook with its world and listed records")


def widen(app):
    """A deployment that gives department staff every module permission and the command
    centre: then every module page is opened by a county user of a second role."""
    registry = app.extensions["portal_permissions"]
    for name, permission in list(registry.items()):
        if name.split(".")[0] in MARKS or name == "dashboard.view":
            registry[name] = replace(permission, roles=(*permission.roles, "dept_staff"))


def xlsx_text(body: bytes) -> str:
    book = load_workbook(io.BytesIO(body), read_only=True)
    return "\n".join(str(value) for sheet in book.worksheets
                     for row in sheet.iter_rows(values_only=True) for value in row
                     if value is not None)


def page_text(response) -> str:
    if response.mimetype.endswith("spreadsheetml.sheet"):
        return xlsx_text(response.get_data())
    return response.get_data(as_text=True)


def module_pages(app, client):
    """(plugin, what was opened, text) of every argument-less route of every plugin."""
    for plugin in sorted(MARKS):
        for (endpoint, method), arguments in sorted(routes_of(app, plugin).items()):
            if arguments or endpoint.endswith(".static"):
                continue
            with app.test_request_context():
                from flask import url_for

                url = url_for(endpoint)
            if method == "GET":
                tries = [("GET", client.get(url)), ("GET htmx", client.htmx_get(url)),
                         ("GET", client.get(f"{url}?q={RESIDENT_QUERY}"))]
            else:
                tries = [("POST", client.post(url, data={})),
                         ("POST htmx", client.htmx_post(url, data={}))]
            for how, response in tries:
                yield plugin, f"{how} {response.request.full_path} ({response.status_code})", \
                    page_text(response)


CARDS = re.compile(r'<section class="cards".*?</section>', re.S)


def cards_of(client, url) -> str:
    found = CARDS.search(client.get(url).get_data(as_text=True))
    return found.group(0) if found else ""


def login(app, username):
    client = app.test_client()
    client.login(username)
    return client


def test_a_county_sees_a_module_only_in_the_towns_where_it_is_on(app, marked):
    tree = marked
    # -------- on in town A: the markers show, so the walk below can see a leak
    client = login(app, "county_admin")
    pages = list(module_pages(app, client))
    shown = {plugin for plugin, _what, text in pages if MARKS[plugin] in text}
    assert shown == set(MARKS), f"no page shows the records of {set(MARKS) - shown}"
    for mark in (HOME_MARK, GRID_MARK, RESIDENT_MARK):
        assert any(mark in text for _plugin, _what, text in pages), f"{mark} is never shown"
    town_b_cards = cards_of(client, f"/dashboard/?grid={tree.town_b.id}")
    assert cards_of(client, "/dashboard/") != town_b_cards, "the county's cards count town A"

    # -------- off in town A, on in town B
    for plugin in MARKS:
        set_module(tree.town_a, plugin, False)
    db.session.commit()
    failures, opened, compared = [], 0, 0
    for username, wide in VISITORS:
        if wide:
            widen(app)
        client = login(app, username)
        for _plugin, what, text in module_pages(app, client):
            opened += 1
            leaked = [m for m in (*MARKS.values(), HOME_MARK, GRID_MARK, RESIDENT_MARK)
                      if m in text]
            if leaked:
                failures.append(f"{username}{' (wide)' if wide else ''} {what}: {leaked}")
        town_b_cards = cards_of(client, f"/dashboard/?grid={tree.town_b.id}") \
            if username == "county_admin" or wide else None
        for url in CORE_PAGES:
            response = client.get(url)
            text = response.get_data(as_text=True)
            leaked = [m for m in (*MARKS.values(), HOME_MARK) if m in text]
            if leaked:
                failures.append(f"{username} GET {url}: {leaked}")
            found = CARDS.search(text)
            if town_b_cards is not None and found:  # the wall screen shows no cards
                compared += 1
                if found.group(0) != town_b_cards:
                    failures.append(f"{username}{' (wide)' if wide else ''} GET {url}: the "
                                    "modules' cards count records of town A")
    assert opened > 0 and compared >= 4  # home and command centre, county admin and wide staff
    assert not failures, "\n".join(failures)


def test_no_plugin_scopes_a_query_by_the_bare_subtree():
    """The behaviour test above walks the pages and cards that exist; this keeps new ones honest:
    a plugin narrows a query by ``in_subtree_where_on`` (the towns where it is on), never by the
    bare SQL ``in_subtree(Model.column, ...)``, unless a comment on the line above says why every
    town's rows are meant. The Python form (``in_subtree(record.grid.code, scope)``) tests one
    record and is not a query."""
    import re
    from pathlib import Path

    from portal import ROOT

    bare = re.compile(r"(?<![\w.])in_subtree\(\s*[A-Z]\w*\.")  # the SQL form: a column
    offenders = []
    for path in Path(ROOT, "plugins").rglob("*.py"):
        if "tests" in path.parts:
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, 1):
            if bare.search(line) and not line.lstrip().startswith(("from ", "import ")):
                above = lines[number - 2] if number > 1 else ""
                if "module on or off" not in above:
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "use portal.tenancy.in_subtree_where_on:\n" + "\n".join(offenders)
