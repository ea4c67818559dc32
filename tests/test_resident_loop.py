"""The resident's own loop (issue 19): what a reporter reads (public replies, never staff notes),
rating once, the receipt and /track, call-backs (回访) and 我也遇到."""
import re
from datetime import timedelta

import pytest

from portal.audit.models import AuditEntry
from portal.auth.services import create_user
from portal.cases import callbacks, me_too
from portal.cases.loop_models import CaseCallback, CaseMeToo
from portal.cases.models import Case
from portal.cases.public_view import last_four, public_timeline, rate
from portal.cases.services import act, report
from portal.errors import DomainError
from portal.extensions import db
from portal.testing import PASSWORD
from portal.timeutil import utcnow

SECRET_NOTE = "内部：张三丰家里有矛盾，派出所王警官13700001111"
REPLY = "路灯已经修好了，谢谢您的反映。"


def _public_case(tree, grid=None, phone="13912345678", **kw):
    fields = dict(category="hazard", title="路灯不亮", description="村口路灯坏了三天",
                  source="public", reporter_phone=phone, reporter_name="刘奶奶")
    fields.update(kw)
    case = report(grid or tree.grid_a1, **fields)
    db.session.commit()
    return case


def _resolve(tree, case, note=SECRET_NOTE, reply=REPLY):
    admin, worker = tree.users["village_admin"], tree.users["grid_worker"]
    act(case, admin, "assign", assignee=worker)
    act(case, worker, "feedback", "已联系供电所" + note, public_reply="已转供电所维修")
    act(case, worker, "resolve", note, public_reply=reply)
    db.session.commit()
    return case


def _close(tree, case, days_ago=0):
    act(case, tree.users["village_admin"], "close", "结案：" + SECRET_NOTE)
    case.closed_at = utcnow() - timedelta(days=days_ago)
    db.session.commit()
    return case


def _page(response, number, digits):
    """A page without its CSRF tokens (they carry a timestamp) and what was typed."""
    text = re.sub(r'"[\w.-]{60,}"', '"TOKEN"', response.get_data(as_text=True))
    return text.replace(f'value="{number}"', 'value=""').replace(f'value="{digits}"', 'value=""')


# ---------------------------------------------------------------- what a reporter reads

def test_the_reporters_timeline_has_states_dates_and_public_replies_only(app, tree):
    case = _resolve(tree, _public_case(tree))
    steps = public_timeline(case)
    assert [s.state for s in steps] == ["received", "assigned", "assigned", "resolved"]
    assert [s.reply for s in steps] == [None, None, "已转供电所维修", REPLY]
    text = repr(steps)
    assert "张三丰" not in text and "13700001111" not in text and "grid_worker" not in text


def test_a_public_reply_only_on_the_steps_that_offer_it(app, tree):
    case = _public_case(tree)
    act(case, tree.users["village_admin"], "assign", assignee=tree.users["grid_worker"],
        public_reply="这段不该出现")
    db.session.commit()
    assert all(e.public_reply is None for e in case.events)


def test_internal_notes_never_reach_the_reporters_pages(app, client, tree):
    resident = tree.users["resident"]
    resident.phone = None
    case = _public_case(tree, source="resident", phone=None, reporter=resident)
    _close(tree, _resolve(tree, case))
    client.login("resident")
    page = client.get(f"/my/cases/{case.id}").get_data(as_text=True)
    assert REPLY in page and "已转供电所维修" in page and "已反馈" in page
    for leak in ("张三丰", "13700001111", "已联系供电所", "结案：", "grid_worker 用户",
                 "village_admin 用户"):
        assert leak not in page, leak
    # the staff's own page shows both, each for what it is
    client.logout()
    client.login("village_admin")
    staff = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "13700001111" in staff and REPLY in staff and "答复群众" in staff


