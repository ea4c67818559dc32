"""The command centre's dashboard: every figure against a hand count on a small county, the links
behind the numbers, scope, plugin cards, the wall screen and the export."""
import io
import re
from datetime import date, datetime, time, timedelta

import pytest
from openpyxl import load_workbook

from portal.cases import deadlines
from portal.cases.deadlines import local_date, set_deadlines
from portal.cases.services import report
from portal.dashboard.figures import build
from portal.extensions import db
from portal.grids.models import GridStaff
from portal.people.models import Household, Visit
from portal.people.visits import due_list

MARCH = (date(2026, 3, 1), date(2026, 3, 31))


def _noon(day: date) -> datetime:
    return datetime.combine(day, time(4))  # 12:00 in China, the same day


def _case(tree, grid, title, created, resolved=None, stars=None, state=None):
    case = report(grid, category="hazard", title=title, description="—", source="patrol",
                  reporter=tree.users["grid_worker"])
    case.created_at = created
    set_deadlines(case, local_date(created))
    if resolved:
        case.state, case.resolved_at, case.satisfaction = "evaluated", resolved, stars
    if state:
        case.state = state
    return case


@pytest.fixture
def county(tree):
    """Town A: four base grids, two with a worker; three households, two overdue for a visit and
    one due in two days; March cases: two resolved (one late), one still open and red, and a
    duplicate that counts nowhere; one case reported today. Town B: one grid without a worker,
    one household visited recently, one March case."""
    today = deadlines.today()
    for grid in (tree.grid_a1, tree.grid_a3):
        db.session.add(GridStaff(grid_id=grid.id, post="worker", name="网格员"))
    db.session.add(GridStaff(grid_id=tree.grid_a2.id, post="leader", name="网格长"))  # not a worker
    h1, h2 = tree.household_a, tree.household_a2  # h1: yellow with an elderly member → 15 days
    h3 = db.session.scalar(db.select(Household).filter_by(grid_id=tree.grid_a3.id))
    h1.created_at = _noon(today - timedelta(days=100))
    db.session.add(Visit(household_id=h1.id, grid_id=h1.grid_id, visited_on=today - timedelta(days=20),
                         found="—"))                                   # due 5 days ago: overdue
    h2.created_at = _noon(today - timedelta(days=200))                # ordinary 182: overdue
    h3.created_at = _noon(today - timedelta(days=180))                # due in two days: soon
    tree.household_b.created_at = _noon(today - timedelta(days=10))   # not due
    march = lambda day: _noon(date(2026, 3, day))  # noqa: E731
    _case(tree, tree.grid_a1, "三月按时", march(2), march(4), 5)
    _case(tree, tree.grid_a1, "三月超期", march(2), march(20), 3)
    _case(tree, tree.grid_a3, "三月红灯", march(3))
    _case(tree, tree.grid_a1, "三月重复", march(2), state="duplicate")
    _case(tree, tree.grid_a1, "今天上报", _noon(today))
    _case(tree, tree.grid_b1, "樟树三月", march(3), march(4), 4)
    db.session.commit()
    return tree


def test_figures_against_a_hand_count(county):
    board = build(county.town_a, *MARCH, deadlines.today())
    t = board.total
    assert (t.base_grids, t.unstaffed) == (4, 2)
    assert (t.households, t.residents) == (3, 4)
    assert (t.visits_overdue, t.visits_soon) == (2, 1)
    assert (t.received, t.open, t.red) == (3, 2, 1)
    assert (t.resolved, t.on_time, t.rated, t.stars, t.satisfied) == (2, 1, 2, 8, 1)
    assert t.on_time_rate == 0.5 and t.satisfaction == 4 and t.satisfied_rate == 0.5
    by_name = {node.grid.name: node.figures for node in board.children}
    assert list(by_name) == ["城西社区", "凤南村"]
    a1, a2 = by_name["城西社区"], by_name["凤南村"]
    assert (a1.base_grids, a1.unstaffed, a1.households, a1.residents) == (3, 2, 2, 3)
    assert (a1.visits_overdue, a1.received, a1.open, a1.red, a1.resolved) == (2, 2, 1, 0, 2)
    assert (a2.base_grids, a2.unstaffed, a2.visits_soon, a2.received, a2.open, a2.red) == (1, 0, 1, 1, 1, 1)
    march = board.trend[-1]
    assert board.trend[-1].month == "2026-03" and len(board.trend) == 12
    assert (march.received, march.resolved, march.on_time) == (3, 2, 1)


