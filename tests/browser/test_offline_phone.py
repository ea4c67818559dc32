"""The phone without signal (issue 19), on a 375 px phone with Playwright's offline mode: a grid
worker opens the app (the service worker keeps their pages), loses the network, records a visit
and reports a case, sees "待上传 2", gets the network back, and both arrive exactly once; the task
list opens from the phone's copy without network, a copy older than a week is not shown, and
logging out leaves nothing on the phone."""
import pytest

from portal.auth.models import User
from portal.browser_testing import login, logout, shot
from portal.cases.models import Case
from portal.extensions import db
from portal.people.models import Visit

VISIT_TEXT = "老人在家，身体尚好（离线记录）"
CASE_TITLE = "路灯不亮（离线上报）"


def _ready(phone, live_server):
    """Open the app online and wait until the service worker controls the page and has kept the
    grid worker's pages."""
    phone.goto(f"{live_server}/")
    phone.wait_for_selector("html[data-offline-ready='1']", state="attached")
    phone.reload()  # now under the service worker's control
    phone.wait_for_selector("html[data-offline-ready='1']", state="attached")
    assert phone.evaluate("!!navigator.serviceWorker.controller")


def _pending(phone, text=None):
    return phone.locator("[data-offline-badge]", has_text=text)


@pytest.fixture
def offline_phone(phone):
    yield phone
    phone.context.set_offline(False)


def test_a_visit_and_a_case_made_offline_arrive_once(offline_phone, live_server, app, tree,
                                                     tmp_path):
    phone = offline_phone
    login(phone, live_server, "grid_worker")
    _ready(phone, live_server)

    phone.context.set_offline(True)
    assert phone.evaluate("navigator.onLine") is False
    # the grid's households, from the phone's copy: names and addresses, numbers masked
    phone.goto(f"{live_server}/offline/households")
    phone.get_by_text("张三丰").wait_for()
    assert "430624195001010013" not in phone.content() and "138****5678" in phone.content()
    shot(phone, tmp_path, "offline-households")

    # a visit: the household's visit page was never opened, the phone shows its one visit form
    phone.locator(f"[data-household-id='{tree.household_a.id}']").get_by_role(
        "link", name="记录走访").click()
    phone.wait_for_url(f"**/visits/households/{tree.household_a.id}/new")
    assert phone.get_by_label("住户").input_value() == str(tree.household_a.id)
    phone.get_by_label("走访情况").fill(VISIT_TEXT)
    phone.get_by_role("button", name="保存").click()
    phone.wait_for_url("**/offline/queue?kept=1")
    phone.get_by_text("没有网络：已保存在手机上").wait_for()
    _pending(phone, "待上传 1").wait_for()

    # a case, on the case form the phone kept
    phone.goto(f"{live_server}/cases/new")
    phone.get_by_label("标题").fill(CASE_TITLE)
    phone.get_by_label("事件经过").fill("村口路灯坏了三天")
    phone.get_by_role("button", name="上报").click()
    phone.wait_for_url("**/offline/queue?kept=1")
    _pending(phone, "待上传 2").wait_for()
    phone.get_by_text(VISIT_TEXT).wait_for()
    phone.get_by_text(CASE_TITLE).wait_for()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    shot(phone, tmp_path, "offline-queue-2")
    assert db.session.scalar(db.select(db.func.count()).select_from(Case)
                             .filter_by(title=CASE_TITLE)) == 0

    # the network returns: the queue is sent (the online event), each once
    phone.context.set_offline(False)
    phone.get_by_text("已上传 2 条").wait_for()
    assert _pending(phone).is_hidden()
    phone.get_by_text("没有待上传的记录。").wait_for()
    shot(phone, tmp_path, "offline-queue-sent")
    phone.reload()  # a page load sends again: nothing is left to send
    phone.get_by_text("没有待上传的记录。").wait_for()
    db.session.expire_all()
    visits = db.session.scalars(db.select(Visit).filter_by(found=VISIT_TEXT)).all()
    cases = db.session.scalars(db.select(Case).filter_by(title=CASE_TITLE)).all()
    assert len(visits) == 1 and len(cases) == 1
    assert visits[0].household_id == tree.household_a.id and visits[0].idempotency_key
    assert visits[0].user_id == cases[0].reporter_id == tree.users["grid_worker"].id
    assert cases[0].grid_id == tree.grid_a1.id and cases[0].idempotency_key