def test_the_action_form_offers_the_reply_beside_the_internal_note(app, client, tree):
    case = _public_case(tree)
    act(case, tree.users["village_admin"], "assign", assignee=tree.users["grid_worker"])
    db.session.commit()
    client.login("grid_worker")
    form = client.htmx_get(f"/cases/{case.id}/act/resolve").get_data(as_text=True)
    assert 'name="public_reply"' in form and "说明只有工作人员能看到" in form
    done = client.htmx_post(f"/cases/{case.id}/act/resolve",
                            data={"note": SECRET_NOTE, "public_reply": REPLY})
    assert done.status_code == 204
    db.session.refresh(case)
    assert case.events[-1].public_reply == REPLY and case.events[-1].note == SECRET_NOTE


# ---------------------------------------------------------------- rating once

def test_rating_once_closed_becomes_evaluated(app, tree):
    case = _close(tree, _resolve(tree, _public_case(tree)))
    rate(case, 4, "修得快")
    assert (case.state, case.satisfaction, case.evaluation) == ("evaluated", 4, "修得快")
    with pytest.raises(DomainError):
        rate(case, 5, "再评一次")
    assert case.satisfaction == 4


def test_rating_a_resolved_case_keeps_it_resolved_and_closing_makes_it_evaluated(app, tree):
    case = _resolve(tree, _public_case(tree))
    with pytest.raises(DomainError) as refused:
        rate(case, 9, None)
    assert refused.value.field == "satisfaction"
    rate(case, 3, None)
    assert case.state == "resolved" and case.satisfaction == 3
    act(case, tree.users["village_admin"], "close", "结案")
    assert case.state == "evaluated"


def test_an_open_case_cannot_be_rated(app, tree):
    with pytest.raises(DomainError):
        rate(_public_case(tree), 5, None)


def test_last_four_digits_of_mobiles_and_landlines():
    assert last_four("13912345678") == "5678"
    assert last_four("0730-1234567") == "4567"
    assert last_four(None) is None and last_four("12") is None


# ---------------------------------------------------------------- /my/cases

def test_a_resident_sees_their_own_and_their_households_cases(app, client, tree):
    resident = tree.users["resident"]
    resident.id_number = tree.resident_a.id_number  # 张三丰's login
    spouse = next(m for m in tree.household_a.members if m.name == "李秀英")
    spouse.id_number = "430624195202020021"
    wife = create_user(username="wife", password=PASSWORD, role="resident",
                       scope=tree.grid_a1, id_number=spouse.id_number)
    neighbour = create_user(username="neighbour", password=PASSWORD, role="resident",
                            scope=tree.grid_a1)
    db.session.commit()
    mine = _public_case(tree, source="resident", reporter=resident, title="我家门口的井盖")
    hers = _public_case(tree, source="resident", reporter=wife, title="她反映的路灯")
    theirs = _public_case(tree, source="resident", reporter=neighbour, title="邻居的事")
    b_case = _public_case(tree, grid=tree.grid_b1, title="乙镇的事")
    client.login("resident")
    listing = client.get("/my/cases/").get_data(as_text=True)
    assert "我家门口的井盖" in listing and "她反映的路灯" in listing and "家人反映" in listing
    assert "邻居的事" not in listing and "乙镇的事" not in listing
    assert client.get(f"/my/cases/{hers.id}").status_code == 200
    for other in (theirs, b_case):  # another person's, another town's: not there at all
        assert client.get(f"/my/cases/{other.id}").status_code == 404
    assert client.get(f"/my/cases/{mine.id}").status_code == 200
    # only the reporter rates: the household sees the case, not the stars
    _resolve(tree, hers)
    assert 'name="satisfaction"' not in client.get(f"/my/cases/{hers.id}").get_data(as_text=True)


def test_a_resident_without_a_register_link_sees_only_their_own(app, client, tree):
    client.login("resident")  # no ID number on the login
    assert "只有" not in client.get("/my/cases/").get_data(as_text=True)
    listing = client.get("/my/cases/").get_data(as_text=True)
    assert "您反映的问题" in listing and "家人" not in listing


