"""Coordination cases (会商, 包案领导) and approval cases (受理 → 审核 → 批准 / 退回, the printable
decision), over HTTP: portal/cases/consultations.py, approval.py and kinds_views.py."""
import re
from datetime import timedelta

import pytest

from portal.cases import approval, consultations
from portal.cases.kind_models import ApprovalStep, Consultation
from portal.cases.models import Case
from portal.cases.services import act, report
from portal.errors import DomainError
from portal.extensions import db
from portal.timeutil import to_local, utcnow


def _case(tree, kind, **kw):
    fields = dict(category="dispute", title="排水沟堵塞引发纠纷", description="两户为排水沟争执",
                  source="patrol", reporter=tree.users["grid_worker"], kind=kind)
    fields.update(kw)
    case = report(tree.grid_a1, **fields)
    db.session.commit()
    return case


def _backdate(case, days):
    """Reported ``days`` ago, so a consultation may have taken place since."""
    case.created_at -= timedelta(days=days)
    for event in case.events:
        event.at -= timedelta(days=days)
    db.session.commit()


def _local(moment):
    return to_local(moment).strftime("%Y-%m-%dT%H:%M")


def _timeline(case):
    db.session.expire_all()
    return [(e.action, e.note) for e in db.session.get(Case, case.id).events]


def _approval_case(tree):
    return _case(tree, "approval", category="need", title="申请危房改造补助",
                 description="房屋墙体开裂，申请危房改造补助", reporter_name="李桂英",
                 reporter_phone="13907305678")


# ---------------------------------------------------------------- coordination


def test_schedule_then_minutes_go_on_the_timeline(client, tree):
    case = _case(tree, "coordination")
    _backdate(case, 3)
    client.login("village_admin")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "会商与包案" in page and "还没有安排会商" in page and "安排会商" in page
    form = client.htmx_get(f"/cases/{case.id}/consultations/new")
    assert form.status_code == 200 and "<html" not in form.get_data(as_text=True)
    when = utcnow() - timedelta(days=1)
    done = client.htmx_post(f"/cases/{case.id}/consultations/new", data={
        "scheduled_at": _local(when), "place": "城西社区会议室", "departments": "司法所、水利站",
        "participants": "两户当事人、社区书记、网格员", "plan": "现场查看排水沟走向，商定疏通方案"})
    assert done.status_code == 204 and done.headers["HX-Redirect"] == f"/cases/{case.id}"
    consultation = db.session.scalar(db.select(Consultation).filter_by(case_id=case.id))
    assert consultation.place == "城西社区会议室" and consultation.recorded_at is None
    assert consultation.scheduled_by_id == tree.users["village_admin"].id
    assert _local(consultation.scheduled_at) == _local(when)  # stored UTC, read back local

    url = f"/cases/{case.id}/consultations/{consultation.id}/minutes"
    recorded = client.post(url, data={"minutes": "双方同意按原走向疏通",
                                      "decisions": "司法所三日内出具调解书；村里周五前疏通"})
    assert recorded.status_code == 302
    actions = [a for a, _ in _timeline(case)]
    assert actions[-2:] == ["consult_schedule", "consult_minutes"]
    notes = dict(_timeline(case))
    assert "城西社区会议室" in notes["consult_schedule"]
    assert "司法所三日内出具调解书" in notes["consult_minutes"]
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "安排会商" in page and "会商纪要" in page and "双方同意按原走向疏通" in page
    assert "司法所三日内出具调解书" in page
    # once: the minutes are not written over
    again = client.post(url, data={"minutes": "改", "decisions": "改"})
    assert again.status_code == 422 and "纪要已经记录" in again.get_data(as_text=True)
    assert db.session.get(Consultation, consultation.id).minutes == "双方同意按原走向疏通"


