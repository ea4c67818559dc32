"""User text reaches every JavaScript sink as text: grid, village and town names that are HTML
are shown literally in the map's tooltips and popups, the wall screen's map, the dashboard
charts' tooltips and the boundary editor's neighbours, and never run or navigate.

A grid is named ``<img src=x onerror=…>`` and a village ``<meta http-equiv=refresh …>``; each
page is opened, hovered and clicked. The test fails if ``window.__xss`` is set, the page went
elsewhere, an element of the name appeared in the page, or the name is not in the page as text.
(The CSP already forbids inline handlers, so an ``<img>`` that appears is the failure, not only
a handler that ran.)
"""
import json

import pytest

from portal.browser_testing import login, shot
from portal.cases.services import report
from portal.extensions import db
from portal.maps import services

# names go from the page's JSON to the JavaScript sinks: the same whatever database stored them
pytestmark = pytest.mark.database_independent

IMG = '<img src=x onerror="window.__xss=1">'
META = '<meta http-equiv=refresh content="0;url=/healthz">'


def _square(x, y, size=0.02):
    return json.dumps({"type": "Polygon", "coordinates": [[
        [x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]]})


def _hostile_tree(tree):
    tree.grid_a1.name = IMG
    tree.grid_a2.name = META
    tree.village_a1.name = META
    tree.village_a2.name = IMG
    admin = tree.users["county_admin"]
    services.save_drawn(tree.grid_a1, _square(112.90, 28.60), admin)
    services.save_drawn(tree.grid_a2, _square(112.93, 28.60), admin)
    services.save_drawn(tree.grid_a3, _square(112.96, 28.60), admin)
    for grid in (tree.grid_a1, tree.grid_a2, tree.grid_a3):
        report(grid, category="hazard", title="井盖缺失", description="—", source="patrol",
               reporter=tree.users["grid_worker"])
    db.session.commit()


def _check(page, url, where):
    """Nothing ran, nothing navigated, no element made of a name."""
    assert page.evaluate("window.__xss") is None, f"{where}: script ran"
    assert page.url == url, f"{where}: navigated to {page.url}"
    injected = page.evaluate("""() => [...document.querySelectorAll(
        'img[src="x"], body meta[http-equiv], .leaflet-container meta, .chart meta')].length""")
    assert injected == 0, f"{where}: a name became {injected} element(s)"


def _shown_as_text(locator, name, where):
    text = locator.inner_text()
    assert name in text, f"{where}: {name!r} not shown as text in {text!r}"


def _hover_polygons(page, map_selector, url, where, tmp_path):
    polygons = page.locator(f"{map_selector} path.leaflet-interactive")
    names = []
    for index in range(polygons.count()):
        polygons.nth(index).hover()
        tooltip = page.locator(".leaflet-tooltip")
        tooltip.last.wait_for()
        names.append(tooltip.last.inner_text())
        _check(page, url, f"{where} tooltip {index}")
    shot(page, tmp_path, f"{where}-tooltip")
    return names


def test_map_tooltips_and_popups_show_names_as_text(page, live_server, tree, tmp_path):
    _hostile_tree(tree)
    login(page, live_server, "county_admin")
    url = f"{live_server}/map/?grid={tree.village_a1.id}&measure=open"
    page.goto(url)
    page.locator("#grid-map[data-loaded]").wait_for()
    names = _hover_polygons(page, "#grid-map", url, "map", tmp_path)
    assert any(IMG in n for n in names) and any(META in n for n in names), names
    page.locator("#grid-map path.leaflet-interactive").first.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    shot(page, tmp_path, "map-popup")
    _check(page, url, "map popup")
    assert IMG in popup.inner_text() or META in popup.inner_text()
    page.wait_for_timeout(1200)  # a meta refresh of 0 s would have fired by now
    _check(page, url, "map after a second")


def test_wall_screen_map_and_chart_show_names_as_text(page, live_server, tree, tmp_path):
    _hostile_tree(tree)
    login(page, live_server, "county_admin")
    url = f"{live_server}/dashboard/wall?grid={tree.town_a.id}"
    page.goto(url)
    page.locator(".wall-map[data-loaded]").wait_for()
    page.locator(".chart-trend svg").wait_for()
    _hover_polygons(page, ".wall-map", url, "wall", tmp_path)
    _shown_as_text(page.locator("body"), META, "wall screen")
    page.wait_for_timeout(1200)
    _check(page, url, "wall after a second")


def test_dashboard_chart_tooltips_show_names_as_text(page, live_server, tree, tmp_path):
    _hostile_tree(tree)
    login(page, live_server, "county_admin")
    for node, name in ((tree.village_a1, IMG), (tree.town_a, META)):
        url = f"{live_server}/dashboard/?grid={node.id}"
        page.goto(url)
        chart = page.locator(".chart-bars")
        chart.locator("svg").wait_for()
        box = chart.bounding_box()
        seen = ""
        # sweep across the bars: the axis tooltip shows each child's name in turn
        for step in range(1, 20):
            page.mouse.move(box["x"] + box["width"] * step / 20, box["y"] + box["height"] * 0.6)
            page.wait_for_timeout(60)
            seen += chart.inner_text()
            _check(page, url, f"dashboard {node.name} tooltip")
        shot(page, tmp_path, f"dashboard-{node.id}-tooltip")
        assert name in seen, f"dashboard of {node.id}: {name!r} not in the tooltips: {seen!r}"
        page.wait_for_timeout(1200)
        _check(page, url, "dashboard after a second")


def test_boundary_editor_neighbours_show_names_as_text(page, live_server, tree, tmp_path):
    _hostile_tree(tree)
    login(page, live_server, "village_admin")
    url = f"{live_server}/map/grids/{tree.grid_a2.id}/boundary"
    page.goto(url)
    page.locator("#draw-map[data-loaded='1']").wait_for()
    grey = page.locator("#draw-map path.leaflet-interactive")
    names = []
    for index in range(grey.count()):
        grey.nth(index).hover(force=True)
        tooltips = page.locator(".leaflet-tooltip")
        if tooltips.count():
            names.append(tooltips.last.inner_text())
        _check(page, url, f"editor tooltip {index}")
    shot(page, tmp_path, "editor-tooltip")
    assert any(IMG in n for n in names) or any(META in n for n in names), names
    page.wait_for_timeout(1200)
    _check(page, url, "editor after a second")
