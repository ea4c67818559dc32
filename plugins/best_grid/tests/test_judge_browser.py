"""A judge enters inspection scores in the browser; the ranking takes them in."""
import pytest

from portal.browser_testing import login, shot

pytestmark = pytest.mark.browser


def test_a_judge_enters_scores(page, live_server, contest, tmp_path):
    login(page, live_server, "dept_staff")
    page.get_by_role("link", name="网格评比").click()
    page.get_by_role("link", name="2026年第3季度").click()
    page.get_by_role("link", name="评审打分").click()
    page.get_by_label("第一网格 人居环境检查").fill("60")
    page.get_by_label("第二网格 人居环境检查").fill("150")
    page.get_by_role("button", name="保存评分").click()
    page.get_by_text("有 1 个分数不对").wait_for()
    assert page.get_by_text("评分应在0到100之间").is_visible()
    shot(page, tmp_path, "judge-error")
    page.get_by_label("第二网格 人居环境检查").fill("95")
    page.get_by_role("button", name="保存评分").click()
    page.get_by_text("评分已保存").wait_for()
    assert page.get_by_label("第二网格 人居环境检查").input_value() == "95.0"
    page.goto(f"{live_server}/best-grid/contests/{contest.contest.id}")
    table = page.locator(f"#class-{contest.model.id}")
    first_row = table.locator("tbody tr").first
    assert "第一网格" in first_row.inner_text() and "79.43" in first_row.inner_text()  # 67.43 + 0.2×60
    shot(page, tmp_path, "contest-ranking")
