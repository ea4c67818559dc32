"""The resident's own loop on a 375 px phone: a public report answers with a receipt (the case
number, a link to follow it), the reporter follows it (this browser at once; another one with the
number and the phone's last four), reads the public reply — never the staff's note — and rates
the resolved case once."""
from portal.browser_testing import shot
from portal.cases.models import Case
from portal.cases.services import act
from portal.extensions import db

NOTE = "内部：与张三丰家有纠纷"
REPLY = "路灯已修好，谢谢您的反映。"


def _fits(phone):
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375


def test_public_report_receipt_track_and_rate_on_a_phone(phone, live_server, app, tree,
                                                         tmp_path):
    phone.goto(f"{live_server}/g/{tree.grid_a1.code}/report")
    phone.get_by_label("类别").select_option("hazard")
    phone.get_by_label("什么事").fill("村口路灯不亮")
    phone.get_by_label("详细情况").fill("晚上很黑，老人出门不方便")
    phone.get_by_label("联系电话").fill("13912345678")
    phone.get_by_role("button", name="提交").click()

    phone.wait_for_url("**/track/receipt/**")
    phone.get_by_text("已收到您反映的问题").wait_for()
    case = db.session.scalar(db.select(Case))
    phone.get_by_text(case.number).wait_for()
    _fits(phone)
    shot(phone, tmp_path, "phone-resident-receipt")
    phone.reload()  # a refresh of the receipt files nothing
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(Case)) == 1

    phone.get_by_role("link", name="查看办理进度").click()
    phone.wait_for_url(f"**/track/{case.number}")  # this browser reported it: no digits asked
    phone.get_by_text("已受理").first.wait_for()
    phone.get_by_text("办结后可以评价。").wait_for()

    # the grid worker handles it: a note for staff, a reply for the reporter
    with app.test_request_context():
        case = db.session.get(Case, case.id)
        act(case, tree.users["village_admin"], "assign", assignee=tree.users["grid_worker"])
        act(case, tree.users["grid_worker"], "resolve", NOTE, public_reply=REPLY)
        db.session.commit()

    # another phone (no session): the lookup with the number and the last four digits
    phone.context.clear_cookies()
    phone.goto(f"{live_server}/track/?number={case.number}")
    assert phone.get_by_label("事件编号").input_value() == case.number
    phone.get_by_label("反映时所留电话的后四位").fill("0000")
    phone.get_by_role("button", name="查询").click()
    phone.get_by_text("没有找到这个事件").wait_for()
    _fits(phone)
    shot(phone, tmp_path, "phone-resident-track-refused")
    phone.get_by_label("反映时所留电话的后四位").fill("5678")
    phone.get_by_role("button", name="查询").click()
    phone.wait_for_url(f"**/track/{case.number}")
    phone.get_by_text(REPLY).wait_for()
    assert NOTE not in phone.content() and "grid_worker" not in phone.content()
    _fits(phone)
    shot(phone, tmp_path, "phone-resident-track")

    phone.get_by_label("4★").check()
    phone.get_by_label("您的意见(可选)").fill("修得很快")
    submit = phone.get_by_role("button", name="提交评价")
    assert submit.bounding_box()["height"] >= 44
    submit.click()
    phone.get_by_text("谢谢您的评价。").wait_for()
    phone.get_by_text("修得很快").wait_for()
    assert phone.get_by_role("button", name="提交评价").count() == 0  # once
    _fits(phone)
    shot(phone, tmp_path, "phone-resident-rated")
    db.session.expire_all()
    rated = db.session.get(Case, case.id)
    assert (rated.satisfaction, rated.evaluation, rated.state) == (4, "修得很快", "resolved")


def test_the_public_form_offers_me_too_and_joining_follows_that_case(phone, live_server, app,
                                                                     tree, tmp_path):
    from portal.cases.services import report

    with app.test_request_context():
        case = report(tree.grid_a1, category="hazard", title="路灯不亮", description="村口",
                      source="public", reporter_phone="13912345678",
                      latitude=28.05, longitude=112.15)
        db.session.commit()
    phone.goto(f"{live_server}/g/{tree.grid_a1.code}/report")
    phone.get_by_label("类别").select_option("need")
    phone.get_by_label("联系电话").fill("13700002222")
    # the position as a photo's GPS gives it (static/js/photos.js): the hints are asked again
    phone.evaluate("""() => {
        const form = document.querySelector('form[enctype]');
        form.querySelector('[name=latitude]').value = '28.0502';
        form.querySelector('[name=longitude]').value = '112.1501';
        form.dispatchEvent(new CustomEvent('portal:location', {bubbles: true,
            detail: {latitude: 28.0502, longitude: 112.1501, source: 'photo'}}));
    }""")
    phone.wait_for_timeout(300)
    assert phone.get_by_role("button", name="我也遇到").count() == 0  # another category
    phone.get_by_label("类别").select_option("hazard")
    join = phone.get_by_role("button", name="我也遇到")
    join.wait_for()
    # the hints are asked for on each change (the position, then the category): a late answer
    # swapped in after this one would take the button from under the tap (a CI run timed out
    # waiting for the join to navigate)
    phone.wait_for_load_state("networkidle")
    join = phone.get_by_role("button", name="我也遇到")
    assert "路灯不亮" not in phone.content()  # the public sees category, state, day, distance
    _fits(phone)
    shot(phone, tmp_path, "phone-resident-me-too")
    join.click()
    phone.wait_for_url(f"**/track/{case.number}")
    phone.get_by_text("您也遇到了这个问题").wait_for()
    _fits(phone)
    shot(phone, tmp_path, "phone-resident-me-too-joined")
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(Case)) == 1
