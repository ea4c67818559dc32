"""The kiosk as a shopkeeper and a resident use it, on a touch screen: the operator's login lands
on it, find the resident, tap goods into the basket, check, confirm with a double tap, get one
receipt that prints alone; every target is big enough for an old finger; an idle kiosk counts
down and forgets the last person; leaving it is asked twice."""
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from plugins.points.models import PointsAccount, PointsRedemption
from portal.browser_testing import SCREENSHOTS, login, shot
from portal.extensions import db

pytestmark = pytest.mark.browser

#: Every visible thing on the page a finger can press, smaller than 64 px either way.
SMALL_TARGETS = """() => Array.from(document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, label, [role=button]'))
  .filter(el => el.checkVisibility())
  .map(el => [el.outerHTML.slice(0, 80), el.getBoundingClientRect()])
  .filter(([html, box]) => box.width < 64 || box.height < 64)
  .map(([html, box]) => `${html} ${Math.round(box.width)}x${Math.round(box.height)}`)"""


def no_small_targets(page):
    # a tap that navigates returns once the heading is in the DOM; the sizes are only the kiosk's
    # once its stylesheet has loaded too (measured earlier, a slow CI run saw 80 x 19 links)
    page.wait_for_load_state("load")
    assert page.evaluate(SMALL_TARGETS) == [], page.url


def start_url(live_server, points):
    return re.compile(rf"{re.escape(live_server)}/kiosk/{points.shop.id}$")


def find_zhang(page):
    page.get_by_label("积分卡或姓名").fill("zsf")
    person = page.locator(".kiosk-person", has_text="张三丰")
    person.wait_for()
    return person


def open_basket(person):
    """Tap the person and wait for the basket with its script: the + and − buttons count only
    once the deferred points.js runs, and a tap before that is lost (a CI run saw 8 for 16)."""
    page = person.page
    person.tap()
    page.get_by_text("积分余额").wait_for()
    page.wait_for_load_state("load")


def test_kiosk_redemption_with_a_double_tap_on_confirm(kiosk_screen, live_server, points,
                                                      tmp_path):
    page = kiosk_screen
    login(page, live_server, "kiosk_operator")
    page.wait_for_url(start_url(live_server, points))  # the kiosk, not the office home page
    assert page.get_by_role("link", name="积分超市").count() == 0  # no menus on the kiosk
    no_small_targets(page)
    person = find_zhang(page)
    assert "李秀英" in person.inner_text()  # the household shown to confirm
    no_small_targets(page)
    shot(page, tmp_path, "kiosk-identify")
    open_basket(person)
    soap = page.locator(".kiosk-item", has_text="香皂")
    soap.get_by_role("button", name="增加 香皂").tap()
    soap.get_by_role("button", name="增加 香皂").tap()
    assert page.locator("#kiosk-sum").inner_text() == "16"
    no_small_targets(page)
    shot(page, tmp_path, "kiosk-basket")
    page.get_by_role("button", name="下一步：核对").tap()

    page.get_by_role("heading", name=re.compile("请核对")).wait_for()
    assert "16 分" in page.locator("#kiosk-review-total").inner_text()
    no_small_targets(page)
    shot(page, tmp_path, "kiosk-review")
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    form = {name: page.locator(f'.kiosk-confirm input[name="{name}"]').get_attribute("value")
            for name in ("key", "total", f"qty-{points.soap.id}")}
    page.get_by_role("button", name="确认兑换").dblclick()

    page.get_by_text("兑换后余额").wait_for()
    number = page.locator("#receipt-number").inner_text()
    assert page.locator("#receipt-balance").inner_text() == "44"
    no_small_targets(page)
    shot(page, tmp_path, "kiosk-receipt")

    # the same basket sent again, as a retry after a lost answer would: the same receipt
    again = page.request.post(
        f"{live_server}/kiosk/{points.shop.id}/accounts/{points.account_a.id}/redeem",
        form={**form, "csrf_token": token})
    assert again.ok and number in again.text()
    db.session.expire_all()
    assert db.session.scalar(select(func.count(PointsRedemption.id))) == 1
    assert db.session.get(PointsAccount, points.account_a.id).balance == 44


