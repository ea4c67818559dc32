"""The inspection form on a phone (375 px): a grid worker opens the overdue place from the due
list, taps 不合格 on an item (its hazard fields open), saves, sees the hazard on the place's page
and reports it as a case with one tap."""
import pytest
from sqlalchemy import select

from plugins.places.models import PlacesHazard
from portal.browser_testing import login, shot
from portal.cases.models import Case
from portal.extensions import db

pytestmark = pytest.mark.browser


def test_a_grid_worker_inspects_a_place_and_reports_the_hazard_on_a_phone(phone, live_server,
                                                                         places, tmp_path):
    page = phone
    login(page, live_server, "grid_worker")
    page.goto(f"{live_server}/places/due")
    assert "巡查逾期" in page.locator("#due-places").inner_text()
    page.locator("#due-places a.row-main").first.tap()
    page.get_by_role("link", name="安全检查").tap()
    item = page.locator("#item-extinguishers")
    assert not item.get_by_label("隐患描述").is_visible()  # opens only for a failed item
    item.get_by_text("不合格").tap()
    item.get_by_label("隐患描述").fill("两具灭火器压力表指针在红区")
    shot(page, tmp_path, "places-inspection-form")
    page.get_by_role("button", name="保存检查").tap()
    page.get_by_text("已记录检查，发现 1 处隐患").wait_for()
    hazards = page.locator("#hazards")
    assert "两具灭火器压力表指针在红区" in hazards.inner_text()
    shot(page, tmp_path, "places-place-hazards")
    hazard = db.session.scalar(select(PlacesHazard).filter_by(item="extinguishers"))
    hazards.locator("li", has_text="两具灭火器").get_by_role("button", name="上报事件").tap()
    page.get_by_text("已上报为事件").first.wait_for()
    shot(page, tmp_path, "places-reported")
    db.session.expire_all()
    case = db.session.scalar(select(Case).where(Case.id == db.session.get(
        PlacesHazard, hazard.id).case_id))
    assert case is not None and "灭火器" in case.title
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
