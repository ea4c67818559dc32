"""The kiosk serves one person at a time: the operator's login lands on it, and the start page
(重新开始, or the idle timer) forgets the last resident on the server, so the browser's Back, a
reload or a receipt's URL never shows the next person who the last one was."""
import re

from portal.extensions import db
from portal.modules.services import set_module
from portal.testing import PASSWORD


def visit_of(page: str) -> str:
    return re.search(r'name="v" value="([0-9a-f]+)"', page).group(1)


def start(client, points) -> str:
    """The start page, as 重新开始 and the idle timer open it: the new visit's id."""
    page = client.get(f"/kiosk/{points.shop.id}")
    assert page.status_code == 200
    return visit_of(page.get_data(as_text=True))


def choose(client, points, visit) -> str:
    """Find 张三丰 and open his basket, as a tap on his row does: the basket's URL."""
    found = client.htmx_get(f"/kiosk/{points.shop.id}/find?q=zsf&v={visit}")
    link = re.search(r'href="(/kiosk/\d+/accounts/\d+\?v=[0-9a-f]+)"',
                     found.get_data(as_text=True)).group(1)
    assert client.get(link).status_code == 200
    return link


def redeem_soap(client, points, basket_url) -> str:
    key = re.search(r'name="key" value="([0-9a-f]{32})"',
                    client.get(basket_url).get_data(as_text=True)).group(1)
    url = f"/kiosk/{points.shop.id}/accounts/{points.account_a.id}/redeem"
    done = client.post(url, data={"key": key, f"qty-{points.soap.id}": "1", "total": "8"})
    assert done.status_code == 302 and "/receipts/" in done.location
    return done.location


# ---------------------------------------------------------------- the operator's landing page


def test_the_kiosk_login_lands_on_the_kiosk_and_home_sends_it_there(client, points):
    response = client.post("/login", data={"login": "kiosk_operator", "password": PASSWORD})
    assert response.status_code == 302 and response.location == "/kiosk/"
    home = client.get("/")  # e.g. the kiosk browser's start page is the portal's address
    assert home.status_code == 302 and home.location == "/kiosk/"
    client.logout()
    # a page asked for before logging in still wins
    asked = client.post(f"/login?next=/kiosk/{points.shop.id}",
                        data={"login": "kiosk_operator", "password": PASSWORD})
    assert asked.location == f"/kiosk/{points.shop.id}"


def test_other_roles_and_a_town_without_the_module_keep_the_home_page(client, points):
    response = client.post("/login", data={"login": "village_admin", "password": PASSWORD})
    assert response.location == "/"  # village admins redeem too, but work in the office
    assert client.get("/").status_code == 200
    client.logout()
    set_module(points.tree.town_a, "points", False)
    db.session.commit()
    response = client.post("/login", data={"login": "kiosk_operator", "password": PASSWORD})
    assert response.location == "/"  # no kiosk in this town: not sent to a 404
    assert client.get("/").status_code == 200


# ---------------------------------------------------------------- one visit at a time


def test_starting_again_forgets_the_resident_for_back_and_reload(client, points):
    client.login("kiosk_operator")
    first = start(client, points)
    basket = choose(client, points, first)
    assert "张三丰" in client.get(basket).get_data(as_text=True)
    assert "张三丰" in client.get(f"/kiosk/{points.shop.id}/find?q=zsf&v={first}").get_data(
        as_text=True)

    second = start(client, points)  # 重新开始, or the idle timer
    assert second != first
    for url in (basket, f"/kiosk/{points.shop.id}/find?q=zsf&v={first}"):  # Back, reload
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.location == f"/kiosk/{points.shop.id}"
        page = client.get(response.location).get_data(as_text=True)
        assert "张三丰" not in page and "60" not in re.sub(r"<[^>]+>", "", page)
    # the basket's check and confirm of the earlier visit are not answered with its page
    check = client.post(f"/kiosk/{points.shop.id}/accounts/{points.account_a.id}/check",
                        data={"key": "k" * 32, f"qty-{points.soap.id}": "1"})
    assert check.status_code == 303 and check.location == f"/kiosk/{points.shop.id}"
    refused = client.post(f"/kiosk/{points.shop.id}/accounts/{points.account_a.id}/redeem",
                          data={"key": "k" * 32, f"qty-{points.soap.id}": "99"})
    assert refused.status_code == 409
    text = refused.get_data(as_text=True)
    assert "兑换没有完成，请重新开始" in text and "张三丰" not in text and "城西路1号" not in text


def test_kiosk_pages_are_not_kept_by_the_browser(client, points):
    client.login("kiosk_operator")
    basket = choose(client, points, start(client, points))
    for url in (f"/kiosk/{points.shop.id}", basket, "/kiosk/leave"):
        assert client.get(url).headers["Cache-Control"] == "no-store", url


def test_a_receipt_is_shown_right_after_its_redemption_only(app, client, points):
    client.login("kiosk_operator")
    receipt = redeem_soap(client, points, choose(client, points, start(client, points)))
    page = client.get(receipt)
    assert page.status_code == 200 and "张三丰" in page.get_data(as_text=True)
    assert client.get(receipt).status_code == 200  # a reload while still at the kiosk

    start(client, points)  # 完成, 重新开始 or the idle timer: the next person
    later = client.get(receipt)
    assert later.status_code == 302 and later.location == f"/kiosk/{points.shop.id}"

    other = app.test_client()  # nor from another kiosk of the same village, by its URL
    other.login("kiosk_operator")
    assert other.get(receipt).status_code == 302


def test_a_visit_left_too_long_is_forgotten_on_the_server(app, client, points):
    client.login("kiosk_operator")
    basket = choose(client, points, start(client, points))
    app.config["POINTS_KIOSK_STATE_SECONDS"] = -1  # every visit is older than that
    response = client.get(basket)
    assert response.status_code == 302 and response.location == f"/kiosk/{points.shop.id}"
    check = client.post(f"/kiosk/{points.shop.id}/accounts/{points.account_a.id}/check",
                        data={"key": "k" * 32, f"qty-{points.soap.id}": "1"})
    assert check.status_code == 303


def test_the_idle_period_is_configured(app, client, points):
    app.config.update(POINTS_KIOSK_IDLE_SECONDS=45, POINTS_KIOSK_COUNTDOWN_SECONDS=8)
    client.login("kiosk_operator")
    page = client.get(choose(client, points, start(client, points))).get_data(as_text=True)
    assert 'data-seconds="45"' in page and 'data-countdown="8"' in page
    assert "秒后返回首页" in page and "触摸屏幕继续" in page


def test_leaving_the_kiosk_is_asked_on_its_own_page(client, points):
    client.login("kiosk_operator")
    page = client.get(f"/kiosk/{points.shop.id}").get_data(as_text=True)
    # the header has no logout form: only a link to the page that asks
    assert 'action="/logout"' not in page and 'href="/kiosk/leave"' in page
    ask = client.get("/kiosk/leave").get_data(as_text=True)
    assert "要退出积分兑换吗" in ask and 'action="/logout"' in ask and "继续兑换" in ask
