"""The bell, the inbox and one's notification choices on a 375 px phone: the count in the header,
opening a message leads to its case, 全部已读, and quiet hours refused next to the field."""
from portal.browser_testing import login, shot
from portal.cases.services import report
from portal.extensions import db
from portal.notifications.outbox import notify


def test_the_bell_the_inbox_and_the_choices_on_a_phone(phone, live_server, tree, tmp_path):
    worker = tree.users["grid_worker"]
    case = report(tree.grid_a1, category="hazard", title="桥栏杆松动", description="村口小桥",
                  source="patrol", reporter=tree.users["village_admin"])
    for n, title in enumerate(("事件分派给您：桥栏杆松动", "督办通知：路灯不亮超期")):
        notify("case_assigned", f"phone:{n}", subject=title, body="请尽快处理，详情见事件页面。",
               link=f"/cases/{case.id}", users=[worker])
    db.session.commit()
    errors = []
    # (the refused quiet hours answer 422, which the browser reports as a failed resource)
    phone.on("console", lambda m: errors.append(m.text)
             if m.type == "error" and "422" not in m.text else None)
    login(phone, live_server, "grid_worker")

    bell = phone.locator("a.bell")
    assert bell.locator(".bell-count").inner_text() == "2"
    box = bell.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44
    shot(phone, tmp_path, "bell")
    bell.click()
    phone.wait_for_url("**/inbox/")
    assert phone.locator(".inbox-list li.unread").count() == 2
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    shot(phone, tmp_path, "inbox")

    phone.get_by_role("link", name="事件分派给您：桥栏杆松动").click()
    phone.wait_for_url(f"**/cases/{case.id}")
    assert phone.locator("a.bell .bell-count").inner_text() == "1"
    phone.goto(f"{live_server}/inbox/")
    phone.get_by_role("button", name="全部已读").click()
    phone.get_by_text("已将1条消息标为已读", exact=False).wait_for()
    assert phone.locator("a.bell .bell-count").count() == 0

    phone.get_by_role("link", name="通知设置").click()
    phone.wait_for_url("**/me/notifications")
    assert "未填写手机号" in phone.locator("form.notify-choices").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    shot(phone, tmp_path, "choices")
    phone.locator("input[name=quiet_from]").fill("22:00")
    phone.get_by_role("button", name="保存").click()
    phone.get_by_text("请同时填写开始和结束时间", exact=False).wait_for()
    phone.locator("input[name=quiet_to]").fill("07:00")
    phone.get_by_role("button", name="保存").click()
    phone.get_by_text("通知设置已保存", exact=False).wait_for()
    shot(phone, tmp_path, "choices-saved")
    assert not errors, errors