def test_minutes_wait_for_the_consultation_and_the_date_follows_the_report(client, tree):
    case = _case(tree, "coordination")
    client.login("village_admin")
    early = client.post(f"/cases/{case.id}/consultations/new", data={
        "scheduled_at": _local(utcnow() - timedelta(days=5)), "place": "会议室",
        "participants": "当事人", "plan": "协商"})
    assert early.status_code == 422 and "不能早于事件上报的日期" in early.get_data(as_text=True)
    coming = client.post(f"/cases/{case.id}/consultations/new", data={
        "scheduled_at": _local(utcnow() + timedelta(days=2)), "place": "会议室",
        "participants": "当事人", "plan": "协商"})
    assert coming.status_code == 302
    consultation = db.session.scalar(db.select(Consultation).filter_by(case_id=case.id))
    refused = client.post(f"/cases/{case.id}/consultations/{consultation.id}/minutes",
                          data={"minutes": "已开会", "decisions": "疏通"})
    assert refused.status_code == 422 and "会商尚未举行" in refused.get_data(as_text=True)
    assert db.session.get(Consultation, consultation.id).recorded_at is None
    bad = client.post(f"/cases/{case.id}/consultations/new", data={
        "scheduled_at": "明天上午", "place": "会议室", "participants": "当事人", "plan": "协商"})
    assert bad.status_code == 422 and "年-月-日 时:分" in bad.get_data(as_text=True)


def test_any_open_case_may_be_consulted_on_but_not_a_closed_one(client, tree):
    case = _case(tree, "general")
    client.login("town_admin")
    assert "安排会商" in client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert client.get(f"/cases/{case.id}/consultations/new").status_code == 200
    admin = tree.users["town_admin"]
    act(case, admin, "assign", assignee=admin)
    act(case, admin, "resolve", "已处理")
    db.session.commit()
    assert client.get(f"/cases/{case.id}/consultations/new").status_code == 403
    assert "安排会商" not in client.get(f"/cases/{case.id}").get_data(as_text=True)


def test_a_lead_is_named_from_the_town_or_county(client, tree):
    case = _case(tree, "coordination")
    client.login("village_admin")
    form = client.get(f"/cases/{case.id}/lead").get_data(as_text=True)
    town_admin, county_admin = tree.users["town_admin"], tree.users["county_admin"]
    assert f'value="{town_admin.id}"' in form and f'value="{county_admin.id}"' in form
    # a grid worker or the village's own admin is no lead; town B's admin neither
    for user in (tree.users["grid_worker"], tree.users["village_admin"],
                 tree.users["b_town_admin"]):
        assert f'value="{user.id}"' not in form
        refused = client.post(f"/cases/{case.id}/lead", data={"lead": user.id})
        assert refused.status_code == 422
        assert "请选择本镇或县里的领导" in refused.get_data(as_text=True)
    done = client.post(f"/cases/{case.id}/lead", data={"lead": town_admin.id})
    assert done.status_code == 302
    assert db.session.get(Case, case.id).lead_id == town_admin.id
    assert ("lead", town_admin.display_name) in _timeline(case)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "包案领导" in page and town_admin.display_name in page and "更换包案领导" in page
    other = _case(tree, "coordination")
    other.title = "另一件协调事件"
    db.session.commit()
    client.logout()
    client.login("town_admin")  # the lead finds the cases they answer for
    mine = client.get("/cases/?lead=1").get_data(as_text=True)
    assert case.title in mine and "另一件协调事件" not in mine and "我包案的" in mine


def test_who_may_consult(client, tree):
    case = _case(tree, "coordination")
    for user in ("grid_worker", "info_officer", "resident"):  # no dispatcher
        client.login(user)
        for url in (f"/cases/{case.id}/consultations/new", f"/cases/{case.id}/lead"):
            assert client.get(url).status_code == 403, (user, url)
        client.logout()
    client.login("b_town_admin")  # another town: the case does not exist for them
    assert client.get(f"/cases/{case.id}/consultations/new").status_code == 404
    client.logout()
    # passed up to the town: the village's admin is below the case's level now
    act(case, tree.users["town_admin"], "escalate", "需要镇里协调")
    act(case, tree.users["town_admin"], "escalate", "需要镇里协调")
    db.session.commit()
    assert db.session.get(Case, case.id).level == "town"
    client.login("village_admin")
    assert client.get(f"/cases/{case.id}/consultations/new").status_code == 403
    with pytest.raises(DomainError, match="交办人员可以安排会商"):
        consultations.schedule(case, tree.users["village_admin"], scheduled_at=utcnow(),
                               place="x", departments=None, participants="x", plan="x")


