"""An association officer records a score item in the browser and sees the member's score."""
import pytest

from portal.browser_testing import login, shot

pytestmark = pytest.mark.browser


def test_an_officer_records_a_score_item(page, live_server, assoc, tmp_path):
    login(page, live_server, "assoc_officer")
    page.get_by_role("link", name="协会", exact=True).click()
    page.get_by_role("link", name="平安乡村协会").click()
    assert page.locator(f"#score-{assoc.zhang.id}").inner_text() == "100"
    page.get_by_label("会员").select_option(label="张三丰")
    page.get_by_label("加减分项目").select_option(label="参加义务巡逻（+2）")
    page.get_by_label("事由").fill("11月20日夜间巡逻")
    shot(page, tmp_path, "association-score-form")
    page.get_by_role("button", name="记分", exact=True).click()
    page.get_by_text("已为 张三丰 记分").wait_for()
    assert page.locator(f"#score-{assoc.zhang.id}").inner_text() == "102"
    assert page.get_by_text("11月20日夜间巡逻").is_visible()
    shot(page, tmp_path, "association-scored")

    page.get_by_role("link", name="张三丰").click()
    page.get_by_text("11月20日夜间巡逻").wait_for()
    assert page.locator(".stats .num").first.inner_text() == "102"
