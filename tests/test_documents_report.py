"""月度工作报告 (portal.documents.reports): the figures against a hand count on the small county,
the PDF's and the HTML's text, who may print it, the charts, and the demo town's report with its
modules' sections."""
import re
from datetime import timedelta

import pytest

from portal.cases.services import act, report
from portal.demo import DEMO_PASSWORD
from portal.documents import Period
from portal.documents.reports import (bar_chart, column_chart, open_at_end, report_context,
                                      report_title)
from portal.extensions import db
from portal.grids.models import Grid
from portal.people.models import Household
from portal.people.visits import record_visit
from portal.timeutil import local_today, utc_start_of, utcnow
from portal.documents.testing import pdf_text


@pytest.fixture
def plugins_extra():
    # the demo as `portal demo` loads it: the real modules only
    return []


_pdf_text = pdf_text


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _case(tree, grid, category, title, kind="general"):
    return report(grid, category=category, title=title, description="—", source="patrol",
                  reporter=tree.users["grid_worker"], kind=kind)


def _resolve(tree, case, late=False, stars=None):
    admin, worker = tree.users["town_admin"], tree.users["village_admin"]
    act(case, admin, "assign", assignee=worker)
    if late:  # its deadline passed yesterday
        case.resolve_due = local_today() - timedelta(days=1)
    act(case, worker, "resolve", "已处理")
    if stars:
        act(case, admin, "close", "已告知")
        act(case, worker, "evaluate", satisfaction=stars)


@pytest.fixture
def month(tree):
    """Town A this month: four cases received (one dealt with on the spot, one late and rated 3,
    one on time and rated 5, one still open), a duplicate that counts nowhere; three visits to
    two households; one household overdue. Town B: one case, counted nowhere in town A."""
    on_spot = report(tree.grid_a1, category="hazard", title="路灯不亮", description="—",
                     source="patrol", reporter=tree.users["grid_worker"],
                     handled_on_the_spot="已报修")
    late = _case(tree, tree.grid_a1, "hazard", "井盖松动")
    still_open = _case(tree, tree.grid_a3, "need", "低保咨询")
    on_time = _case(tree, tree.special_a, "dispute", "邻里纠纷")
    duplicate = _case(tree, tree.grid_a1, "need", "低保咨询(重复)")
    _case(tree, tree.grid_b1, "hazard", "樟树镇的事件")
    _resolve(tree, late, late=True, stars=3)
    _resolve(tree, on_time, stars=5)
    act(duplicate, tree.users["town_admin"], "duplicate", "重复", duplicate_of=still_open)
    worker, today = tree.users["grid_worker"], local_today()
    record_visit(tree.household_a, worker, today, "老人身体好")
    record_visit(tree.household_a, worker, today, "再次看望")
    record_visit(tree.household_a2, worker, today, "一切正常")
    h3 = db.session.scalar(db.select(Household).filter_by(grid_id=tree.grid_a3.id))
    h3.created_at = utcnow() - timedelta(days=200)  # ordinary household: due after 182 days
    db.session.commit()
    return {"on_spot": on_spot, "late": late, "open": still_open, "on_time": on_time}


def test_figures_against_a_hand_count(tree, month):
    context = report_context(tree.town_a, Period.month_of(local_today()))
    cases = context["cases"]
    assert (cases.received, cases.resolved, cases.on_time, cases.rated) == (4, 3, 2, 2)
    assert context["still_open"] == 1
    assert context["percent"](cases.on_time_rate) == "66.7%"
    assert context["stars"](cases.satisfaction) == "4.00"
    categories = {code: (f.received, f.resolved, f.on_time) for code, f in context["categories"]}
    assert categories == {"hazard": (2, 2, 1), "need": (1, 0, 0), "dispute": (1, 1, 1)}
    rows = {row.grid.name: row for row in context["children"]}
    assert list(rows) == ["城西社区", "凤南村"]
    west, south = rows["城西社区"], rows["凤南村"]
    assert (west.cases.received, west.cases.resolved, west.cases.on_time) == (3, 3, 2)
    assert (west.visits, west.households_visited, west.overdue) == (3, 2, 0)
    assert (south.cases.received, south.cases.resolved, south.overdue) == (1, 0, 1)
    visits = context["visits"]
    assert (visits.made, visits.households, visits.overdue) == (3, 2, 1)
    assert context["issuer"] == "文星镇"
    assert context["cards"] == []  # outside a request: no user to make the cards for


def test_a_village_counts_its_grids(tree, month):
    context = report_context(tree.village_a1, Period.month_of(local_today()))
    assert (context["cases"].received, context["still_open"]) == (3, 0)
    assert [row.grid.name for row in context["children"]] == ["第一网格", "第二网格", "工业园"]
    assert [row.cases.received for row in context["children"]] == [2, 0, 1]
    assert context["issuer"] == "文星镇 城西社区"


