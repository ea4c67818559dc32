"""Every deadline lit, on a 375 px phone (issue 18): a town admin sets an emergency's hours on the
rules page; the statistics' 按环节 table leads to the cases whose feedback is late; the case page
shows each step with its light and the supervision record."""
from datetime import timedelta

from portal.browser_testing import login, shot
from portal.cases.services import act, report, sweep
from portal.extensions import db
from portal.timeutil import local_today


def test_a_late_feedback_is_found_and_read_on_a_phone(phone, live_server, tree, tmp_path):
    case = report(tree.grid_a1, category="hazard", title="桥栏杆松动", description="村口小桥栏杆松了",
                  source="patrol", reporter=tree.users["grid_worker"])
    act(case, tree.users["village_admin"], "assign", assignee=tree.users["grid_worker"])
    case.feedback_due = local_today() - timedelta(days=1)  # no feedback: that step is late
    case.resolve_due = local_today() + timedelta(days=4)
    on_time = report(tree.grid_a1, category="hazard", title="路灯不亮", description="村口路灯",
                     source="patrol", reporter=tree.users["grid_worker"])
    db.session.commit()
    sweep()
    db.session.commit()
    errors = []
    phone.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    login(phone, live_server, "town_admin")

    # the rules: an emergency assigned within 2 hours
    phone.goto(f"{live_server}/cases/rules/")
    phone.get_by_text("24时前交办都算按时", exact=False).wait_for()
    phone.get_by_label("紧急事件交办时限(小时)").fill("2")
    phone.get_by_role("button", name="保存").first.click()
    phone.get_by_text("已保存", exact=False).first.wait_for()
    assert phone.get_by_label("紧急事件交办时限(小时)").input_value() == "2"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375

    # the statistics by step lead to the late feedback
    phone.goto(f"{live_server}/cases/stats")
    table = phone.locator("#by-step")
    table.get_by_role("link", name="程序性反馈").click()
    phone.wait_for_url("**step=feedback**")
    rows = phone.locator("#case-rows li.row-link")
    rows.first.wait_for()
    assert rows.count() == 1 and "桥栏杆松动" in rows.first.inner_text()
    assert "程序性反馈期限" in rows.first.inner_text()
    assert on_time.title not in phone.locator("#case-rows").inner_text()
    shot(phone, tmp_path, "late-feedback-list")

    rows.first.locator("a.row-main").click()
    phone.wait_for_url(f"**/cases/{case.id}")
    steps = phone.locator("ul.steps li")
    assert steps.count() == 3
    assert steps.nth(1).locator(".light-red").count() == 1  # feedback: red
    assert steps.nth(2).locator(".light-green").count() == 1  # solution: still in time
    assert "程序性反馈超期" in phone.locator("#supervision").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    shot(phone, tmp_path, "case-steps")
    assert not errors, errors
