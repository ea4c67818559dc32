"""Coordination and approval cases in the browser: a village admin schedules a consultation (会商)
on a 375 px phone, and a town admin prints an approval's decision (审批决定书) on A4."""
from datetime import timedelta

from portal.browser_testing import login, shot
from portal.cases import approval
from portal.cases.kind_models import Consultation
from portal.cases.services import report
from portal.extensions import db
from portal.timeutil import to_local, utcnow


def _console_errors(page):
    """Errors in the console (a CSP violation shows there), but the refused form's own 422."""
    errors = []
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and "422" not in message.text else None)
    return errors


def test_a_village_admin_schedules_a_consultation_on_a_phone(phone, live_server, app, tree,
                                                             tmp_path):
    with app.test_request_context():
        case = report(tree.grid_a1, category="dispute", kind="coordination",
                      title="排水沟改道引发两户纠纷", description="两户为排水沟争执",
                      source="patrol", reporter=tree.users["grid_worker"])
        case.created_at -= timedelta(days=3)
    db.session.commit()
    errors = _console_errors(phone)

    login(phone, live_server, "village_admin")
    phone.goto(f"{live_server}/cases/{case.id}")
    phone.get_by_text("还没有安排会商。").wait_for()
    button = phone.get_by_role("link", name="安排会商")
    assert button.bounding_box()["height"] >= 44
    button.click()
    phone.get_by_label("会商地点").wait_for()  # the form came by htmx, into the panel
    assert phone.url.endswith(f"/cases/{case.id}")
    # sent empty: each message beside its field, the form still there
    phone.locator("#kind-form").get_by_role("button", name="确定").click()
    phone.get_by_text("请填写会商地点。").wait_for()
    phone.get_by_text("请填写会商方案。").wait_for()
    shot(phone, tmp_path, "phone-consultation-refused")

    when = to_local(utcnow() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    phone.get_by_label("会商时间").fill(when)
    phone.get_by_label("会商地点").fill("城西社区会议室")
    phone.get_by_label("司法所").check()  # a department on record: its staff will see the case
    # the whole label is the touch target
    assert phone.locator("#kind-form label", has_text="司法所").bounding_box()["height"] >= 44
    phone.get_by_label("其他参加单位").fill("镇水利站")
    phone.get_by_label("参加人员").fill("两户当事人、社区书记、网格员")
    phone.get_by_label("会商方案").fill("现场查看排水沟走向，商定疏通方案")
    for name in ("会商时间", "会商地点", "会商方案"):
        assert phone.get_by_label(name).bounding_box()["height"] >= 44, name
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    shot(phone, tmp_path, "phone-consultation-form")
    phone.locator("#kind-form").get_by_role("button", name="确定").click()
    phone.get_by_text("已安排会商。").wait_for()
    phone.locator(".consultations").get_by_text("城西社区会议室").wait_for()
    phone.locator(".timeline").get_by_text("安排会商").first.wait_for()
    assert phone.get_by_role("link", name="记录纪要").bounding_box()["height"] >= 44
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    shot(phone, tmp_path, "phone-consultation-scheduled")
    held = db.session.scalar(db.select(Consultation).filter_by(case_id=case.id))
    assert held.place == "城西社区会议室" and [d.name for d in held.invited] == ["司法所"]
    assert to_local(held.scheduled_at).strftime("%Y-%m-%dT%H:%M") == when
    assert not errors, errors


def test_a_town_admin_prints_the_decision_on_a4(page, live_server, app, tree, tmp_path):
    with app.test_request_context():
        case = report(tree.grid_a1, category="need", kind="approval", title="申请危房改造补助",
                      description="房屋墙体开裂、屋顶漏雨，经鉴定为C级危房，申请改造补助",
                      source="patrol", reporter=tree.users["grid_worker"],
                      reporter_name="李桂英", reporter_phone="13907305678")
        approval.take(case, tree.users["village_admin"], "accept", "申请材料齐全，予以受理")
        approval.take(case, tree.users["dept_staff"], "review", "经入户核查，符合条件")
        approval.take(case, tree.users["town_admin"], "approve", "同意补助1.5万元")
    db.session.commit()
    errors = _console_errors(page)

    login(page, live_server, "town_admin")
    page.goto(f"{live_server}/cases/{case.id}")
    page.get_by_role("link", name="审批决定书").click()
    page.wait_for_url(f"**/cases/{case.id}/decision")
    page.get_by_role("heading", name="审批决定书").wait_for()
    page.get_by_text("139****5678").wait_for()
    page.get_by_role("cell", name="同意补助1.5万元").wait_for()
    shot(page, tmp_path, "decision-screen")

    page.emulate_media(media="print")
    assert not page.get_by_role("button", name="打印").is_visible()  # the tools stay off paper
    assert not page.locator(".topbar").is_visible()
    shot(page, tmp_path, "decision-print")
    pdf = page.pdf(prefer_css_page_size=True)
    # A4 is 595 × 842 points; the decision fits on one page
    assert b"/MediaBox [0 0 594.95996 841.91998]" in pdf or b"/MediaBox [0 0 595" in pdf, \
        pdf[:2000]
    assert pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") + \
        pdf.count(b"/Type /Page/") == 1
    (tmp_path / "decision.pdf").write_bytes(pdf)
    assert not errors, errors
