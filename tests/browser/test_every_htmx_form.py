"""Nothing fails silently: every htmx form of every module, submitted empty in a real browser,
shows a message; a network failure, a timeout, a server error, an expired page or a step someone
else has taken meanwhile shows a polite message beside the form; a refused form on a phone brings
its first error into view and puts the cursor in its field.

The forms are found by crawling, not from a list: every page of the core's and every plugin's
route table (tests/test_routes.py, plugins/*/tests/test_routes.py through ``testing_routes``) is
opened by each role allowed to open it, with every module on for town A and every plugin's own
records built; a page whose HTML holds an htmx form (hx-post, hx-put, hx-patch, hx-delete), or a
link or button that fetches a fragment (hx-get, as "过程反馈" on a case and "改名" on a grid do),
is then opened in Chromium as that role. Each form found, on the page or in a fragment a link
opened, is submitted with its inputs cleared, and the test fails unless the server answered it
(2xx/3xx, or 422 with the form) and a message became visible. Cases in each state of the loop
are added by hand, so that every next step of a case is offered somewhere.
"""
import re
from collections import defaultdict

import pytest
from werkzeug.routing import BuildError

from portal.browser_testing import login, logout, shot
from portal.cases import services as cases
from portal.cases.models import Case, ResponseTemplate
from portal.extensions import db
from portal.modules.services import set_module
from portal.plugin_testing import plugin_routes
from portal.testing import expected_status, tree_users
from tests.test_routes import ROUTES, build_url, case, key_person, staff  # noqa: F401 (fixtures)

# what the browser shows when a form is refused or a request fails: the same on any database
# (every refused form's 422 is also checked as a request test on both databases)
pytestmark = [pytest.mark.browser, pytest.mark.database_independent]

#: What sends a form's values with htmx (a form, or a lone button).
SENDERS = "[hx-post], [hx-put], [hx-patch], [hx-delete]"
VERBS = ("hx-post", "hx-put", "hx-patch", "hx-delete")
#: What fetches a fragment when tapped: "过程反馈" on a case, "改名" on a grid. Pagers (which
#: push a URL) and search boxes (which fire on typing) only fetch lists.
OPENERS = ("#main a[hx-get]:not([hx-push-url]):not([hx-trigger]), "
           "#main button[hx-get]:not([hx-push-url]):not([hx-trigger])")
#: A message a person can read: an error beside a field or above a form, a flash, a status line.
MESSAGES = ".errors, .flash, [role=alert], [role=status]"
NEW_MESSAGE = f":is({MESSAGES}):not([data-seen]):visible"
IDLE = "() => !document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping')"

#: Clear every input a person could fill (and every hidden value but the CSRF token): what is
#: left is a form submitted empty.
CLEAR = """form => {
  for (const el of form.querySelectorAll('input, select, textarea')) {
    if (el.name === 'csrf_token' || el.matches('[type=submit], [type=button], [type=reset]')) {
      continue;
    }
    if (el.matches('[type=checkbox], [type=radio]')) { el.checked = false; }
    else if (el.matches('[type=file]')) { el.value = ''; }
    else if (el.tagName === 'SELECT') {
      el.value = '';
      if (el.value !== '') { el.selectedIndex = -1; }
    } else { el.value = ''; }
  }
}"""
#: A tag that fetches a fragment (pagers and search boxes aside), for the first look at a page
#: without a browser.
OPENER_TAG = re.compile(r"<(?:a|button)\b(?=[^>]*\bhx-get=)(?![^>]*\bhx-(?:push-url|trigger)=)"
                        r"[^>]*>")
SENDER_ATTR = re.compile(r"\bhx-(?:post|put|patch|delete)=")


# ---------------------------------------------------------------- the world


def _case_in(tree, state):
    """A case reported in grid A1 and taken by town A's admin to ``state``."""
    admin, worker = tree.users["town_admin"], tree.users["grid_worker"]
    case = cases.report(tree.grid_a1, category="hazard", title=f"井盖缺失（{state}）",
                        description="村口的井盖不见了，晚上有人掉进去的危险。" * 8,
                        source="patrol", reporter=worker)
    steps = {"received": [], "assigned": ["assign"],
             "resolved": ["assign", "start", "resolve"],
             "closed": ["assign", "start", "resolve", "close"]}[state]
    for step in steps:
        cases.act(case, admin, step, "办理中的说明", assignee=worker if step == "assign" else None)
    return case