def test_the_printed_receipt_is_the_receipt_alone_on_80_mm(kiosk_screen, live_server, points,
                                                           tmp_path):
    page = kiosk_screen
    login(page, live_server, "kiosk_operator")
    open_basket(find_zhang(page))
    page.locator(".kiosk-item", has_text="香皂").get_by_role("button", name="增加 香皂").tap()
    page.get_by_role("button", name="下一步：核对").tap()
    page.get_by_role("button", name="确认兑换").tap()
    page.get_by_text("兑换后余额").wait_for()

    def shown(selector):
        return page.eval_on_selector(selector, "el => getComputedStyle(el).display")

    assert shown(".kiosk-bar") != "none" and shown(".kiosk-actions") != "none"
    page.emulate_media(media="print")
    assert shown(".kiosk-bar") == "none"  # the header and its buttons
    assert shown(".kiosk-actions") == "none"  # 打印小票, 完成
    assert shown(".receipt") != "none" and page.locator(".receipt").is_visible()
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    if SCREENSHOTS:  # to look at what the printer gets
        (Path(SCREENSHOTS) / "kiosk-receipt.pdf").write_bytes(pdf)
    box = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert abs(float(box.group(1)) - 80 / 25.4 * 72) < 1  # 80 mm wide, in points
    page.set_viewport_size({"width": 302, "height": 600})  # 80 mm at 96 dpi
    shot(page, tmp_path, "kiosk-receipt-print")
    page.emulate_media(media="screen")


def test_an_idle_kiosk_counts_down_and_then_forgets_the_resident(app, kiosk_screen, live_server,
                                                                points, tmp_path):
    app.config.update(POINTS_KIOSK_IDLE_SECONDS=6, POINTS_KIOSK_COUNTDOWN_SECONDS=3)
    page = kiosk_screen
    # the page's clock runs on, but the test jumps it forward instead of waiting for real
    page.clock.install()
    login(page, live_server, "kiosk_operator")
    open_basket(find_zhang(page))
    basket = page.url
    countdown = page.locator("#kiosk-idle")
    assert countdown.is_hidden()

    page.clock.fast_forward(3100)  # 3 s without a touch
    countdown.wait_for(state="visible")
    assert "秒后返回首页" in countdown.inner_text() and "触摸屏幕继续" in countdown.inner_text()
    shot(page, tmp_path, "kiosk-idle-countdown")
    countdown.tap()  # a touch cancels it, and presses nothing under it
    countdown.wait_for(state="hidden")
    page.clock.fast_forward(800)  # the timer is set again just after the touch
    page.clock.fast_forward(2000)  # past the moment it would have gone back
    assert page.url == basket and page.locator("#kiosk-sum").inner_text() == "0"

    page.clock.fast_forward(1500)
    countdown.wait_for(state="visible")
    page.keyboard.press("Shift")  # a key cancels it too (a card scanner types)
    countdown.wait_for(state="hidden")
    assert page.url == basket

    page.clock.fast_forward(800)
    page.clock.fast_forward(3500)
    countdown.wait_for(state="visible")  # and left alone, it goes back
    for _second in range(4):
        page.clock.fast_forward(1000)
    page.wait_for_url(start_url(live_server, points))
    assert "张三丰" not in page.content() and page.get_by_label("积分卡或姓名").input_value() == ""
    page.go_back()  # the browser's Back
    page.wait_for_load_state()
    assert "张三丰" not in page.content()
    page.goto(basket)  # the basket's own address, from the history
    page.wait_for_url(start_url(live_server, points))
    assert "张三丰" not in page.content() and "积分余额" not in page.content()

    # the start page with nothing typed stays as it is
    page.clock.fast_forward(7000)
    page.wait_for_timeout(200)
    assert countdown.is_hidden() and re.search(start_url(live_server, points), page.url)


def test_leaving_the_kiosk_is_asked_again_and_far_from_starting_over(kiosk_screen, live_server,
                                                                    points, tmp_path):
    page = kiosk_screen
    login(page, live_server, "kiosk_operator")
    open_basket(find_zhang(page))
    leave = page.get_by_role("link", name="管理员退出").bounding_box()
    again = page.get_by_role("link", name="重新开始").bounding_box()
    assert again["x"] - (leave["x"] + leave["width"]) > 600  # opposite ends of the header
    assert page.get_by_role("button", name="退出").count() == 0  # no one-tap exit

    page.get_by_role("link", name="管理员退出").tap()
    page.get_by_role("heading", name="要退出积分兑换吗？").wait_for()
    no_small_targets(page)
    shot(page, tmp_path, "kiosk-leave")
    page.get_by_role("link", name="继续兑换").tap()  # a resident's mistake: back to the basket
    page.get_by_text("积分余额").wait_for()
    assert "张三丰" in page.locator(".kiosk-account").inner_text()

    page.get_by_role("link", name="管理员退出").tap()
    page.get_by_role("button", name="确认退出").tap()
    page.wait_for_url("**/login")