def test_the_residents_menu_leads_to_their_cases_not_a_403(app, client, tree):
    client.login("resident")
    home = client.get("/").get_data(as_text=True)
    assert 'href="/my/cases/"' in home and 'href="/cases/"' not in home
    assert client.get("/cases/").status_code == 403
    response = client.post("/cases/new", data={
        "grid": tree.grid_a1.id, "category": "hazard", "kind": "general", "title": "井盖丢失",
        "description": "城西路口井盖不见了"})
    case = db.session.scalar(db.select(Case).filter_by(title="井盖丢失"))
    assert response.status_code == 302 and response.location == f"/my/cases/{case.id}"
    assert case.source == "resident"


def test_a_resident_rates_their_case_once_through_the_page(app, client, tree):
    resident = tree.users["resident"]
    case = _public_case(tree, source="resident", reporter=resident, phone=None)
    client.login("resident")
    too_early = client.post(f"/my/cases/{case.id}/rate", data={"satisfaction": "5"})
    assert too_early.status_code == 422 and "不能评价" in too_early.get_data(as_text=True)
    _close(tree, _resolve(tree, case))
    assert client.post(f"/my/cases/{case.id}/rate", data={"satisfaction": "4",
                                                          "comment": "不错"}).status_code == 302
    again = client.post(f"/my/cases/{case.id}/rate", data={"satisfaction": "1"})
    assert again.status_code == 422
    db.session.refresh(case)
    assert (case.state, case.satisfaction, case.evaluation) == ("evaluated", 4, "不错")
    assert client.post(f"/my/cases/{case.id}/rate", data={"satisfaction": "4"},
                       csrf=False).status_code == 400


# ---------------------------------------------------------------- the receipt and /track

def _report_publicly(client, tree, **extra):
    return client.post(f"/g/{tree.grid_a1.code}/report", data={
        "category": "hazard", "title": "路灯不亮", "description": "晚上很黑",
        "reporter_name": "刘奶奶", "reporter_phone": "13912345678", **extra})


def test_the_public_report_redirects_to_a_receipt_and_a_refresh_files_nothing(app, client,
                                                                              tree):
    response = _report_publicly(client, tree)
    assert response.status_code == 303 and "/track/receipt/" in response.location
    for _ in range(2):  # the refresh of the receipt is a GET: nothing is filed again
        receipt = client.get(response.location)
        assert receipt.status_code == 200
    case = db.session.scalar(db.select(Case))
    assert db.session.scalar(db.select(db.func.count()).select_from(Case)) == 1
    text = receipt.get_data(as_text=True)
    assert case.number in text and f"/track/?number={case.number}" in text
    assert str(case.id) not in response.location.rsplit("/", 1)[1][:3]  # a token, not the id
    # a forged or altered token is nothing
    assert client.get("/track/receipt/" + "x" * 30).status_code == 404
    assert client.get(response.location[:-2] + "zz").status_code == 404
    # this browser follows the case at once; another needs the digits
    assert client.get(f"/track/{case.number}").status_code == 200
    assert app.test_client().get(f"/track/{case.number}").status_code == 404


def test_track_by_number_and_last_four_shows_state_and_public_replies(app, client, tree):
    case = _resolve(tree, _public_case(tree))
    form = client.get(f"/track/?number={case.number}").get_data(as_text=True)
    assert f'value="{case.number}"' in form
    found = client.post("/track/", data={"number": case.number, "last_four": "5678"})
    assert found.status_code == 303 and found.location == f"/track/{case.number}"
    page = client.get(found.location).get_data(as_text=True)
    assert REPLY in page and "已办结" in page and "路灯不亮" in page
    for leak in ("张三丰", "13700001111", "13912345678", "刘奶奶", "grid_worker 用户"):
        assert leak not in page, leak
    # rate it, once, with the form's token
    assert client.post(f"/track/{case.number}/rate", data={"satisfaction": "5"},
                       csrf=False).status_code == 400
    assert client.post(f"/track/{case.number}/rate",
                       data={"satisfaction": "5"}).status_code == 302
    assert client.post(f"/track/{case.number}/rate",
                       data={"satisfaction": "2"}).status_code == 422
    db.session.refresh(case)
    assert case.satisfaction == 5 and case.state == "resolved"


