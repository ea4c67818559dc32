"""What a person clicks through, in a real browser."""
from portal.browser_testing import login, logout, shot
from portal.extensions import db
from portal.grids.models import GridStaff
from portal.modules.models import TownModule
from portal.timeutil import local_today


def test_town_admin_opens_a_notice_board_and_switches_a_module_on(page, live_server, tree,
                                                                  tmp_path):
    db.session.add(GridStaff(grid_id=tree.grid_a1.id, post="worker", name="刘网格",
                             phone="13812345678", duties="每日巡查，采集信息"))
    db.session.commit()

    login(page, live_server, "town_admin")
    # the home page answers "what must I do today?" first, the town's summary below it
    assert page.get_by_role("heading", name="今日工作").is_visible()
    assert page.get_by_role("heading", name="文星镇 430624001").is_visible()
    shot(page, tmp_path, "home")

    page.get_by_role("link", name="网格", exact=True).click()
    page.get_by_role("link", name="城西社区").click()
    page.get_by_role("link", name="第一网格").click()
    page.get_by_role("link", name="公示牌").click()
    assert page.get_by_text("刘网格").is_visible()
    assert page.get_by_text("13812345678").is_visible()
    shot(page, tmp_path, "notice-board")

    page.goto(f"{live_server}/admin/modules")
    row = page.locator("#module-example")
    assert row.get_by_text("未开启").is_visible()
    row.get_by_role("button", name="开启").click()
    page.locator("#module-example").get_by_text("已开启").wait_for()
    assert page.get_by_text("已为文星镇开启“示例模块”").is_visible()  # out-of-band flash
    shot(page, tmp_path, "modules")
    assert db.session.scalar(db.select(TownModule.enabled).filter_by(town_id=tree.town_a.id))
    # the module's menu entry appears on the next page
    page.goto(f"{live_server}/")
    assert page.get_by_role("link", name="示例", exact=True).is_visible()


def test_wrong_password_shows_the_message_next_to_the_field(page, live_server, tree, tmp_path):
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名 / 手机号 / 身份证号").fill("town_admin")
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    assert page.get_by_text("账号或密码不正确").is_visible()
    shot(page, tmp_path, "login-error")


def test_grid_page_on_a_phone(phone, live_server, tree, tmp_path):
    login(phone, live_server, "village_admin")
    phone.goto(f"{live_server}/grids/{tree.village_a1.id}")
    # nothing wider than the screen: the page does not scroll sideways
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
    phone.get_by_text("☰ 菜单").click()
    assert phone.get_by_role("link", name="用户").is_visible()
    shot(phone, tmp_path, "phone-grid")


def test_inline_rename_and_search_as_you_type(page, live_server, tree, tmp_path):
    login(page, live_server, "village_admin")
    page.goto(f"{live_server}/grids/{tree.grid_a2.id}")
    page.get_by_role("button", name="改名").click()
    page.locator("#grid-name-view input[name=name]").fill("城西第二网格")
    page.get_by_role("button", name="保存").click()
    page.locator("#grid-name-view").get_by_text("城西第二网格").wait_for()
    page.goto(f"{live_server}/grids/{tree.village_a1.id}")
    page.get_by_placeholder("按名称或编码查找本范围内的网格").fill("第二")
    page.locator("#grid-search-results").get_by_role("link", name="城西第二网格").wait_for()
    shot(page, tmp_path, "search")


def test_grid_worker_finds_a_resident_by_pinyin_on_a_phone(phone, live_server, tree, tmp_path):
    login(phone, live_server, "grid_worker")
    phone.goto(f"{live_server}/people/")
    phone.get_by_role("searchbox", name="查找居民").type("zsf", delay=80)
    result = phone.locator("#resident-results").get_by_role("link", name="张三丰")
    result.wait_for()
    # masked in the list: region and last four digits only
    assert phone.locator("#resident-results").get_by_text("430624********0013").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    shot(phone, tmp_path, "phone-people-search")
    result.click()
    phone.get_by_role("button", name="显示完整号码(将记录查看)").click()
    phone.get_by_text("430624195001010013").wait_for()
    shot(phone, tmp_path, "phone-resident")