@pytest.fixture
def world(app, example_on, staff, key_person, case):
    """Every module on for town A with each plugin's own route-test records, the records of the
    core's route table (its fixtures), and a case in each state where a next step is offered."""
    tree = example_on
    pages = []  # (role, endpoint, URL); None for a URL the route table could not fill in
    for (endpoint, method), rule in sorted(ROUTES.items()):
        if method == "GET":
            try:
                url = build_url(app, tree, staff, key_person, case, endpoint,
                                _arguments(app, endpoint, method))
            except BuildError:
                pages.append((None, endpoint, None))
                continue
            pages += [(role, endpoint, url) for role in _allowed(rule, endpoint)]
    for plugin, routes in plugin_routes(app).items():
        built = routes.world(tree)
        set_module(tree.town_a, plugin, True)
        builder = routes.build(app, built)
        for (endpoint, method), rule in sorted(routes.table.items()):
            if method == "GET" and not endpoint.endswith(".static"):
                url = builder(endpoint, _arguments(app, endpoint, method))
                pages += [(role, endpoint, url) for role in _allowed(rule, endpoint)]
    for state in ("received", "assigned", "resolved", "closed"):
        pages.append(("town_admin", "cases.show", f"/cases/{_case_in(tree, state).id}"))
    db.session.commit()
    return pages


def _arguments(app, endpoint, method):
    for rule in app.url_map.iter_rules(endpoint):
        if method in rule.methods:
            return rule.arguments
    raise AssertionError(f"no rule for {endpoint} {method}")


def _allowed(rule, endpoint) -> list[str]:
    """The tree's users who may open the page (as the route table says)."""
    if rule.ok != 200:
        return []
    return [role for role in tree_users() if expected_status(rule, role, endpoint) == 200]


def pages_with_htmx(app, pages, broken: list) -> dict[str, list[str]]:
    """role -> the URLs whose HTML (asked for without a browser, as that role) holds an htmx
    form or a link that opens one; a page that fails to render goes to ``broken``."""
    found = defaultdict(list)
    by_role = defaultdict(list)
    for role, endpoint, url in pages:
        if url is None:
            broken.append(f"{endpoint}: tests/test_routes.py cannot fill in its URL")
        else:
            by_role[role].append(url)
    client = app.test_client()
    for role, urls in by_role.items():
        client.login(role)
        for url in dict.fromkeys(urls):
            try:
                response = client.get(url)
            except Exception as error:  # noqa: BLE001 (the test says which page, then goes on)
                broken.append(f"GET {url} as {role}: {error!r}")
                continue
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            html = response.get_data(as_text=True)
            if 'id="main"' not in html:
                continue  # a fragment that htmx fetches (the grid's name field), not a page
            if SENDER_ATTR.search(html) or OPENER_TAG.search(html.split('id="main"', 1)[-1]):
                found[role].append(url)
        client.logout()
    return found


# ---------------------------------------------------------------- the browser's part


def form_key(verb: str, url: str) -> str:
    """One form, whichever record it is about: /cases/12/act/close -> POST /cases/#/act/close."""
    return f"{verb[3:].upper()} {re.sub(r'/[0-9]+', '/#', url.split('?', 1)[0])}"


def senders(page) -> list[tuple[str, str]]:
    """(hx-verb, URL) of every htmx form (or lone htmx button) on the page as it is now."""
    return page.eval_on_selector_all(SENDERS, """els => els.map(el => {
        const verb = ['hx-post', 'hx-put', 'hx-patch', 'hx-delete'].find(v => el.hasAttribute(v));
        return [verb, el.getAttribute(verb)];
    })""")


def wait_idle(page):
    page.wait_for_load_state()
    page.wait_for_function(IDLE)


def open_fragment(page, opener: str | None):
    """Tap the link or button that fetches ``opener`` (its hx-get) and wait for the fragment."""
    if opener is None:
        return
    link = page.locator(f'#main [hx-get="{opener}"]').first
    with page.expect_response(lambda r: r.url.endswith(opener)):
        link.click()
    wait_idle(page)


