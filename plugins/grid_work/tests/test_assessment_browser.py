"""The assessment on a phone (375 px): a grid worker opens their score from the menu, reads the
breakdown with the figure behind each item, and appeals the patrol days."""
import pytest
from sqlalchemy import select

from plugins.grid_work.assessment import services
from plugins.grid_work.assessment.models import GridWorkAppeal
from portal.browser_testing import login, shot
from portal.extensions import db
from portal.modules.services import set_module
from portal.timeutil import local_today

pytestmark = pytest.mark.browser


def test_a_worker_opens_their_score_and_appeals_an_item_on_a_phone(phone, live_server, tree,
                                                                   tmp_path):
    set_module(tree.town_a, "grid_work", True)
    today = local_today()
    scheme = services.create_scheme(tree.town_a, year=today.year,
                                    quarter=(today.month - 1) // 3 + 1)
    db.session.commit()
    page = phone
    login(page, live_server, "grid_worker")
    page.goto(f"{live_server}/work/assessment/mine")
    page.locator("#schemes a.row-main").first.tap()
    page.locator("#breakdown").wait_for()
    assert "巡查 0 天 / 应" in page.locator("#breakdown").inner_text()
    patrol = next(i for i in scheme.items if i.measure == "patrol_days")
    row = page.locator(f"#item-{patrol.id}")
    row.get_by_text("对这一项申诉").tap()
    row.get_by_label("申诉理由").fill("有三天巡查时手机没信号，记录未上传。")
    shot(page, tmp_path, "assessment-appeal")
    row.get_by_role("button", name="提交申诉").tap()
    page.get_by_text("已提交申诉").wait_for()
    assert "待处理" in page.locator(f"#item-{patrol.id}").inner_text()
    shot(page, tmp_path, "assessment-appealed")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    appeal = db.session.scalar(select(GridWorkAppeal))
    assert appeal.item_id == patrol.id and appeal.state == "open"