def test_visits_due_on_a_phone(phone, live_server, tree, tmp_path):
    from datetime import timedelta

    from portal.people.visits import record_visit

    record_visit(tree.household_a, tree.users["grid_worker"], local_today() - timedelta(days=30),
                 "正常")
    db.session.commit()
    login(phone, live_server, "grid_worker")
    phone.goto(f"{live_server}/visits/due")
    phone.get_by_text("逾期15天").wait_for()
    phone.get_by_role("link", name="记录走访").first.click()
    phone.get_by_label("走访情况").fill("老人身体健康，家中整洁")
    phone.get_by_role("button", name="保存").click()
    phone.get_by_text("已记录走访。").wait_for()
    shot(phone, tmp_path, "phone-visits-due")


def _act(page, base, case_id, button, fill=None, choose=None):
    page.goto(f"{base}/cases/{case_id}")
    page.locator("#next-step").get_by_role("link", name=button, exact=True).click()
    page.locator("#action-form form").wait_for()
    if choose:
        page.locator("#action-form select[name=assignee]").select_option(label=choose)
    if fill:
        page.locator("#action-form textarea[name=note]").fill(fill)
    # the page is already at the case's URL: wait for the reload the action triggers (htmx
    # HX-Redirect), not for a URL that matches before the answer has even arrived
    with page.expect_navigation(url=f"{base}/cases/{case_id}"):
        page.locator("#action-form").get_by_role("button", name="确定").click()


def test_a_case_goes_round_the_loop(browser, phone, live_server, tree, tmp_path):
    from portal.cases.models import Case

    # a resident scans the grid's QR code and reports from a phone, without an account
    phone.goto(f"{live_server}/g/{tree.grid_a1.code}")
    phone.get_by_role("link", name="我要反映问题").click()
    phone.get_by_label("什么事").fill("村口路灯不亮")
    phone.get_by_label("详细情况").fill("村口的路灯坏了一个星期，晚上看不见路")
    phone.get_by_label("联系电话").fill("13912345678")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    shot(phone, tmp_path, "phone-public-report")
    phone.get_by_role("button", name="提交").click()
    phone.get_by_text("已收到您反映的问题").wait_for()
    case = db.session.scalar(db.select(Case).filter_by(title="村口路灯不亮"))
    assert phone.get_by_text(case.number).is_visible()

    staff = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = staff.new_page()
    page.set_default_timeout(15000)
    login(page, live_server, "grid_worker")
    _act(page, live_server, case.id, "上报上级", fill="需要更换电线，网格解决不了")
    logout(page)

    login(page, live_server, "town_admin")
    _act(page, live_server, case.id, "交办", choose="grid_worker 用户 · 网格员 · 第一网格")
    logout(page)

    login(page, live_server, "grid_worker")
    _act(page, live_server, case.id, "办结", fill="电工已更换电线，路灯亮了")
    logout(page)

    login(page, live_server, "town_admin")
    _act(page, live_server, case.id, "反馈结案", fill="已电话告知报告人")
    logout(page)

    login(page, live_server, "grid_worker")  # records the reporter's verdict from the phone call
    page.goto(f"{live_server}/cases/{case.id}")
    page.locator("#next-step").get_by_role("link", name="评价", exact=True).click()
    page.locator("#action-form").get_by_text("5★").click()
    page.locator("#action-form textarea[name=note]").fill("修得很快，满意")
    page.locator("#action-form").get_by_role("button", name="确定").click()
    page.get_by_text("★★★★★").wait_for()
    assert page.get_by_role("heading", name="办理过程").count() == 1  # the page, not a page in a page
    shot(page, tmp_path, "case-evaluated")
    staff.close()

    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.state == "evaluated" and case.satisfaction == 5
    assert [e.action for e in case.events] == ["report", "escalate", "assign", "resolve", "close",
                                              "evaluate"]
