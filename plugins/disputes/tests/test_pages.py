"""The disputes pages as people use them: register a dispute with parties from the register and
from outside, refusals beside their field, the ladder's forms, the agreement's signatures, a
follow-up visit; a case of the dispute category linking to the register; and privacy: every read
audited, nothing of a dispute on a public page or in Open311."""
from datetime import timedelta

from sqlalchemy import func, select

from plugins.disputes import services
from plugins.disputes.models import Dispute
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.timeutil import local_today


def audited(action: str) -> int:
    return db.session.scalar(select(func.count(AuditEntry.id)).filter_by(action=action))


def test_a_grid_worker_registers_a_dispute_with_both_kinds_of_party(client, disputes):
    tree = disputes.tree
    client.login("grid_worker")
    page = client.get(f"/disputes/new?grid={tree.grid_a1.id}&q=%E5%BC%A0")  # 张
    assert page.status_code == 200 and tree.resident_a.name in page.text
    assert tree.resident_a.id_number not in page.text  # masked in the search
    answer = client.post("/disputes/new", data={
        "grid": tree.grid_a1.id, "kind": "land", "title": "田埂纠纷", "description": "田埂位置争议",
        "found_on": local_today().isoformat(), "resident_a": str(tree.resident_a.id),
        "party_rows-0-name": "外村赵六", "party_rows-0-side": "b",
        "party_rows-0-phone": "13900002222"})
    assert answer.status_code == 302, answer.text
    dispute = db.session.scalar(select(Dispute).filter_by(title="田埂纠纷"))
    assert [(p.name, p.side) for p in dispute.parties] == [("外村赵六", "b"),
                                                           (tree.resident_a.name, "a")]
    assert dispute.risk == "yellow" and dispute.state == "grid"
    shown = client.get(answer.location)
    assert "外村赵六" in shown.text and "13900002222" not in shown.text  # the phone masked


def test_a_refused_dispute_says_why_beside_the_parties_and_keeps_what_was_ticked(client, disputes):
    tree = disputes.tree
    client.login("grid_worker")
    before = db.session.scalar(select(func.count(Dispute.id)))
    answer = client.post("/disputes/new", data={
        "grid": tree.grid_a1.id, "kind": "land", "title": "田埂纠纷", "description": "田埂位置争议",
        "found_on": local_today().isoformat(), "resident_a": str(tree.resident_a.id)})
    assert answer.status_code == 422
    assert 'id="parties-errors"' in answer.text and "两位当事人" in answer.text
    assert f'name="resident_a" value="{tree.resident_a.id}" checked' in answer.text
    assert db.session.scalar(select(func.count(Dispute.id))) == before


