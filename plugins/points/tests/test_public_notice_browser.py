"""积分公示 on a phone, as the village uses it: a villager scans the grid's notice board, opens the
points on notice (names masked), objects with a reason; the village admin upholds the objection
on their phone, and the award shows as reversed on the household's statement."""
import pytest
from sqlalchemy import select

from plugins.points import ledger, town_settings
from plugins.points.models import PointsAccount, PointsObjection
from portal.browser_testing import login, shot
from portal.extensions import db

pytestmark = pytest.mark.browser

REASON = "他家那天没有来参加清扫，我一直在场"

#: How far the page scrolls sideways (nothing on a phone page may stick out).
SIDEWAYS = "() => document.scrollingElement.scrollWidth - window.innerWidth"


def test_a_villager_objects_and_the_admin_upholds_on_a_phone(phone, live_server, points,
                                                             tmp_path):
    town_settings.set_notice_days(points.tree.town_a, 7)
    award = ledger.award(points.rule, [points.account_a])[0]
    db.session.commit()
    page = phone

    # the villager: from the grid's notice board (its QR code) to the points on notice
    page.goto(f"{live_server}/g/{points.tree.grid_a1.code}")
    shot(page, tmp_path, "notice-board")
    page.get_by_role("link", name="积分公示").tap()
    page.get_by_role("heading", name="城西社区 · 积分公示").wait_for()
    row = page.locator(f"#entry-{award.id}")
    assert "张**户" in row.inner_text() and "+5 分" in row.inner_text()
    assert "张三丰" not in page.content()
    assert page.evaluate(SIDEWAYS) <= 0
    size = row.locator("summary").bounding_box()
    assert size["height"] >= 44 and size["width"] >= 44  # an old finger's target
    shot(page, tmp_path, "notice-public")
    row.get_by_text("提出异议").tap()
    row.get_by_label("异议理由").fill("不对")  # too short: told beside the field
    row.get_by_role("button", name="提交异议").tap()
    page.locator(f"#entry-{award.id} .errors").wait_for()
    assert "5到300个字" in page.locator(f"#entry-{award.id} .errors").inner_text()
    row.get_by_label("异议理由").fill(REASON)
    shot(page, tmp_path, "notice-object")
    row.get_by_role("button", name="提交异议").tap()
    page.get_by_text("您的异议已提交").wait_for()
    shot(page, tmp_path, "notice-objected")
    assert db.session.scalar(select(PointsObjection.reason)) == REASON

    # the village admin, on their phone: the points page tells of it, the list decides it
    login(page, live_server, "village_admin")
    page.goto(f"{live_server}/points/")
    page.get_by_role("link", name="公示异议 1").tap()
    item = page.locator(".objection", has_text=REASON)
    item.wait_for()
    assert "张三丰户" in item.inner_text()  # staff see whom it concerns
    assert page.evaluate(SIDEWAYS) <= 0
    item.get_by_label("处理意见").fill("经核实当天未参加清扫")
    shot(page, tmp_path, "notice-decide")
    page.once("dialog", lambda dialog: dialog.accept())  # 确定异议成立并撤销这笔积分吗？
    item.get_by_role("button", name="异议成立，撤销积分").tap()
    page.get_by_text("异议成立，已撤销这笔积分。").wait_for()
    assert page.get_by_text("没有待处理的异议。").is_visible()
    shot(page, tmp_path, "notice-decided")

    page.goto(f"{live_server}/points/accounts/{points.account_a.id}")
    reversed_row = page.locator(f"#entry-{award.id}")
    assert "已冲正" in reversed_row.inner_text()
    assert "公示异议成立：经核实当天未参加清扫" in page.content()
    shot(page, tmp_path, "notice-statement")
    db.session.expire_all()
    assert db.session.get(PointsAccount, points.account_a.id).balance == 60
    assert db.session.scalar(select(PointsObjection.state)) == "upheld"
