"""The kiosk as a shopkeeper and a resident use it, on a touch screen: find the resident, tap
goods into the basket, check, confirm with a double tap, get one receipt."""
import re

import pytest
from sqlalchemy import func, select

from plugins.points.models import PointsAccount, PointsRedemption
from portal.browser_testing import login, shot
from portal.extensions import db

pytestmark = pytest.mark.browser


def test_kiosk_redemption_with_a_double_tap_on_confirm(kiosk_screen, live_server, points,
                                                      tmp_path):
    page = kiosk_screen
    login(page, live_server, "kiosk_operator")
    page.get_by_role("link", name="积分兑换").click()
    page.wait_for_url(re.compile(rf"/kiosk/{points.shop.id}$"))
    assert page.get_by_role("link", name="积分超市") .count() == 0  # no menus on the kiosk
    page.get_by_label("积分卡或姓名").fill("zsf")
    person = page.locator(".kiosk-person", has_text="张三丰")
    person.wait_for()
    assert "李秀英" in person.inner_text()  # the household shown to confirm
    shot(page, tmp_path, "kiosk-identify")
    person.tap()

    page.get_by_text("积分余额").wait_for()
    soap = page.locator(".kiosk-item", has_text="香皂")
    soap.get_by_role("button", name="增加 香皂").tap()
    soap.get_by_role("button", name="增加 香皂").tap()
    assert page.locator("#kiosk-sum").inner_text() == "16"
    shot(page, tmp_path, "kiosk-basket")
    page.get_by_role("button", name="下一步：核对").tap()

    page.get_by_role("heading", name=re.compile("请核对")).wait_for()
    assert "16 分" in page.locator("#kiosk-review-total").inner_text()
    shot(page, tmp_path, "kiosk-review")
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    form = {name: page.locator(f'.kiosk-confirm input[name="{name}"]').get_attribute("value")
            for name in ("key", "total", f"qty-{points.soap.id}")}
    page.get_by_role("button", name="确认兑换").dblclick()

    page.get_by_text("兑换后余额").wait_for()
    number = page.locator("#receipt-number").inner_text()
    assert page.locator("#receipt-balance").inner_text() == "44"
    shot(page, tmp_path, "kiosk-receipt")

    # the same basket sent again, as a retry after a lost answer would: the same receipt
    again = page.request.post(
        f"{live_server}/kiosk/{points.shop.id}/accounts/{points.account_a.id}/redeem",
        form={**form, "csrf_token": token})
    assert again.ok and number in again.text()
    db.session.expire_all()
    assert db.session.scalar(select(func.count(PointsRedemption.id))) == 1
    assert db.session.get(PointsAccount, points.account_a.id).balance == 44
