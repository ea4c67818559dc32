"""Sessions and locks as a person meets them in a browser."""
from portal.browser_testing import login, shot
from portal.testing import PASSWORD


def test_changing_ones_password_logs_the_other_device_out(page, phone, live_server, tree,
                                                          tmp_path):
    login(page, live_server, "grid_worker")
    login(phone, live_server, "grid_worker")
    page.get_by_role("link", name="修改密码").click()
    page.get_by_label("当前密码").fill(PASSWORD)
    page.get_by_label("新密码", exact=True).fill("Mine-Now-2026")
    page.get_by_label("再次输入新密码").fill("Mine-Now-2026")
    shot(page, tmp_path, "password-change")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(f"{live_server}/")
    assert page.get_by_text("密码已修改，其他设备上的登录已退出。").is_visible()
    shot(page, tmp_path, "password-changed")
    phone.goto(f"{live_server}/cases/")  # the phone's session has ended
    phone.wait_for_url("**/login**")
    shot(phone, tmp_path, "phone-logged-out")


def test_a_locked_login_says_how_long_and_an_admin_lifts_it(page, browser, live_server, tree,
                                                            tmp_path):
    page.goto(f"{live_server}/login")
    for _ in range(5):
        page.get_by_label("用户名 / 手机号 / 身份证号").fill("grid_worker")
        page.get_by_label("密码").fill("wrong-guess-1")
        page.get_by_role("button", name="登录").click()
        page.get_by_text("账号或密码不正确").wait_for()
    assert page.get_by_text("登录失败次数过多，请15分钟后再试。").first.is_visible()
    shot(page, tmp_path, "login-locked")

    admin = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    login(admin, live_server, "village_admin")
    admin.goto(f"{live_server}/admin/users/{tree.users['grid_worker'].id}")
    assert admin.get_by_text("127.0.0.1").is_visible()
    shot(admin, tmp_path, "admin-locks")
    admin.get_by_role("button", name="解除登录锁定").click()
    admin.get_by_text("已解除 grid_worker 的登录锁定。").wait_for()
    assert admin.get_by_text("当前没有锁定。").is_visible()
    shot(admin, tmp_path, "admin-unlocked")
    admin.context.close()

    login(page, live_server, "grid_worker")