def test_a_wrong_last_four_is_refused_like_a_missing_case(app, tree):
    case = _public_case(tree)
    answers = []
    for number, digits in ((case.number, "0000"), ("20990101-999999", "5678"),
                           (case.number, "56a8")):
        client = app.test_client()
        response = client.post("/track/", data={"number": number, "last_four": digits},
                               environ_base={"REMOTE_ADDR": f"10.9.9.{len(answers)}"})
        text = _page(response, number, digits)
        answers.append((response.status_code, text))
    assert answers[0][0] == 422 and answers[0] == answers[1] == answers[2]


def test_guessing_is_throttled_per_address_and_per_case_number(app, tree):
    case = _public_case(tree)
    client = app.test_client()
    for n in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post("/track/", data={"number": f"20990101-00000{n}", "last_four": "1111"})
    locked = client.post("/track/", data={"number": case.number, "last_four": "5678"})
    assert locked.status_code == 429  # this address, even with the right digits
    # one case number tried from many addresses
    for n in range(app.config["LOGIN_MAX_FAILURES"]):
        app.test_client().post("/track/", data={"number": case.number, "last_four": "0000"},
                               environ_base={"REMOTE_ADDR": f"10.8.8.{n}"})
    elsewhere = app.test_client().post("/track/", data={"number": case.number,
                                                       "last_four": "5678"},
                                       environ_base={"REMOTE_ADDR": "10.7.7.7"})
    assert elsewhere.status_code == 429


def test_a_case_without_a_phone_is_followed_only_by_its_logged_in_reporter(app, client, tree):
    resident = tree.users["resident"]
    case = _public_case(tree, source="resident", reporter=resident, phone=None)
    refused = client.post("/track/", data={"number": case.number, "last_four": "0000"})
    assert refused.status_code == 422
    client.login("resident")
    assert client.get(f"/track/{case.number}").status_code == 200


def test_another_towns_case_is_404_on_my_cases_and_track(app, client, tree):
    b_case = _public_case(tree, grid=tree.grid_b1)
    client.login("b_town_admin")
    assert client.get(f"/my/cases/{b_case.id}").status_code == 404  # not theirs either
    client.logout()
    client.login("town_admin")
    assert client.get(f"/my/cases/{b_case.id}").status_code == 404
    assert client.get(f"/track/{b_case.number}").status_code == 404
    assert client.post(f"/track/{b_case.number}/rate", data={"satisfaction": "5"}
                       ).status_code == 404


# ---------------------------------------------------------------- 回访

def test_the_call_back_rule(app, tree):
    scope = tree.village_a1
    due = _close(tree, _resolve(tree, _public_case(tree, title="该回访")), days_ago=4)
    early = _close(tree, _resolve(tree, _public_case(tree, title="刚结案")), days_ago=1)
    rated = _resolve(tree, _public_case(tree, title="已评价"))
    rate(rated, 5, None)
    _close(tree, rated, days_ago=10)
    patrol = _close(tree, _resolve(tree, _public_case(tree, title="巡查", source="patrol",
                                                     reporter=tree.users["grid_worker"])),
                    days_ago=10)
    elsewhere = _public_case(tree, grid=tree.grid_a3)  # closed by its own village
    elsewhere.state, elsewhere.closed_at = "closed", utcnow() - timedelta(days=10)
    db.session.commit()
    listed = set(db.session.scalars(callbacks.due_query(scope)))
    assert listed == {due}  # not too early, not rated, not a patrol's, not another village's
    assert elsewhere in set(db.session.scalars(callbacks.due_query(tree.town_a)))
    assert early not in set(db.session.scalars(callbacks.due_query(tree.town_a)))
    assert patrol.state == "evaluated" or patrol not in listed
    # a town that waits a day
    from portal.settings import set_setting

    set_setting(tree.town_a, callbacks.SETTING, 1)
    assert early in set(db.session.scalars(callbacks.due_query(scope)))


