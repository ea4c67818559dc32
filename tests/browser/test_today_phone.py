"""A grid worker's home on a 375 px phone answers "what must I do today?" first: the late case
with its per-step lights, the visits due, most urgent first, each number a link to its list;
the A5 day sheet opens from it."""
from datetime import timedelta

from portal.browser_testing import login, shot
from portal.cases.services import report, sweep
from portal.extensions import db
from portal.timeutil import local_today, utcnow


def test_a_grid_workers_today_on_a_phone(phone, live_server, tree, tmp_path):
    case = report(tree.grid_a1, category="hazard", title="路灯不亮", description="村口路灯坏了",
                  source="patrol", reporter=tree.users["grid_worker"])
    case.assign_due = case.feedback_due = local_today() - timedelta(days=1)
    report(tree.grid_a1, category="dispute", title="邻里噪音纠纷", description="楼上装修",
           source="patrol", reporter=tree.users["grid_worker"])
    for household, days in ((tree.household_a, 20), (tree.household_a2, 400)):
        household.created_at = utcnow() - timedelta(days=days)
    db.session.commit()
    sweep()
    db.session.commit()
    errors = []
    phone.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    login(phone, live_server, "grid_worker")
    phone.goto(f"{live_server}/")
    today = phone.locator("#today")
    today.get_by_role("heading", name="今日工作").wait_for()
    # the list comes before the summary of the grid
    top = phone.evaluate("document.querySelector('#today').getBoundingClientRect().top")
    summary = phone.evaluate("document.querySelector('.summary').getBoundingClientRect().top")
    assert top < summary
    first = today.locator(".today-item").first
    assert first.get_attribute("id") == "today-notices"  # 督办 heads the list
    cases = phone.locator("#today-cases")
    assert "路灯不亮" in cases.locator("li").first.inner_text()  # the late one first
    assert cases.locator("li").first.locator(".light-red").count() == 1
    assert cases.locator("li").first.locator(".today-step .dot").count() >= 2  # per step
    visits = phone.locator("#today-visits")
    assert visits.locator("li").first.inner_text().strip().startswith("城西路2号")  # most overdue
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    number = visits.locator("a.today-count")
    assert number.bounding_box()["height"] >= 44
    shot(phone, tmp_path, "today-grid-worker-phone")

    number.click()
    phone.wait_for_url("**/visits/due")
    phone.get_by_text("城西路2号").first.wait_for()
    phone.go_back()
    phone.get_by_role("link", name="打印工作单").click()
    phone.wait_for_url("**/today/sheet")
    phone.get_by_role("heading", name="今日工作单").wait_for()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    shot(phone, tmp_path, "today-sheet-phone")
    assert not errors, errors