def test_the_county_adds_its_towns(county):
    board = build(county.county, *MARCH, deadlines.today())
    assert [n.grid.name for n in board.children] == ["文星镇", "樟树镇"]
    b = board.children[1].figures
    assert (b.base_grids, b.unstaffed, b.households, b.received, b.resolved, b.visits_overdue) == (1, 1, 1, 1, 1, 0)
    assert (board.total.received, board.total.resolved, board.total.unstaffed) == (4, 3, 3)


def test_visit_counts_match_the_due_list(tree):
    """The SQL count and the per-row rule (due_list) agree for every colour, care and age."""
    today = deadlines.today()
    colours = [None, "red", "yellow", "green"]
    grid = tree.grid_a2
    from portal.people.services import add_household

    for i in range(40):
        household = add_household(grid, f"测试路{i}号", colour=colours[i % 4])
        household.created_at = _noon(today - timedelta(days=(i * 7) % 200))
        if i % 3:
            db.session.add(Visit(household_id=household.id, grid_id=grid.id, found="—",
                                 visited_on=today - timedelta(days=(i * 5) % 40)))
    db.session.commit()
    rows = due_list(grid, today=today)
    board = build(grid, today, today, today, trend_months=0)
    assert board.total.visits_overdue == sum(r.status == "overdue" for r in rows)
    assert board.total.visits_soon == sum(r.status == "due" for r in rows)
    assert board.total.visits_overdue > 0 and board.total.visits_soon > 0


def _links(page: str) -> dict[str, str]:
    """Each figure tile's label → the URL it links to."""
    tiles = re.findall(r'<a class="stat[^"]*" href="([^"]+)"><span class="num">[^<]*</span>'
                       r'<span class="lbl">([^<]+)</span>', page)
    return {label: href.replace("&amp;", "&") for href, label in tiles}


def test_page_shows_the_figures_and_every_number_leads_to_its_list(client, county):
    client.login("town_admin")
    page = client.get("/dashboard/?since=2026-03-01&until=2026-03-31").get_data(as_text=True)
    assert "文星镇" in page and "樟树镇" not in page
    links = _links(page)
    assert len(links) == 12
    red = client.get(links["红灯事件"]).get_data(as_text=True)
    assert "三月红灯" in red and "今天上报" not in red and "三月超期" not in red
    received = client.get(links["期间受理事件"]).get_data(as_text=True)
    assert {"三月按时", "三月超期", "三月红灯"} <= set(re.findall(r"三月[^<\s]+", received))
    assert "三月重复" not in received and "今天上报" not in received
    opened = client.get(links["在办事件"]).get_data(as_text=True)
    assert "三月红灯" in opened and "今天上报" in opened and "三月按时" not in opened
    unstaffed = client.get(links["无网格员的网格"]).get_data(as_text=True)
    assert "第二网格" in unstaffed and "工业园" in unstaffed and "第一网格" not in unstaffed
    assert client.get(links["走访逾期户"]).status_code == 200
    people = client.get(links["人"]).get_data(as_text=True)
    assert "共4人" in people and "张三丰" in people and "陈二" not in people  # town B's
    stats = client.get(links["按时办结率"]).get_data(as_text=True)
    assert "50.0%" in stats
    # The children table drills down: a village's row leads to that village's dashboard.
    village = county.village_a2
    assert f'href="/dashboard/?grid={village.id}&amp;since=2026-03-01&amp;until=2026-03-31"' in page
    down = client.get(f"/dashboard/?grid={village.id}").get_data(as_text=True)
    assert "凤南村" in down and "城西社区" not in down.split("</nav>", 1)[1]
    # Charts carry their numbers in a table too.
    assert 'id="children-table"' in page and 'id="trend-table"' in page and "data-chart=" in page