def test_an_answered_call_back_becomes_the_evaluation_audited(app, tree):
    case = _close(tree, _resolve(tree, _public_case(tree)), days_ago=5)
    officer = tree.users["info_officer"]
    callbacks.record(case, officer, "answered", 4, "基本满意")
    db.session.commit()
    assert (case.state, case.satisfaction, case.evaluation) == ("evaluated", 4, "基本满意")
    assert case.events[-1].action == "callback" and case.events[-1].user_id == officer.id
    entry = db.session.scalar(db.select(AuditEntry).filter_by(action="case.callback"))
    assert entry.user_id == officer.id and '"answered"' in entry.detail
    assert case not in set(db.session.scalars(callbacks.due_query(tree.village_a1)))
    with pytest.raises(DomainError):
        callbacks.record(case, officer, "answered", 5)


def test_three_unanswered_calls_make_the_reporter_unreachable(app, tree):
    case = _close(tree, _resolve(tree, _public_case(tree)), days_ago=5)
    officer = tree.users["info_officer"]
    for _ in range(callbacks.CALLBACK_TRIES - 1):
        callbacks.record(case, officer, "no_answer")
        assert case in set(db.session.scalars(callbacks.due_query(tree.village_a1)))
    last = callbacks.record(case, officer, "no_answer")
    db.session.commit()
    assert last.outcome == "unreachable" and case.satisfaction is None
    assert case not in set(db.session.scalars(callbacks.due_query(tree.village_a1)))
    assert db.session.scalar(db.select(db.func.count()).select_from(CaseCallback)) == 3


def test_the_call_back_page_for_the_information_officer(app, client, tree):
    case = _close(tree, _resolve(tree, _public_case(tree)), days_ago=5)
    client.login("info_officer")
    page = client.get("/cases/callbacks/").get_data(as_text=True)
    assert case.number in page and 'href="tel:13912345678"' in page
    form = client.htmx_get(f"/cases/callbacks/{case.id}").get_data(as_text=True)
    assert "<html" not in form and 'name="outcome"' in form
    refused = client.post(f"/cases/callbacks/{case.id}", data={"outcome": "answered"})
    assert refused.status_code == 422 and "满意度" in refused.get_data(as_text=True)
    done = client.post(f"/cases/callbacks/{case.id}", data={"outcome": "answered",
                                                            "satisfaction": "3"})
    assert done.status_code == 302
    assert "没有需要回访的事件" in client.get("/cases/callbacks/").get_data(as_text=True)
    client.logout()
    client.login("grid_worker")
    assert client.get("/cases/callbacks/").status_code == 403


def test_the_rules_page_sets_the_call_back_days(app, client, tree):
    client.login("town_admin")
    page = client.get("/cases/rules/").get_data(as_text=True)
    assert 'name="callback_days"' in page and 'value="3"' in page
    data = {"assign": 1, "feedback": 3, "resolve": 7, "major_months": 1, "yellow_days": 1,
            "emergency_assign_hours": 0, "emergency_feedback_hours": 0,
            "emergency_resolve_hours": 0, "categories": ["hazard", "need"], "callback_days": 5}
    assert client.post("/cases/rules/", data=data).status_code == 302
    assert callbacks.callback_days(tree.town_a) == 5


# ---------------------------------------------------------------- 我也遇到