def test_open_at_the_end_of_an_earlier_month(tree, month):
    """A case received last month and resolved this month was open at last month's end, and
    counts as received then, not now."""
    case = month["on_time"]
    last_month = Period.month_of(local_today().replace(day=1) - timedelta(days=1))
    case.created_at = utc_start_of(last_month.until) + timedelta(hours=12)
    db.session.commit()
    assert open_at_end(tree.town_a, last_month.until) == 1
    assert open_at_end(tree.town_a, local_today()) == 1  # still_open; the case is resolved now
    earlier = report_context(tree.town_a, last_month)
    assert (earlier["cases"].received, earlier["cases"].resolved) == (1, 0)


def test_the_pdf_as_a_town_admin(client, tree, month):
    client.login("town_admin")
    key = f"{local_today():%Y-%m}"
    response = client.get(f"/documents/monthly_report/{tree.town_a.id}.pdf?month={key}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    text = _flat(_pdf_text(response.data))
    assert "月度工作报告" in text and "文星镇" in text
    for figure in ("66.7%", "4.00", "城西社区", "凤南村", "小隐患", "小需求", "小纠纷"):
        assert figure in text, figure
    assert "樟树镇" not in text


def test_the_html_view(client, tree, month):
    client.login("town_admin")
    key = f"{local_today():%Y-%m}"
    response = client.get(f"/documents/monthly_report/{tree.town_a.id}?month={key}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "月度工作报告" in page and "城西社区" in page and "凤南村" in page
    assert "66.7%" in page and "4.00" in page
    assert page.count("<svg") == 2  # per day, per village
    assert "<script>" not in page.split("<article", 1)[1]


def test_the_documents_page_offers_it(client, tree):
    client.login("town_admin")
    page = client.get("/documents/").get_data(as_text=True)
    assert f"/documents/monthly_report/{tree.town_a.id}" in page


def test_another_towns_admin_gets_404(client, tree, month):
    client.login("b_town_admin")
    assert client.get(f"/documents/monthly_report/{tree.town_a.id}.pdf").status_code == 404
    assert client.get(f"/documents/monthly_report/{tree.town_a.id}").status_code == 404


@pytest.mark.parametrize("role, node", [("dept_staff", "town_a"), ("resident", "grid_a1")])
def test_a_role_without_the_dashboard_gets_403(client, tree, role, node):
    client.login(role)
    grid = getattr(tree, node)
    assert client.get(f"/documents/monthly_report/{grid.id}").status_code == 403
    assert client.get(f"/documents/monthly_report/{grid.id}.pdf").status_code == 403


def test_an_unknown_node_is_404(client, tree):
    client.login("town_admin")
    assert client.get("/documents/monthly_report/999999").status_code == 404


def test_the_title_names_the_node_and_the_month(tree):
    from datetime import date

    assert report_title(tree.town_a, Period.month_of(date(2026, 3, 9))) == \
        "文星镇 2026-03 月度工作报告"


def test_every_bar_is_labelled_and_names_are_escaped():
    chart = str(bar_chart([("<b>村</b>", 3), ("凤南村", 0), ("城西社区", 12)], "各村"))
    assert "<b>" not in chart and "&lt;b&gt;" in chart
    assert re.findall(r">(\d+)</text>", chart) == ["3", "0", "12"]
    assert chart.count("<rect") == 2  # a bar of nothing draws no rectangle
    days = str(column_chart([(str(day), day % 3) for day in range(1, 32)], "每日"))
    values = re.findall(r'font-size="11"[^>]*>(\d+)</text>', days)
    assert len(values) == days.count("<rect") == sum(1 for day in range(1, 32) if day % 3)
    assert all(f">{day}</text>" in days for day in range(1, 32))


def test_a_long_period_is_charted_by_category(tree, month):
    today = local_today()
    context = report_context(tree.town_a, Period(today - timedelta(days=60), today))
    assert "各类别" in context["second_title"]


def test_the_demo_towns_report(client, demo):
    town = db.session.scalar(db.select(Grid).filter_by(name="文星镇", level="town"))
    client.login("wenxing", DEMO_PASSWORD)
    response = client.get(f"/documents/monthly_report/{town.id}.pdf")
    assert response.status_code == 200
    text = _flat(_pdf_text(response.data))
    assert "月度工作报告" in text and "文星镇" in text
    assert "各模块情况" in text
    for module in ("志愿服务", "矛盾纠纷"):
        assert module in text, module
    villages = [c.name for c in town.children if c.active]
    assert all(name in text for name in villages)


def test_a_childs_name_stays_text_in_the_table_and_the_chart(client, tree, month):
    tree.village_a1.name = "<script>alert(1)</script>"
    db.session.commit()
    client.login("town_admin")
    page = client.get(f"/documents/monthly_report/{tree.town_a.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert page.count("&lt;script&gt;") >= 2  # its line of the table, its bar of the chart