def test_period_presets(client, county):
    client.login("town_admin")
    today = deadlines.today()
    page = client.get("/dashboard/?period=year").get_data(as_text=True)
    assert f'value="{date(today.year, 1, 1).isoformat()}"' in page
    swapped = client.get("/dashboard/?since=2026-03-31&until=2026-03-01").get_data(as_text=True)
    assert 'value="2026-03-01"' in swapped and 'value="2026-03-31"' in swapped
    assert client.get("/dashboard/?since=garbage").status_code == 200


def test_scope(client, county):
    client.login("village_admin")
    page = client.get("/dashboard/").get_data(as_text=True)
    assert "城西社区" in page and "凤南村" not in page and "樟树镇" not in page
    assert client.get(f"/dashboard/?grid={county.town_a.id}").status_code == 404
    assert client.get(f"/dashboard/?code={county.town_b.code}").status_code == 404
    assert client.get(f"/dashboard/?grid={county.grid_b1.id}").status_code == 404
    assert client.get("/dashboard/?grid=abc").status_code == 404
    assert client.get(f"/dashboard/unstaffed?grid={county.town_b.id}").status_code == 404
    assert client.get(f"/dashboard/wall?grid={county.grid_b1.id}").status_code == 404
    board = build(county.village_a1, *MARCH, deadlines.today())
    assert board.total.households == 2 and board.total.received == 2
    client.logout()
    client.login("b_town_admin")
    assert client.get(f"/dashboard/?grid={county.village_a1.id}").status_code == 404
    client.logout()
    client.login("resident")
    assert client.get("/dashboard/").status_code == 403
    client.logout()
    assert client.get("/dashboard/").status_code == 302


def test_plugin_cards_only_where_the_module_is_on(client, example_on):
    client.login("town_admin")
    assert "example card for 文星镇" in client.get("/dashboard/").get_data(as_text=True)
    client.logout()
    client.login("b_town_admin")
    assert "example card" not in client.get("/dashboard/").get_data(as_text=True)


def test_wall_screen_polls_with_htmx(client, county, app):
    app.config["WALL_REFRESH_SECONDS"] = 30
    client.login("town_admin")
    page = client.get("/dashboard/wall?since=2026-03-01&until=2026-03-31").get_data(as_text=True)
    assert 'class="wall"' in page and 'hx-trigger="every 30s"' in page
    assert "topbar" not in page  # no menu on the wall
    panel = client.htmx_get("/dashboard/wall?since=2026-03-01&until=2026-03-31").get_data(as_text=True)
    assert panel.lstrip().startswith("<div id=\"wall-panel\"") and "<html" not in panel
    assert re.search(r'<span class="num">2</span><span class="lbl">红灯|<span class="num">1</span><span class="lbl">红灯', panel)  # noqa: E501


def test_export_holds_the_same_numbers(client, county):
    client.login("town_admin")
    response = client.get("/dashboard/export.xlsx?since=2026-03-01&until=2026-03-31")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    total = rows[3]
    assert total[0] == "文星镇" and total[1:6] == (4, 2, 2, 3, 4) and total[8:12] == (3, 2, 1, 2)
    assert [r[0] for r in rows[4:]] == ["城西社区", "凤南村"]
    trend = list(book.worksheets[1].iter_rows(values_only=True))
    assert trend[-1][:4] == ("2026-03", 3, 2, 1)


def test_dashboard_is_a_handful_of_queries_whatever_the_size(client, county):
    from tests.test_query_counts import StatementCounter

    client.login("county_admin")
    # both requests start from a fresh identity map (the commit below expires it), so the
    # comparison counts what more villages cost, not whether the user was still cached
    db.session.expire_all()
    with StatementCounter(db.engine) as small:
        client.get("/dashboard/")
    from portal.grids import services as grids

    for i in range(6):
        village = grids.create_grid(county.town_b, "village", f"新村{i}")
        grids.create_grid(village, "grid", f"新网格{i}")
    db.session.commit()
    with StatementCounter(db.engine) as large:
        client.get("/dashboard/")
    assert large.count <= small.count + 1
