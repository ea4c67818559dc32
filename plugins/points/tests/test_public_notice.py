"""积分公示: a village's awards on notice listed with names masked, objections from anyone, the
village admin's decision (uphold reverses the award once, dismiss keeps it), all audited; the
public page and its form through the test client, and who may decide what."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from plugins.points import ledger, public_notice, town_settings
from plugins.points.models import PointsAccount, PointsEntry, PointsObjection
from plugins.points.public_notice import decide, mask_name, object_to, on_notice
from plugins.points.reports import verify
from portal.audit.models import AuditEntry
from portal.errors import DomainError
from portal.extensions import db
from portal.modules.services import set_module
from portal.notifications.models import Notification
from portal.people.models import Household
from portal.timeutil import utcnow

REASON = "他家那天没有来参加清扫"


@pytest.fixture
def notice(points):
    """Town A keeps awards on notice for 7 days; household 城西路1号 (张三丰) was just awarded
    5 points for cleaning the village road."""
    town_settings.set_notice_days(points.tree.town_a, 7)
    points.held = ledger.award(points.rule, [points.account_a])[0]
    db.session.commit()
    return points


def audits(action):
    return db.session.scalar(select(func.count(AuditEntry.id)).filter_by(action=action))


def reversal_of(entry):
    return db.session.scalars(select(PointsEntry).filter_by(reverses_id=entry.id)).all()


def balance(account):
    return db.session.scalar(select(PointsAccount.balance).filter_by(id=account.id))


# ---------------------------------------------------------------- what is on notice


def test_names_are_masked_to_the_surname():
    assert mask_name("张三丰") == "张**"
    assert mask_name("王五") == "王*"
    assert mask_name("欧阳修文") == "欧阳**"  # a two-character surname stays whole
    assert mask_name("欧阳") == "欧*"  # ... but never the whole name
    assert mask_name("李") == "李*"
    assert mask_name("") == "*"


def test_only_held_unreversed_awards_of_the_village_are_listed(notice):
    tree = notice.tree
    other_village = db.session.scalar(select(Household).filter_by(address="凤南一组5号"))
    elsewhere = ledger.award(notice.rule, [ledger.account_for(None, other_village)])[0]
    withdrawn = ledger.award(notice.model_rule, [notice.account_a2])[0]
    ledger.reverse(withdrawn, reason="录错了")
    db.session.commit()

    rows = on_notice(tree.village_a1)
    # the 60 points of make_points were awarded before the town kept a notice window
    assert [r.entry.id for r in rows] == [notice.held.id]
    row = rows[0]
    assert (row.owner, row.reason, row.points) == ("张**户", "参加村道清扫", 5)
    assert row.ends_on > row.awarded_on
    assert [r.entry.id for r in on_notice(tree.village_a2)] == [elsewhere.id]
    assert on_notice(tree.village_a1, utcnow() + timedelta(days=8)) == []  # the notice ended
    # a base grid's page shows its village's awards
    assert public_notice.notice_node(tree.grid_a2) == tree.village_a1


def test_newest_first_and_a_note_naming_the_person_is_masked(notice):
    noted = ledger.award_entry(notice.account_a2, None, 3, source="test:snow",
                               note="王小明清扫积雪")
    db.session.commit()
    rows = on_notice(notice.tree.village_a1)
    assert [r.entry.id for r in rows] == [noted.id, notice.held.id]
    assert (rows[0].owner, rows[0].reason) == ("王**户", "王**清扫积雪")


def test_the_public_page_needs_no_login_and_never_shows_a_full_name(client, notice):
    ledger.award_entry(notice.account_a2, None, 3, source="test:snow", note="王小明清扫积雪")
    db.session.commit()
    for code in (notice.tree.grid_a1.code, notice.tree.village_a1.code):
        response = client.get(f"/points/notice/{code}")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "张**户" in html and "王**清扫积雪" in html and "参加村道清扫" in html
        for full in ("张三丰", "李秀英", "王小明", "城西路1号", "13812345678"):
            assert full not in html, full
        assert "提出异议" in html


def test_unknown_code_or_module_off_is_a_404(client, notice):
    assert client.get("/points/notice/430624999999").status_code == 404
    assert client.get(f"/points/notice/{notice.tree.town_a.code}").status_code == 404
    set_module(notice.tree.town_a, "points", False)
    db.session.commit()
    assert client.get(f"/points/notice/{notice.tree.grid_a1.code}").status_code == 404
    url = f"/points/notice/{notice.tree.grid_a1.code}/entries/{notice.held.id}/object"
    assert client.post(url, data={"reason": REASON}).status_code == 404


def test_the_notice_board_links_to_the_page_where_points_is_on(client, notice):
    board = f"/g/{notice.tree.grid_a1.code}"
    link = f'href="/points/notice/{notice.tree.grid_a1.code}"'
    assert link in client.get(board).get_data(as_text=True)
    set_module(notice.tree.town_a, "points", False)
    db.session.commit()
    assert link not in client.get(board).get_data(as_text=True)


# ---------------------------------------------------------------- objecting


def test_an_objection_is_audited_and_told_to_the_village_admins(notice):
    objection = object_to(notice.held, f"  {REASON} ")
    db.session.commit()
    assert (objection.state, objection.reason, objection.user_id) == ("open", REASON, None)
    assert audits("points.object") == 1
    told = db.session.scalars(select(Notification.user_id).filter_by(event="points_objection"))
    assert set(told) == {notice.tree.users["village_admin"].id}


def test_an_objection_needs_a_real_reason_once(notice):
    for reason in ("", "不对", "x" * 301):
        with pytest.raises(DomainError) as refused:
            object_to(notice.held, reason)
        assert refused.value.field == "reason"
    object_to(notice.held, REASON)
    with pytest.raises(DomainError, match="相同理由"):
        object_to(notice.held, REASON)
    object_to(notice.held, "分数不对，他只扫了半天")  # another reason is another objection


def test_an_award_past_its_notice_or_reversed_cannot_be_objected_to(notice):
    with pytest.raises(DomainError, match="不在公示期"):
        object_to(notice.held, REASON, now=notice.held.held_until + timedelta(seconds=1))
    old = db.session.scalars(select(PointsEntry).filter_by(account_id=notice.account_a.id)
                             .order_by(PointsEntry.id)).first()
    assert old.held_until is None
    with pytest.raises(DomainError, match="不在公示期"):
        object_to(old, REASON)
    ledger.reverse(notice.held, reason="录错了")
    with pytest.raises(DomainError, match="不在公示期"):
        object_to(notice.held, REASON)


# ---------------------------------------------------------------- deciding


def test_upholding_reverses_the_award_once_and_closes_the_other_objections(notice):
    admin = notice.tree.users["village_admin"]
    first = object_to(notice.held, REASON)
    second = object_to(notice.held, "分数不对，他只扫了半天")
    db.session.commit()
    assert balance(notice.account_a) == 65
    decide(first, True, "经核实当天未参加", admin)
    db.session.commit()
    assert balance(notice.account_a) == 60  # the award is taken back
    [reversal] = reversal_of(notice.held)
    assert reversal.points == -5 and "公示异议成立：经核实当天未参加" in reversal.note
    db.session.refresh(second)
    assert (first.state, second.state) == ("upheld", "upheld")
    assert second.decision_note == "经核实当天未参加" and second.decided_by_id == admin.id
    assert audits("points.objection_uphold") == 2 and audits("points.reverse") == 1
    with pytest.raises(DomainError, match="已经处理过"):
        decide(second, True, "再来一次", admin)
    with pytest.raises(DomainError, match="已经处理过"):
        decide(first, False, "改主意了", admin)
    db.session.rollback()
    assert len(reversal_of(notice.held)) == 1
    assert verify() == []
    assert on_notice(notice.tree.village_a1) == []  # a reversed award is off the notice


def test_dismissing_keeps_the_award(notice):
    objection = object_to(notice.held, REASON)
    decide(objection, False, "经核实确有参加，有照片", notice.tree.users["village_admin"])
    db.session.commit()
    assert objection.state == "dismissed" and reversal_of(notice.held) == []
    assert balance(notice.account_a) == 65
    assert audits("points.objection_dismiss") == 1
    assert verify() == []


def test_a_decision_needs_a_note(notice):
    objection = object_to(notice.held, REASON)
    with pytest.raises(DomainError) as refused:
        decide(objection, True, "  ", notice.tree.users["village_admin"])
    assert refused.value.field == "note" and objection.state == "open"


def test_upholding_an_award_reversed_meanwhile_by_hand_reverses_nothing_more(notice):
    objection = object_to(notice.held, REASON)
    ledger.reverse(notice.held, reason="录错了")
    decide(objection, True, "已冲正", notice.tree.users["village_admin"])
    db.session.commit()
    assert objection.state == "upheld" and len(reversal_of(notice.held)) == 1
    assert verify() == []


# ---------------------------------------------------------------- the pages


def object_url(notice, entry=None):
    return (f"/points/notice/{notice.tree.grid_a1.code}/entries/"
            f"{(entry or notice.held).id}/object")


def test_a_villager_objects_from_the_public_page(client, notice):
    response = client.post(object_url(notice), data={"reason": REASON})
    assert response.status_code == 303
    assert response.location.endswith(f"/points/notice/{notice.tree.grid_a1.code}")
    after = client.get(response.location).get_data(as_text=True)
    assert "您的异议已提交" in after and "已收到 1 条异议" in after
    assert db.session.scalar(select(PointsObjection.reason)) == REASON
    again = client.post(object_url(notice), data={"reason": REASON})
    assert again.status_code == 422 and "相同理由" in again.get_data(as_text=True)
    short = client.post(object_url(notice), data={"reason": "不对"})
    assert short.status_code == 422 and "异议理由应为5到300个字" in short.get_data(as_text=True)
    assert db.session.scalar(select(func.count(PointsObjection.id))) == 1


def test_objecting_without_the_csrf_token_is_refused(client, notice):
    response = client.post(object_url(notice), data={"reason": REASON}, csrf=False)
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(PointsObjection.id))) == 0


def test_an_award_not_on_notice_in_that_village_is_a_404(client, notice):
    old = db.session.scalars(select(PointsEntry).filter_by(account_id=notice.account_a.id)
                             .order_by(PointsEntry.id)).first()
    assert client.post(object_url(notice, old), data={"reason": REASON}).status_code == 404
    other = f"/points/notice/{notice.tree.grid_a3.code}/entries/{notice.held.id}/object"
    assert client.post(other, data={"reason": REASON}).status_code == 404  # another village
    assert client.post(object_url(notice).replace(str(notice.held.id), "999999"),
                       data={"reason": REASON}).status_code == 404


def test_objections_from_one_address_are_throttled(client, notice):
    answers = [client.post(object_url(notice), data={"reason": f"{REASON}，第{n}次"}).status_code
               for n in range(7)]
    assert answers[:5] == [303] * 5 and answers[-1] == 429


def test_the_village_admin_decides_on_the_objections_page(client, notice):
    objection = object_to(notice.held, REASON)
    db.session.commit()
    client.login("village_admin")
    assert "公示异议 1" in client.get("/points/").get_data(as_text=True)
    page = client.get("/points/objections").get_data(as_text=True)
    assert REASON in page and "张三丰户" in page  # staff see whom it concerns
    url = f"/points/objections/{objection.id}/decide"
    refused = client.post(url, data={"decision": "uphold", "note": ""})
    assert refused.status_code == 422 and "请填写处理意见" in refused.get_data(as_text=True)
    done = client.post(url, data={"decision": "uphold", "note": "经核实当天未参加"})
    assert done.status_code == 302 and done.location.endswith("/points/objections")
    assert "已撤销这笔积分" in client.get(done.location).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(PointsObjection, objection.id).state == "upheld"
    assert len(reversal_of(notice.held)) == 1
    twice = client.post(url, data={"decision": "dismiss", "note": "再来"})
    assert twice.status_code == 422 and "已经处理过" in twice.get_data(as_text=True)
    statement = client.get(f"/points/accounts/{notice.account_a.id}").get_data(as_text=True)
    assert "公示异议成立：经核实当天未参加" in statement and "已冲正" in statement


def test_town_b_cannot_see_or_decide_town_a_objections(client, notice):
    objection = object_to(notice.held, REASON)
    set_module(notice.tree.town_b, "points", True)
    db.session.commit()
    client.login("b_town_admin")
    page = client.get("/points/objections")
    assert page.status_code == 200 and REASON not in page.get_data(as_text=True)
    url = f"/points/objections/{objection.id}/decide"
    assert client.post(url, data={"decision": "uphold", "note": "越权"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(PointsObjection, objection.id).state == "open"


def test_open_objections_are_on_the_admins_today_list(app, notice):
    from portal.today import items_for

    object_to(notice.held, REASON)
    db.session.commit()
    with app.test_request_context():
        found = {i.key: i for i in items_for(notice.tree.users["village_admin"])}
        assert found["points.objections"].count == 1
        resident = {i.key for i in items_for(notice.tree.users["resident"])}
    assert "points.objections" not in resident


def test_the_pages_do_not_run_more_sql_for_more_rows(client, notice):
    from portal.people.services import add_household, add_resident
    from tests.test_query_counts import StatementCounter

    def add_rows(n):
        for i in range(n):
            household = add_household(notice.tree.grid_a1, f"公示路{i}号-{n}")
            add_resident(household, f"测试{i}{n}", relation="head")
            entry = ledger.award(notice.rule, [ledger.account_for(None, household)])[0]
            object_to(entry, f"{REASON}{i}")
        db.session.commit()

    def statements(url):
        with StatementCounter(db.engine) as counter:
            assert client.get(url).status_code == 200
        return counter.count

    public = f"/points/notice/{notice.tree.grid_a1.code}"
    client.login("village_admin")  # before counting: a login is a statement more per page
    add_rows(2)
    few = (statements(public), statements("/points/objections"))
    add_rows(6)
    assert (statements(public), statements("/points/objections")) == few