def submit_empty(page, verb: str, url: str) -> tuple[int, str]:
    """Clear the form's inputs and send it the way a person does (its first submit button);
    return the status the server answered and the text of the message that became visible
    ("" when none did)."""
    page.evaluate(f"document.querySelectorAll({MESSAGES!r}).forEach(e => e.dataset.seen = '1')")
    sender = page.locator(f'[{verb}="{url}"]').first
    is_form = sender.evaluate("el => el.tagName === 'FORM'")
    if is_form:
        sender.evaluate(CLEAR)
    method = verb[3:].upper()
    with page.expect_response(lambda r: r.request.method == method and r.url.endswith(url)) as info:
        button = sender.locator("button:not([type=button]):not([type=reset]), [type=submit]")
        if not is_form:
            sender.click()
        elif button.count():
            button.first.click()
        else:
            sender.evaluate("f => f.requestSubmit()")
    status = info.value.status
    message = page.locator(NEW_MESSAGE).filter(has_text=re.compile(r"\S")).first
    try:
        message.wait_for(timeout=5000)
    except Exception:  # noqa: BLE001 (Playwright's TimeoutError: nothing became visible)
        return status, ""
    return status, message.inner_text().strip()


def test_every_htmx_form_of_every_module_shows_a_message_when_sent_empty(
        app, browser, live_server, world, tmp_path):
    failures: list[str] = []
    candidates = pages_with_htmx(app, world, failures)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    page.on("dialog", lambda dialog: dialog.accept())  # a data-confirm asks first
    tried: dict[str, str] = {}  # form key -> what happened
    for role, urls in candidates.items():
        login(page, live_server, role)
        for url in urls:
            page.goto(live_server + url)
            wait_idle(page)
            # the page's own forms, then those each opener brings
            places = [(None, sender) for sender in senders(page)]
            openers = page.eval_on_selector_all(OPENERS, "els => els.map(e => e.getAttribute('hx-get'))")
            on_page = set(map(tuple, senders(page)))
            for opener in dict.fromkeys(openers):
                page.goto(live_server + url)
                open_fragment(page, opener)
                places += [(opener, tuple(s)) for s in senders(page) if tuple(s) not in on_page]
            for opener, (verb, target) in places:
                key = form_key(verb, target)
                if key in tried:
                    continue
                page.goto(live_server + url)
                wait_idle(page)
                if opener is not None and not page.locator(f'#main [hx-get="{opener}"]').count():
                    failures.append(f"{key}: {opener} is gone from {url} (the crawl changed it)")
                    tried[key] = "not reached"
                    continue
                open_fragment(page, opener)
                status, message = submit_empty(page, verb, target)
                tried[key] = f"{role} {url}: {status} {message[:40]!r}"
                where = f"{key} (as {role} on {url}{f' after {opener}' if opener else ''})"
                if status >= 400 and status != 422:
                    failures.append(f"{where}: answered {status}, not the form with its "
                                    f"errors (422) or a success")
                elif not message:
                    failures.append(f"{where}: answered {status}, and no message became visible")
                elif page.locator(".request-failure:visible").count():
                    failures.append(f"{where}: only the general failure message showed")
                if len(tried) <= 3 or key.endswith(("/name", "/feedback", "/reveal")):
                    shot(page, tmp_path, "empty-" + re.sub(r"[^a-z0-9]+", "-", key.lower()))
        logout(page)
    context.close()
    summary = "\n".join(f"{key}: {what}" for key, what in sorted(tried.items()))
    # the crawl proves something: the forms the issue names were found and sent
    must = {"POST /grids/#/name", "POST /admin/modules/#/example", "POST /people/residents/#/reveal",
            *(f"POST /cases/#/act/{action}" for action in (
                "assign", "start", "feedback", "escalate", "resolve", "close", "evaluate",
                "reopen", "duplicate"))}
    assert must <= set(tried), f"not found by the crawl: {sorted(must - set(tried))}\n{summary}"
    assert not failures, "\n".join(failures) + "\n\nall forms tried:\n" + summary


# ---------------------------------------------------------------- when the request itself fails


@pytest.fixture
def received(app, tree):
    case = _case_in(tree, "received")
    db.session.commit()
    return case


def _open_feedback(page, base, case, note="已到现场查看，正在联系维修"):
    page.goto(f"{base}/cases/{case.id}")
    page.locator("#next-step").get_by_role("link", name="过程反馈", exact=True).click()
    form = page.locator("#action-form form")
    form.wait_for()
    form.locator("textarea[name=note]").fill(note)
    return form


def _failure_beside(form, text):
    """The failure message, visible at the top of the form that was sent (not only somewhere)."""
    message = form.locator(".request-failure[role=alert]")
    message.wait_for()
    assert text in message.inner_text()
    assert message.is_visible()
    return message