def test_empty_forms_say_what_is_missing_beside_the_field(client, tree):
    case = _case(tree, "coordination")
    _backdate(case, 2)
    client.login("town_admin")
    empty = client.htmx_post(f"/cases/{case.id}/consultations/new", data={})
    text = empty.get_data(as_text=True)
    assert empty.status_code == 422 and "<html" not in text
    for message in ("请填写会商时间", "请填写会商地点", "请填写参加会商的人员", "请填写会商方案"):
        assert message in text
    assert 'aria-invalid="true"' in text and 'id="place-errors"' in text
    assert db.session.scalar(db.select(db.func.count()).select_from(Consultation)) == 0

    lead = client.htmx_post(f"/cases/{case.id}/lead", data={})
    assert lead.status_code == 422 and "请选择包案领导" in lead.get_data(as_text=True)

    consultations.schedule(case, tree.users["town_admin"], scheduled_at=utcnow(),
                           place="会议室", departments=None, participants="当事人", plan="协商")
    db.session.commit()
    held = db.session.scalar(db.select(Consultation))
    minutes = client.htmx_post(f"/cases/{case.id}/consultations/{held.id}/minutes", data={})
    text = minutes.get_data(as_text=True)
    assert minutes.status_code == 422 and "请填写会商纪要" in text and "请填写决定事项" in text

    approval_case = _approval_case(tree)
    accept = client.htmx_post(f"/cases/{approval_case.id}/approval/accept", data={"note": " "})
    assert accept.status_code == 422 and "请填写意见" in accept.get_data(as_text=True)
    assert 'id="note-errors"' in accept.get_data(as_text=True)
    give_back = client.post(f"/cases/{approval_case.id}/approval/return", data={})
    assert give_back.status_code == 422 and "请填写退回原因" in give_back.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(ApprovalStep)) == 0


# ---------------------------------------------------------------- approval


def _take(client, case, step, note):
    response = client.post(f"/cases/{case.id}/approval/{step}", data={"note": note})
    assert response.status_code == 302, (step, response.status_code,
                                         response.get_data(as_text=True)[:2000])


def test_accept_review_approve_resolves_the_case_and_the_loop_goes_on(client, tree):
    case = _approval_case(tree)
    client.login("village_admin")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "审批" in page and "待受理" in page and "审批决定书" not in page
    _take(client, case, "accept", "材料齐全，予以受理")
    assert approval.stage(case) == "accepted"
    # the application is the county 民政局's to review: its staff see only their department's
    # cases (portal.tenancy.narrow), so the case names it
    case.department_id = tree.departments["county"].id
    db.session.commit()
    client.logout()
    client.login("dept_staff")  # the department reviews
    _take(client, case, "review", "经现场核查，房屋属C级危房，符合条件")
    client.logout()
    client.login("town_admin")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "已审核，待批准" in page and f"/cases/{case.id}/approval/approve" in page
    _take(client, case, "approve", "同意补助，按标准拨付")
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.state == "resolved" and case.resolved_at is not None
    steps = approval.steps_of(case)
    assert [(s.step, s.decision) for s in steps] == [
        ("accept", "passed"), ("review", "passed"), ("approve", "passed")]
    assert [s.user.username for s in steps] == ["village_admin", "dept_staff", "town_admin"]
    from portal.audit.models import AuditEntry

    audited = db.session.scalars(db.select(AuditEntry.action).where(
        AuditEntry.object_id == str(case.id), AuditEntry.action.startswith("case.approval_"))
        .order_by(AuditEntry.id)).all()
    assert audited == ["case.approval_accept", "case.approval_review", "case.approval_approve"]
    actions = [a for a, _ in _timeline(case)]
    assert actions == ["report", "approval_accept", "approval_review", "approval_approve",
                       "assign", "resolve"]
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f"/cases/{case.id}/decision" in page and "已批准" in page
    assert f"/cases/{case.id}/approval/" not in page  # nothing left to decide
    # the loop continues: closed with feedback, evaluated
    act(case, tree.users["town_admin"], "close", "已通知申请人领取补助")
    db.session.commit()
    assert db.session.get(Case, case.id).state == "closed"


def test_returned_with_a_reason_stays_open_and_may_be_accepted_again(client, tree):
    case = _approval_case(tree)
    client.login("town_admin")
    _take(client, case, "accept", "予以受理")
    _take(client, case, "review", "审核通过")
    _take(client, case, "return", "缺少房屋安全鉴定报告，请补充后重新申请")
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.state == "received" and case.resolved_at is None  # still open
    assert approval.stage(case) == "returned"
    assert ("approval_return", "缺少房屋安全鉴定报告，请补充后重新申请") in _timeline(case)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "已退回" in page and "结案反馈时请把退回原因告知申请人" in page
    assert f"/cases/{case.id}/decision" in page
    decision = client.get(f"/cases/{case.id}/decision").get_data(as_text=True)
    assert "不予批准" in decision and "缺少房屋安全鉴定报告" in decision
    # the corrected application is accepted again
    assert f"/cases/{case.id}/approval/accept" in page
    _take(client, case, "accept", "已补充鉴定报告，重新受理")
    assert approval.stage(case) == "accepted"


