"""A grid worker's patrol on a phone (375 px): start, a point at the phone's position,
"发现问题" filing a case in one tap, the end; the map of the points is drawn."""
import pytest
from sqlalchemy import select

from plugins.grid_work.patrols.models import GridWorkPatrol
from portal.browser_testing import login, shot
from portal.cases.models import Case
from portal.extensions import db
from portal.modules.services import set_module

pytestmark = pytest.mark.browser


@pytest.fixture
def on(app, tree):
    set_module(tree.town_a, "grid_work", True)
    db.session.commit()
    return tree


def test_a_worker_patrols_on_a_phone(phone, live_server, on, tmp_path):
    page = phone
    page.context.grant_permissions(["geolocation"], origin=live_server)
    page.context.set_geolocation({"latitude": 28.6812, "longitude": 112.8823, "accuracy": 8})
    login(page, live_server, "grid_worker")
    page.goto(f"{live_server}/work/")
    shot(page, tmp_path, "patrol-home")
    page.get_by_role("button", name="开始巡查").tap()
    page.get_by_text("巡查已开始。").wait_for()

    point = page.locator("#add-point")
    point.get_by_role("button", name="使用当前位置").tap()
    point.get_by_text("已填入当前位置").wait_for()
    point.get_by_label("看到的情况").fill("石桥护栏完好")
    point.get_by_role("button", name="记录这个点").tap()
    page.get_by_text("已记录巡查点。").wait_for()

    problem = page.locator("#problem")
    problem.get_by_label("发现的问题").fill("河边护栏松动")
    problem.get_by_label("类别").select_option(label="小隐患")
    shot(page, tmp_path, "patrol-problem")
    problem.get_by_role("button", name="上报问题").tap()
    page.get_by_text("已上报，事件编号").wait_for()
    assert "河边护栏松动" in page.locator("#points").inner_text()
    # the route (a line) and a marker per located point
    page.locator("#patrol-map .leaflet-interactive").nth(2).wait_for(state="attached")
    shot(page, tmp_path, "patrol-points")

    page.locator("#end").get_by_label("这次巡查看到的情况").fill("沿河巡查一遍，护栏需修")
    page.get_by_role("button", name="结束巡查").tap()
    page.get_by_text("巡查已结束。").wait_for()
    shot(page, tmp_path, "patrol-ended")

    case = db.session.scalar(select(Case).filter_by(title="河边护栏松动"))
    assert case.source == "patrol" and round(case.latitude, 4) == 28.6812
    patrol = db.session.scalar(select(GridWorkPatrol))
    db.session.refresh(patrol)
    assert patrol.ended_at is not None and len(patrol.points) == 2
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