def test_the_task_list_opens_from_the_phones_copy_for_a_week(offline_phone, live_server, app,
                                                              tree, tmp_path):
    phone = offline_phone
    login(phone, live_server, "grid_worker")
    _ready(phone, live_server)
    # the server's page changes after the phone kept it: the copy shows the old name
    user = db.session.get(User, tree.users["grid_worker"].id)
    user.display_name = "改名以后"
    db.session.commit()

    phone.context.set_offline(True)
    phone.goto(f"{live_server}/")
    phone.get_by_text("保存在手机上的副本").wait_for()
    assert "grid_worker 用户" in phone.content() and "改名以后" not in phone.content()
    shot(phone, tmp_path, "offline-task-list")

    # a copy older than a week is neither shown nor kept
    phone.evaluate("""async () => {
        const cache = await caches.open("gridportal-pages");
        const copy = await cache.match("/");
        const headers = new Headers(copy.headers);
        headers.set("X-Offline-Fetched-At", String(Date.now() - 8 * 24 * 3600 * 1000));
        await cache.put("/", new Response(await copy.blob(), {headers}));
    }""")
    phone.goto(f"{live_server}/")
    phone.get_by_role("heading", name="没有网络").wait_for()
    assert phone.evaluate("""async () => !(await (await caches.open("gridportal-pages"))
                                            .match("/"))""")


def test_logout_leaves_nothing_on_the_phone(offline_phone, live_server, app, tree, tmp_path):
    phone = offline_phone
    login(phone, live_server, "grid_worker")
    _ready(phone, live_server)
    assert phone.evaluate("caches.keys().then(k => k.length)") >= 2
    logout(phone)
    assert phone.evaluate("caches.keys().then(k => k.length)") == 0
    assert phone.evaluate("navigator.serviceWorker.getRegistrations().then(r => r.length)") == 0
    assert phone.evaluate("indexedDB.databases().then(d => d.length)") == 0


def test_a_conflict_is_shown_and_kept_until_the_user_decides(offline_phone, live_server, app,
                                                             tree, tmp_path):
    from portal.people.services import move_household

    phone = offline_phone
    login(phone, live_server, "grid_worker")
    _ready(phone, live_server)
    phone.context.set_offline(True)
    phone.goto(f"{live_server}/visits/households/{tree.household_a.id}/new")
    phone.get_by_label("走访情况").fill(VISIT_TEXT)
    phone.get_by_role("button", name="保存").click()
    phone.wait_for_url("**/offline/queue?kept=1")
    # meanwhile the village moves the household to another grid
    move_household(tree.household_a, tree.grid_a2, actor=tree.users["village_admin"])
    db.session.commit()

    phone.context.set_offline(False)
    row = phone.locator("[data-offline-item]")
    row.get_by_text("没有上传成功").wait_for()
    row.get_by_text("这户已不在您的网格内").wait_for()
    _pending(phone, "待上传 1").wait_for()  # kept, never dropped
    shot(phone, tmp_path, "offline-queue-conflict")
    phone.reload()
    row.get_by_text("这户已不在您的网格内").wait_for()  # still there after a page load
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(Visit)
                             .filter_by(found=VISIT_TEXT)) == 0

    phone.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="放弃").click()
    phone.get_by_text("没有待上传的记录。").wait_for()
    assert _pending(phone).is_hidden()


def test_another_user_on_the_same_phone_finds_nothing_of_the_first(offline_phone, live_server,
                                                                   app, tree, tmp_path):
    """The first user's session ended without a logout (expired); the next user to log in on
    the phone gets none of their kept pages, household list or queue."""
    phone = offline_phone
    login(phone, live_server, "grid_worker")
    _ready(phone, live_server)
    phone.context.set_offline(True)
    phone.goto(f"{live_server}/cases/new")
    # the page's offline script has started (it keeps the form) once it says this is a copy
    phone.get_by_text("保存在手机上的副本").wait_for()
    phone.get_by_label("标题").fill(CASE_TITLE)
    phone.get_by_label("事件经过").fill("村口路灯坏了三天")
    phone.get_by_role("button", name="上报").click()
    phone.wait_for_url("**/offline/queue?kept=1")
    _pending(phone, "待上传 1").wait_for()
    phone.context.clear_cookies()  # the session is gone, the phone's copies are not
    phone.context.set_offline(False)
    # back online the queue is not sent without a session: it waits for its user's login
    phone.locator("[data-offline-item]").get_by_text("需要重新登录").wait_for()
    phone.get_by_text("登录已过期").wait_for()

    login(phone, live_server, "village_admin")
    phone.goto(f"{live_server}/offline/queue")
    phone.wait_for_selector("html[data-offline-ready='1']", state="attached")
    phone.get_by_text("没有待上传的记录。").wait_for()
    kept = phone.evaluate("""async () => {
        const found = [];
        for (const name of await caches.keys()) {
            for (const request of await (await caches.open(name)).keys()) {
                found.push(new URL(request.url).pathname);
            }
        }
        return found;
    }""")
    assert "/" not in kept and "/offline/households" not in kept
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(Case)
                             .filter_by(title=CASE_TITLE)) == 0  # not sent as someone else