def test_a_network_failure_says_so_beside_the_form_and_a_retry_goes_through(
        page, live_server, tree, received, tmp_path):
    login(page, live_server, "town_admin")
    form = _open_feedback(page, live_server, received)

    def offline(route):
        if route.request.method == "POST":
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.route("**/cases/*/act/feedback", offline)
    form.get_by_role("button", name="确定").click()
    _failure_beside(form, "网络连接失败，请检查信号后重试。")
    # what was typed is still there, and the form is ready again
    assert form.locator("textarea[name=note]").input_value() == "已到现场查看，正在联系维修"
    assert form.get_attribute("aria-busy") is None
    shot(page, tmp_path, "request-failure-network")

    page.unroute("**/cases/*/act/feedback")
    with page.expect_navigation(url=f"{live_server}/cases/{received.id}"):
        form.get_by_role("button", name="确定").click()
    page.get_by_text("已过程反馈。").wait_for()
    assert page.locator(".request-failure").count() == 0
    db.session.expire_all()
    assert [e.action for e in db.session.get(Case, received.id).events] == ["report", "feedback"]


def test_a_link_that_fetches_a_step_says_so_when_offline(phone, live_server, tree, received,
                                                         tmp_path):
    """Not only forms: "上报上级" fetches its form; offline, the phone says so beside the link."""
    login(phone, live_server, "town_admin")
    phone.goto(f"{live_server}/cases/{received.id}")
    phone.route("**/cases/*/act/escalate", lambda route: route.abort("internetdisconnected"))
    phone.locator("#next-step").get_by_role("link", name="上报上级", exact=True).tap()
    message = phone.locator("#next-step .request-failure[role=alert]")
    message.wait_for()
    assert "网络连接失败" in message.inner_text()
    assert _in_view(phone, "#next-step .request-failure")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    shot(phone, tmp_path, "phone-request-failure-link")


def test_a_server_error_says_so_beside_the_form(page, live_server, tree, received, tmp_path):
    login(page, live_server, "town_admin")
    form = _open_feedback(page, live_server, received)
    page.route("**/cases/*/act/feedback", lambda route: route.fulfill(
        status=500, content_type="text/html", body="<h1>Internal Server Error</h1>")
        if route.request.method == "POST" else route.continue_())
    form.get_by_role("button", name="确定").click()
    _failure_beside(form, "服务器出错了，请稍后重试。")
    shot(page, tmp_path, "request-failure-500")
    # a second failure replaces the first message rather than stacking another
    form.get_by_role("button", name="确定").click()
    page.wait_for_function(IDLE)
    assert form.locator(".request-failure").count() == 1


def test_a_server_that_does_not_answer_says_so(page, live_server, tree, received):
    login(page, live_server, "town_admin")
    form = _open_feedback(page, live_server, received)
    held = []
    page.route("**/cases/*/act/feedback", lambda route: held.append(route)
               if route.request.method == "POST" else route.continue_())
    page.evaluate("htmx.config.timeout = 500")  # base.html waits 30 s
    form.get_by_role("button", name="确定").click()
    _failure_beside(form, "服务器长时间没有响应")
    assert held, "the request was sent"
    for route in held:
        route.abort()


def test_an_expired_page_and_a_step_taken_meanwhile_say_so(page, live_server, tree, received):
    """Real answers of the server: the CSRF token no longer matches (400), and another
    dispatcher has assigned the case while this one was typing (403)."""
    login(page, live_server, "town_admin")
    form = _open_feedback(page, live_server, received)
    page.evaluate("""() => {
        document.body.setAttribute('hx-headers', JSON.stringify({'X-CSRFToken': 'expired'}));
        document.querySelector('#action-form [name=csrf_token]').value = 'expired';
    }""")
    form.get_by_role("button", name="确定").click()
    _failure_beside(form, "页面已过期，请刷新后重试。")

    form = _open_feedback(page, live_server, received)
    page.locator("#next-step").get_by_role("link", name="上报上级", exact=True).click()
    form = page.locator("#action-form form")
    form.get_by_role("heading", name="上报上级").wait_for()
    form.locator("textarea[name=note]").fill("网格解决不了")
    cases.act(db.session.get(Case, received.id), tree.users["county_admin"], "duplicate",
              "与另一事件重复", duplicate_of=_case_in(tree, "received"))
    db.session.commit()
    form.get_by_role("button", name="确定").click()
    _failure_beside(form, "这一步现在不能做了（可能已有他人处理），请刷新页面后查看。")


