"""Disputes on a phone: a grid worker finds a party in the register, registers the dispute with
a person from outside, passes it to the village committees; the village's mediator records the
agreement with both signatures and sends the month's zero report of another grid."""
import pytest
from sqlalchemy import select

from plugins.disputes.models import Dispute, DisputeScreening
from portal.browser_testing import login, logout, shot
from portal.extensions import db

pytestmark = pytest.mark.browser


def test_register_mediate_and_agree_on_a_phone(phone, live_server, disputes, tmp_path):
    tree = disputes.tree
    page = phone
    login(page, live_server, "grid_worker")
    page.goto(f"{live_server}/disputes/")
    page.get_by_role("link", name="登记纠纷").tap()
    page.get_by_label("姓名、拼音首字母或身份证号").fill(tree.resident_a.name)
    page.get_by_role("button", name="查找").tap()
    found = page.locator("#party-results li", has_text=tree.resident_a.name)
    found.wait_for()
    found.get_by_label("申请方", exact=True).check()
    page.locator("#dispute-form").get_by_label("网格").select_option(label=tree.grid_a1.name)
    page.get_by_label("纠纷类型").select_option(label="土地山林")
    page.get_by_label("纠纷简称").fill("承包田田埂纠纷")
    page.get_by_label("简要情况").fill("两户对田埂位置说法不一。")
    page.locator('input[name="party_rows-0-name"]').fill("外村周七")
    page.locator('select[name="party_rows-0-side"]').select_option("b")
    shot(page, tmp_path, "dispute-register")
    page.get_by_role("button", name="登记", exact=True).tap()
    page.get_by_role("heading", name="承包田田埂纠纷").wait_for()
    assert "黄色" in page.locator(".page-head").inner_text()  # land: yellow by the rules
    parties = page.locator("#parties").inner_text()
    assert tree.resident_a.name in parties and "外村周七" in parties
    shot(page, tmp_path, "dispute-page")

    step = page.locator("#step-to_village")
    step.locator("summary").tap()
    step.get_by_label("情况说明").fill("到场劝解，双方各执一词。")
    shot(page, tmp_path, "dispute-step")
    step.get_by_role("button", name="提交两委会商").tap()
    page.get_by_text("已提交两委会商").wait_for()
    dispute = db.session.scalar(select(Dispute).filter_by(title="承包田田埂纠纷"))
    logout(page)

    login(page, live_server, "mediator")
    page.goto(f"{live_server}/disputes/{dispute.id}")
    page.locator("summary", has_text="达成调解协议").tap()
    page.get_by_label("协议内容").fill("以确权图为准，田埂恢复原位。")
    page.get_by_label("调解人").fill("村调委会 刘调解员")
    for name in (tree.resident_a.name, "外村周七"):
        page.locator("#agreement-form label", has_text=name).tap()
    shot(page, tmp_path, "dispute-agreement")
    page.get_by_role("button", name="登记协议").tap()
    page.get_by_text("次回访已排期").wait_for()
    assert "已达成协议" in page.locator("#dispute-state").inner_text()
    db.session.expire_all()
    dispute = db.session.get(Dispute, dispute.id)
    assert dispute.state == "agreed" and dispute.agreement.level == "village"

    # the village's mediator sends the zero report of a grid that found nothing
    page.goto(f"{live_server}/disputes/screening")
    form = page.locator("#screening-report")
    form.get_by_label("网格").select_option(label=tree.grid_a2.name)
    form.get_by_label("本月无矛盾纠纷(零报告)").check()
    form.get_by_role("button", name="报告").tap()
    page.get_by_text("已零报告").wait_for()
    shot(page, tmp_path, "dispute-screening")
    assert db.session.scalar(select(DisputeScreening.found).filter_by(
        grid_id=tree.grid_a2.id, month=dispute.found_on.replace(day=1))) == 0