def test_the_ladder_through_the_pages(client, disputes):
    dispute = disputes.dispute
    client.login("grid_worker")
    page = client.get(f"/disputes/{dispute.id}")
    assert "提交两委会商" in page.text and "归口交办" not in page.text
    refused = client.post(f"/disputes/{dispute.id}/steps/to_village", data={"to_village-note": ""})
    assert refused.status_code == 422 and "请写明做了什么" in refused.text
    assert client.post(f"/disputes/{dispute.id}/steps/to_village",
                       data={"to_village-note": "劝解不成"}).status_code == 302
    # the grid worker stands below the village now: the step is refused, not taken
    refused = client.post(f"/disputes/{dispute.id}/steps/report", data={"report-note": "上报"})
    assert refused.status_code == 422 and "现在不能进行这一步" in refused.text
    client.logout()
    client.login("village_admin")
    assert client.post(f"/disputes/{dispute.id}/steps/report",
                       data={"report-note": "两委会商不成，书面上报"}).status_code == 302
    client.logout()
    client.login("town_admin")
    refused = client.post(f"/disputes/{dispute.id}/steps/assign", data={"assign-note": "交办"})
    assert refused.status_code == 422 and 'id="assign-responsible_unit-errors"' in refused.text
    assert client.post(f"/disputes/{dispute.id}/steps/assign", data={
        "assign-note": "交办", "assign-responsible_unit": "镇司法所",
        "assign-leading_cadre": "李副镇长"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Dispute, dispute.id).state == "town"
    refused = client.post(f"/disputes/{dispute.id}/agreement", data={
        "terms": "各让一步", "mediator": "司法所", "signed_on": local_today().isoformat(),
        "signed": [str(dispute.parties[0].id)]})
    assert refused.status_code == 422 and 'id="signed-errors"' in refused.text
    assert "外村李四" in refused.text
    assert client.post(f"/disputes/{dispute.id}/agreement", data={
        "terms": "各让一步", "mediator": "司法所", "signed_on": local_today().isoformat(),
        "signed": [str(p.id) for p in dispute.parties]}).status_code == 302
    db.session.expire_all()
    agreed = db.session.get(Dispute, dispute.id)
    assert agreed.state == "agreed" and len(agreed.agreement.followups) == 3
    printed = client.get(f"/disputes/agreements/{agreed.agreement.id}/print")
    assert "人民调解协议书" in printed.text and "外村李四" in printed.text


def test_a_follow_up_visit_that_finds_the_agreement_broken_reopens_it(client, disputes):
    client.login("grid_worker")
    visit = disputes.followup
    refused = client.post(f"/disputes/followups/{visit.id}",
                          data={f"visit{visit.id}-kept": "0", f"visit{visit.id}-note": ""})
    assert refused.status_code == 422 and "请写明情况" in refused.text
    assert client.post(f"/disputes/followups/{visit.id}",
                       data={f"visit{visit.id}-kept": "0",
                             f"visit{visit.id}-note": "没有履行"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Dispute, disputes.agreed.id).state == "grid"


def test_a_case_of_the_dispute_category_offers_the_register(client, disputes):
    from portal.cases.services import report

    tree = disputes.tree
    case = report(tree.grid_a1, category="dispute", title="两家吵架", description="为排水沟吵架",
                  source="patrol", reporter=tree.users["grid_worker"])
    db.session.commit()
    client.login("grid_worker")
    assert f"/disputes/new?case={case.id}" in client.get(f"/cases/{case.id}").text
    form = client.get(f"/disputes/new?case={case.id}")
    assert "两家吵架" in form.text and "为排水沟吵架" in form.text
    client.logout()
    client.login("info_officer")  # sees the case, not the register
    assert "/disputes/" not in client.get(f"/cases/{case.id}").text


def test_every_read_of_a_dispute_is_audited(client, disputes):
    client.login("village_admin")
    before = {a: audited(a) for a in ("disputes.view", "disputes.view_list", "disputes.export",
                                      "disputes.print")}
    client.get(f"/disputes/{disputes.dispute.id}")
    client.get("/disputes/")
    client.get("/disputes/ledger.xlsx")
    client.get(f"/disputes/agreements/{disputes.agreement.id}/print")
    assert {a: audited(a) - n for a, n in before.items()} == {
        "disputes.view": 1, "disputes.view_list": 1, "disputes.export": 1, "disputes.print": 1}


def test_roles_without_the_permission_never_see_a_party(client, disputes):
    for role in ("info_officer", "dept_staff", "resident", "assoc_officer"):
        client.logout()
        client.login(role)
        for url in ("/disputes/", f"/disputes/{disputes.dispute.id}", "/disputes/ledger.xlsx"):
            answer = client.get(url)
            assert answer.status_code in (403, 404), (role, url)
            assert "外村李四" not in answer.text


def test_nothing_of_a_dispute_reaches_a_public_page_or_open311(client, disputes):
    tree = disputes.tree
    case = services.escalate_to_case(disputes.dispute, tree.users["grid_worker"])
    db.session.commit()
    markers = ("排水沟堵塞纠纷甲", "外村李四", disputes.dispute.number)
    pages = [f"/g/{tree.grid_a1.code}", f"/g/{tree.grid_a1.code}/similar?title=排水沟",
             f"/open311/v2/requests.json?jurisdiction_id={tree.town_a.code}",
             f"/open311/v2/requests/{case.number}.json?jurisdiction_id={tree.town_a.code}",
             f"/best-grid/public/{tree.town_a.code}"]
    for url in pages:
        answer = client.get(url)
        for marker in markers:
            assert marker not in answer.text, (url, marker)
    assert client.get(f"/open311/v2/requests/{case.number}.json"
                      f"?jurisdiction_id={tree.town_a.code}").status_code == 404


def test_the_monthly_screening_through_the_pages(client, disputes):
    tree = disputes.tree
    client.login("grid_worker")
    month = f"{local_today():%Y-%m}"
    refused = client.post("/disputes/screening/report", data={"grid": tree.grid_a1.id,
                                                               "month": month, "zero": "y"})
    assert refused.status_code == 422 and "不能零报告" in refused.text
    assert client.post("/disputes/screening/report", data={"grid": tree.grid_a1.id,
                                                           "month": month}).status_code == 302
    again = client.post("/disputes/screening/report", data={"grid": tree.grid_a1.id,
                                                            "month": month})
    assert again.status_code == 422 and 'id="month-errors"' in again.text
    future = (local_today().replace(day=28) + timedelta(days=5)).strftime("%Y-%m")
    assert client.post("/disputes/screening/report", data={
        "grid": tree.grid_a2.id, "month": future, "zero": "y"}).status_code == 422
    client.logout()
    client.login("village_admin")
    board = client.get(f"/disputes/screening?month={month}")
    assert board.status_code == 200 and "未报告" in board.text