def test_a_session_that_ran_out_says_so_or_goes_to_the_login_page_and_back(
        page, live_server, tree, received):
    login(page, live_server, "town_admin")
    form = _open_feedback(page, live_server, received)
    page.context.clear_cookies()
    # sending the form: the page's token belongs to the lost session
    form.get_by_role("button", name="确定").click()
    _failure_beside(form, "页面已过期，请刷新后重试。")
    # opening a step: the login page comes as a page, not into a corner of this one
    with page.expect_navigation(url="**/login?**"):
        page.locator("#next-step").get_by_role("link", name="上报上级", exact=True).click()
    assert page.locator("#action-form").count() == 0
    page.get_by_label("用户名 / 手机号 / 身份证号").fill("town_admin")
    page.get_by_label("密码").fill("secret123")
    with page.expect_navigation(url=f"{live_server}/cases/{received.id}"):
        page.get_by_role("button", name="登录").click()


def test_the_failure_messages_speak_the_pages_language(page, live_server, tree, received):
    login(page, live_server, "town_admin")
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    page.goto(f"{live_server}/cases/{received.id}/act/feedback")
    form = page.locator("#action-form form")
    form.locator("textarea[name=note]").fill("on the way")
    page.route("**/cases/*/act/feedback", lambda route: route.abort()
               if route.request.method == "POST" else route.continue_())
    form.locator("button.primary").click()
    message = _failure_beside(form, "The network connection failed.")
    assert not re.search(r"[\u4e00-\u9fff]", message.inner_text())


# ---------------------------------------------------------------- a refused form on a phone


def _in_view(page, selector):
    return page.evaluate("""sel => { const r = document.querySelector(sel).getBoundingClientRect();
        return r.top >= 0 && r.bottom <= window.innerHeight; }""", selector)


def test_on_a_phone_a_refused_step_brings_its_error_into_view(phone, live_server, tree, tmp_path):
    case = _case_in(tree, "assigned")
    for n in range(12):  # a long history above the form
        cases.act(case, tree.users["town_admin"], "feedback", f"第{n + 1}次反馈：正在协调")
    # a reply template: its picker sits above the note, but the note is the field to fill
    db.session.add(ResponseTemplate(town_id=tree.town_a.id, title="已修复", text="已处理"))
    db.session.commit()
    login(phone, live_server, "grid_worker")
    phone.goto(f"{live_server}/cases/{case.id}")
    phone.locator("#next-step").get_by_role("link", name="办结", exact=True).tap()
    form = phone.locator("#action-form form")
    form.wait_for()
    form.get_by_role("button", name="确定").tap()
    phone.locator("#action-form .has-error").wait_for()
    phone.wait_for_function(IDLE)
    assert phone.evaluate("document.activeElement.name") == "note"
    assert phone.locator("#note").get_attribute("aria-invalid") == "true"
    assert _in_view(phone, "#action-form .has-error")
    assert phone.locator("#action-form .errors").get_by_text("请填写说明。").is_visible()
    shot(phone, tmp_path, "phone-refused-step")


def test_on_a_phone_a_refused_long_page_opens_at_its_first_error(phone, live_server, tree,
                                                                tmp_path):
    """A whole-page form refused with 422 (no htmx): the page comes back scrolled to the
    first error, its field focused, not at the top with the cursor in the first field."""
    login(phone, live_server, "town_admin")
    phone.goto(f"{live_server}/admin/users/new")
    phone.get_by_label("用户名").fill("wang_wg")
    phone.get_by_label("姓名").fill("王网格")
    phone.get_by_label("角色").select_option(label="网格员")
    phone.get_by_label("管理范围").select_option(index=1)
    phone.get_by_label("密码").fill("123")  # too short: the only error, far below the top
    with phone.expect_navigation() as answer:
        phone.get_by_role("button", name="保存").tap()
    assert answer.value.status == 422
    error = phone.locator("#main .field.has-error")
    assert error.count() == 1
    phone.wait_for_function("document.activeElement && document.activeElement.name === 'password'")
    assert _in_view(phone, "#main .field.has-error")
    assert phone.evaluate("window.scrollY") > 0  # it did scroll: the field is below the fold
    shot(phone, tmp_path, "phone-refused-long-page")
