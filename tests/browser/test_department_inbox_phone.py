"""A department's staff on a 375 px phone (部门联单): the inbox lists the case assigned to the
department with its light, a tap opens it, and the department answers it (办结) from the case
page's next steps."""
from portal.auth.services import create_user
from portal.browser_testing import login, shot
from portal.cases.models import Case
from portal.cases.services import act, report
from portal.extensions import db
from portal.testing import PASSWORD


def test_the_inbox_and_answering_a_case_on_a_phone(phone, live_server, tree, tmp_path):
    create_user(username="police_a", password=PASSWORD, role="dept_staff", scope=tree.town_a,
                display_name="派出所民警", department=tree.departments["police_a"])
    case = report(tree.grid_a1, category="dispute", title="邻里噪音纠纷",
                  description="楼上深夜装修，多次协商未果", source="patrol",
                  reporter=tree.users["grid_worker"])
    act(case, tree.users["town_admin"], "assign", department=tree.departments["police_a"])
    other = report(tree.grid_a2, category="hazard", title="交给司法所的事", description="d",
                   source="patrol", reporter=tree.users["grid_worker"])
    act(other, tree.users["town_admin"], "assign", department=tree.departments["justice_a"])
    db.session.commit()
    errors = []
    phone.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    login(phone, live_server, "police_a")
    phone.goto(f"{live_server}/cases/inbox")
    phone.get_by_role("heading", name="部门收件箱 · 派出所").wait_for()
    rows = phone.locator("#inbox-rows li.row-link")
    assert rows.count() == 1
    assert "邻里噪音纠纷" in rows.first.inner_text()
    assert rows.first.locator(".light").count() == 1  # its light
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    shot(phone, tmp_path, "department-inbox-phone")

    # the whole row opens the case: tap its right half
    box = rows.first.bounding_box()
    phone.mouse.click(box["x"] + box["width"] * 0.8, box["y"] + box["height"] / 2)
    phone.wait_for_url(f"**/cases/{case.id}")
    phone.get_by_text("承办部门 派出所").wait_for()
    answer = phone.locator("#next-step").get_by_role("link", name="办结", exact=True)
    height = answer.bounding_box()["height"]
    assert height >= 44, height
    answer.click()
    phone.get_by_label("说明").fill("已上门调解，双方达成谅解")
    shot(phone, tmp_path, "department-answer-phone")
    phone.get_by_role("button", name="确定").click()
    phone.get_by_text("已办结。").wait_for()
    phone.get_by_text("已上门调解，双方达成谅解").wait_for()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    db.session.expire_all()
    assert db.session.get(Case, case.id).state == "resolved"
    phone.goto(f"{live_server}/cases/inbox")
    phone.get_by_text("没有待办的事件。").wait_for()
    assert not errors, errors
