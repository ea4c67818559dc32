"""The command centre in a real browser: the dashboard with its charts, the grid map with its
popups, drawing a boundary, and the wall screen refreshing itself."""
import json

from portal.browser_testing import login, shot
from portal.cases.services import report
from portal.extensions import db
from portal.maps import services
from portal.maps.models import GridBoundary


def _square(x, y, size=0.02):
    return json.dumps({"type": "Polygon", "coordinates": [[
        [x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]]})


def _watch_console(page):
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems


def test_dashboard_charts_and_drill_down(page, live_server, tree, tmp_path):
    report(tree.grid_a3, category="hazard", title="桥头塌方", description="—", source="patrol",
           reporter=tree.users["grid_worker"])
    db.session.commit()
    problems = _watch_console(page)
    login(page, live_server, "town_admin")
    page.get_by_role("link", name="指挥中心", exact=True).first.click()
    page.get_by_role("heading", name="指挥中心 · 文星镇").wait_for()
    page.locator(".chart-trend svg").wait_for()
    page.locator(".chart-bars svg").wait_for()
    shot(page, tmp_path, "dashboard")
    page.locator("#children-table").get_by_role("link", name="凤南村").click()
    page.get_by_role("heading", name="指挥中心 · 凤南村").wait_for()
    with page.expect_navigation():
        page.locator("a.stat", has_text="在办事件").click()
    assert page.get_by_text("桥头塌方").is_visible()
    assert not [p for p in problems if "favicon" not in p], problems


def test_map_colours_grids_and_opens_a_popup(page, live_server, tree, tmp_path):
    admin = tree.users["county_admin"]
    services.save_drawn(tree.grid_a1, _square(112.90, 28.60), admin)
    services.save_drawn(tree.grid_a3, _square(112.92, 28.60), admin)
    for _ in range(3):
        report(tree.grid_a1, category="hazard", title="井盖缺失", description="—", source="patrol",
               reporter=tree.users["grid_worker"])
    db.session.commit()
    problems = _watch_console(page)
    login(page, live_server, "town_admin")
    page.goto(f"{live_server}/map/?measure=open")
    page.locator("#grid-map[data-loaded='2']").wait_for()
    polygons = page.locator("#grid-map path.leaflet-interactive")
    assert polygons.count() == 2
    assert page.locator("#map-legend").get_by_text("在办事件").is_visible()
    shot(page, tmp_path, "map")
    polygons.first.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "第一网格" in popup.inner_text() and "在办事件: 3" in popup.inner_text()
    shot(page, tmp_path, "map-popup")
    with page.expect_navigation():
        popup.get_by_role("link", name="查看网格").click()
    assert page.url.endswith(f"/grids/{tree.grid_a1.id}")
    assert not [p for p in problems if "favicon" not in p], problems


def test_an_admin_draws_a_boundary(page, live_server, tree, tmp_path):
    services.save_drawn(tree.grid_a1, _square(112.90, 28.60), tree.users["county_admin"])
    db.session.commit()
    problems = _watch_console(page)
    login(page, live_server, "village_admin")
    page.goto(f"{live_server}/map/grids/{tree.grid_a2.id}/boundary")
    box = page.locator("#draw-map[data-loaded='1']")
    box.wait_for()
    page.locator(".leaflet-pm-icon-polygon").click()
    area = box.bounding_box()
    x, y, w, h = area["x"], area["y"], area["width"], area["height"]
    corners = [(0.70, 0.30), (0.90, 0.30), (0.90, 0.70), (0.70, 0.70)]
    for fx, fy in corners:
        page.mouse.click(x + w * fx, y + h * fy)
        page.wait_for_timeout(150)
    page.mouse.click(x + w * corners[0][0], y + h * corners[0][1])  # back to the first: done
    page.wait_for_function("document.getElementById('geometry').value.includes('Polygon')")
    shot(page, tmp_path, "draw")
    with page.expect_navigation():
        page.get_by_role("button", name="保存边界").click()
    assert page.get_by_text("的边界已保存").is_visible()
    stored = db.session.scalar(db.select(GridBoundary).filter_by(grid_id=tree.grid_a2.id))
    assert stored is not None and stored.source == "drawn"
    assert json.loads(stored.geometry)["type"] == "Polygon"
    assert not [p for p in problems if "favicon" not in p], problems


def test_wall_screen_refreshes_itself(page, live_server, app, tree, tmp_path):
    app.config["WALL_REFRESH_SECONDS"] = 1
    page.set_viewport_size({"width": 1920, "height": 1080})
    login(page, live_server, "town_admin")
    page.goto(f"{live_server}/dashboard/wall")
    page.locator(".wall-box .chart-trend svg").wait_for()
    with page.expect_response(lambda r: "/dashboard/wall" in r.url
                              and r.request.headers.get("hx-request") == "true"):
        pass
    page.locator(".wall-box .chart-trend svg").wait_for()  # redrawn after the swap
    shot(page, tmp_path, "wall")