def test_the_distance_rule(app, tree):
    assert me_too.distance_m(28.0, 112.0, 28.0, 112.0) == 0
    assert me_too.distance_m(28.0, 112.0, 28.0009, 112.0) == pytest.approx(100, abs=1)
    here = (28.05, 112.15)
    near = _public_case(tree, latitude=28.0505, longitude=112.1505, title="60米")  # ~73 m
    _public_case(tree, latitude=28.0515, longitude=112.15, title="170米")
    _public_case(tree, latitude=28.0501, longitude=112.15, category="need", title="别的类别")
    _public_case(tree, grid=tree.grid_b1, latitude=28.0501, longitude=112.15, title="乙镇")
    closed = _close(tree, _resolve(tree, _public_case(tree, latitude=28.05, longitude=112.15)))
    found = me_too.nearby_open(tree.town_a, "hazard", *here)
    assert [c for c, _m in found] == [near] and 60 < found[0][1] < 100
    assert closed not in [c for c, _m in found]
    # without coordinates: the same grid
    same_grid = me_too.nearby_open(tree.town_a, "hazard", grid=tree.grid_a1)
    assert near in [c for c, _m in same_grid] and all(m is None for _c, m in same_grid)
    assert me_too.nearby_open(tree.town_a, "hazard", grid=tree.grid_a2) == []


def test_the_public_form_offers_nearby_cases_and_joining_leads_to_their_track_page(app, client,
                                                                                  tree):
    case = _public_case(tree, latitude=28.05, longitude=112.15, title="秘密标题")
    hints = client.get(f"/g/{tree.grid_a1.code}/similar?category=hazard&latitude=28.0502"
                       "&longitude=112.1501").get_data(as_text=True)
    assert "我也遇到" in hints and "约" in hints
    assert "秘密标题" not in hints and case.number not in hints  # what Open311 publishes only
    # a category about people is never hinted to the public
    _public_case(tree, latitude=28.05, longitude=112.15, category="dispute", title="纠纷")
    assert "我也遇到" not in client.get(f"/g/{tree.grid_a1.code}/similar?category=dispute"
                                    "&latitude=28.05&longitude=112.15").get_data(as_text=True)
    url = f"/g/{tree.grid_a1.code}/report/join/{case.id}"
    no_phone = client.post(url, data={"category": "hazard"})
    assert no_phone.status_code == 303 and "/report" in no_phone.location
    joined = client.post(url, data={"category": "hazard", "title": "x", "reporter_phone":
                                    "13700002222", "reporter_name": "王大爷"})
    assert joined.status_code == 303 and joined.location == f"/track/{case.number}"
    page = client.get(joined.location).get_data(as_text=True)
    assert "秘密标题" not in page and "只有报告人可以评价" not in page
    assert db.session.scalar(db.select(db.func.count()).select_from(Case)) == 2  # no new case
    row = db.session.scalar(db.select(CaseMeToo))
    assert (row.case_id, row.reporter_phone, row.source) == (case.id, "13700002222", "public")
    # another browser follows it with the joiner's digits too, and cannot rate it
    other = app.test_client()
    assert other.post("/track/", data={"number": case.number,
                                       "last_four": "2222"}).status_code == 303
    # counted on the staff's page and list
    client.login("village_admin")  # (this browser was anonymous)
    assert "另有1人反映了同一问题" in client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "我也遇到 1" in client.get("/cases/").get_data(as_text=True)


def test_staff_hints_and_joining_from_the_case_form(app, client, tree):
    case = _public_case(tree)
    client.login("resident")
    hints = client.htmx_get(f"/cases/similar?category=hazard&grid={tree.grid_a1.id}")
    assert "路灯不亮" in hints.get_data(as_text=True)
    joined = client.post(f"/cases/{case.id}/me-too", data={"category": "hazard"})
    assert joined.status_code == 303 and joined.location == f"/my/cases/{case.id}"
    again = client.post(f"/cases/{case.id}/me-too", data={})
    assert again.status_code == 303
    assert db.session.scalar(db.select(db.func.count()).select_from(CaseMeToo)) == 1
    assert "路灯不亮" not in client.get("/my/cases/").get_data(as_text=True)  # joined: category
    assert client.get(f"/my/cases/{case.id}").status_code == 200
    b_case = _public_case(tree, grid=tree.grid_b1)
    assert client.post(f"/cases/{b_case.id}/me-too", data={}).status_code == 404