def test_a_return_at_acceptance_is_a_refusal_to_accept(client, tree):
    case = _approval_case(tree)
    client.login("grid_worker")  # a handler at the case's own level
    _take(client, case, "return", "不属于本村受理范围")
    step = db.session.scalar(db.select(ApprovalStep))
    assert (step.step, step.decision, step.note) == ("accept", "returned", "不属于本村受理范围")


def test_the_wrong_level_is_refused(client, tree):
    case = _approval_case(tree)
    client.login("village_admin")
    _take(client, case, "accept", "予以受理")
    _take(client, case, "review", "审核通过")
    # a dispatcher, but of the village: approving is the town's
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "/approval/approve" not in page and "/approval/return" not in page
    assert client.get(f"/cases/{case.id}/approval/approve").status_code == 403
    assert client.post(f"/cases/{case.id}/approval/approve",
                       data={"note": "同意"}).status_code == 403
    with pytest.raises(DomainError, match="当前不能执行这个审批环节"):
        approval.take(case, tree.users["village_admin"], "approve", "同意")
    client.logout()
    client.login("grid_worker")  # a handler, not a dispatcher
    assert client.post(f"/cases/{case.id}/approval/approve",
                       data={"note": "同意"}).status_code == 403
    client.logout()
    client.login("b_town_admin")  # another town's: not found at all
    assert client.get(f"/cases/{case.id}/approval/approve").status_code == 404
    assert client.get(f"/cases/{case.id}/decision").status_code == 404
    client.logout()
    client.login("town_admin")
    # steps out of order are refused: the approval is due, not another acceptance
    assert client.post(f"/cases/{case.id}/approval/accept",
                       data={"note": "再受理"}).status_code == 403
    assert approval.stage(case) == "reviewed"
    # approval steps belong to approval cases
    general = _case(tree, "general")
    assert client.get(f"/cases/{general.id}/approval/accept").status_code == 404
    assert client.get(f"/cases/{general.id}/decision").status_code == 404


def test_an_approval_passed_up_to_the_county_is_approved_there(client, tree):
    case = _approval_case(tree)
    county = tree.users["county_admin"]
    for _ in range(3):
        act(case, county, "escalate", "需要县里审批")
    db.session.commit()
    approval.take(case, county, "accept", "受理")
    approval.take(case, county, "review", "审核通过")
    with pytest.raises(DomainError):
        approval.take(case, tree.users["town_admin"], "approve", "同意")  # below the county
    approval.take(case, county, "approve", "同意")
    db.session.commit()
    assert db.session.get(Case, case.id).state == "resolved"


def test_the_printable_decision(client, tree):
    case = _approval_case(tree)
    client.login("town_admin")
    progress = client.get(f"/cases/{case.id}/decision")
    assert progress.status_code == 200
    assert "审批进度" in progress.get_data(as_text=True)
    assert "不作为决定书" in progress.get_data(as_text=True)
    _take(client, case, "accept", "材料齐全，予以受理")
    _take(client, case, "review", "符合补助条件")
    _take(client, case, "approve", "同意补助一万五千元")
    response = client.get(f"/cases/{case.id}/decision")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h1>审批决定书</h1>" in text and "不作为决定书" not in text
    assert case.number in text and "李桂英" in text and "申请危房改造补助" in text
    assert "139****5678" in text and "13907305678" not in text  # the phone masked
    assert text.count("town_admin 用户") >= 3  # who decided each step
    for note in ("材料齐全，予以受理", "符合补助条件", "同意补助一万五千元"):
        assert note in text
    assert "经审核，同意申请人的申请" in text and "文星镇" in text
    decided_on = to_local(approval.steps_of(case)[-1].at).date().isoformat()
    assert re.search(r'class="signature">\s*<p>文星镇</p>\s*<p>' + decided_on, text)
    assert "css/decision.css" in text and "data-print" in text
    css = client.get("/static/css/decision.css").get_data(as_text=True)
    assert "size: A4" in css and "@media print" in css
    # in English the words are English, the data stays as written
    client.post("/language", data={"lang": "en"})
    english = client.get(f"/cases/{case.id}/decision").get_data(as_text=True)
    assert "Approval decision" in english and "李桂英" in english
