"""Association pages: an officer runs only their association, members appeal, officers decide,
exports, the roster, reports and dues, without N+1 queries."""
from datetime import date
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import func, select

from plugins.associations import services
from plugins.associations.models import AssociationsItem, AssociationsScore
from portal.extensions import db
from portal.modules.services import set_module
from portal.people.services import add_household, add_resident
from tests.test_query_counts import StatementCounter
from portal.timeutil import local_today


def test_an_officer_runs_only_their_association(client, assoc):
    customs = services.create(assoc.tree.village_a1, name="移风易俗协会", kind="customs")
    far = services.create(assoc.tree.village_a2, name="平安乡村协会", kind="safety")
    item = AssociationsItem(association_id=customs.id, name="红白喜事简办", points=5)
    db.session.add(item)
    member = services.add_member(customs, assoc.tree.resident_a)
    db.session.commit()
    client.login("assoc_officer")
    assert client.get(f"/associations/{customs.id}").status_code == 200  # may look
    response = client.post(f"/associations/{customs.id}/scores", data={
        "member": member.id, "item": item.id, "reason": "简办婚礼",
        "happened_on": local_today().isoformat()})
    assert response.status_code == 403
    assert client.get(f"/associations/{far.id}").status_code == 404  # another village
    response = client.post(f"/associations/{assoc.safety.id}/scores", data={
        "member": assoc.zhang.id, "item": assoc.patrol.id, "reason": "夜间巡逻",
        "happened_on": local_today().isoformat()})
    assert response.status_code == 302
    assert "102" in client.get(f"/associations/{assoc.safety.id}").get_data(as_text=True)


def test_score_form_messages(client, assoc):
    client.login("assoc_officer")
    response = client.post(f"/associations/{assoc.safety.id}/scores", data={
        "member": assoc.zhang.id, "item": assoc.patrol.id, "reason": "",
        "happened_on": local_today().isoformat()})
    assert response.status_code == 422 and "请写明加减分的事由" in response.get_data(as_text=True)
    response = client.post(f"/associations/{assoc.safety.id}/scores", data={
        "member": assoc.zhang.id, "item": assoc.patrol.id, "reason": "巡逻",
        "happened_on": "2030-01-01"})
    assert response.status_code == 422 and "日期不能晚于今天" in response.get_data(as_text=True)
    assert db.session.scalar(select(AssociationsScore.id)) is None


def test_a_member_appeals_and_the_officer_decides(client, assoc):
    score = services.record_score(assoc.zhang, assoc.absent, reason="缺席例会",
                                  happened_on=local_today())
    assoc.tree.users["resident"].id_number = assoc.tree.resident_a.id_number
    db.session.commit()
    client.login("resident")
    home = client.get("/").get_data(as_text=True)
    assert "我的协会" in home
    page = client.get(f"/associations/members/{assoc.zhang.id}").get_data(as_text=True)
    assert "缺席例会" in page and "97" in page
    assert client.get(f"/associations/members/{assoc.li.id}").status_code == 404  # not theirs
    response = client.post(f"/associations/members/{assoc.zhang.id}",
                           data={"score": score.id, "reason": ""})
    assert response.status_code == 422 and "请写明申诉理由" in response.get_data(as_text=True)
    assert client.post(f"/associations/members/{assoc.zhang.id}",
                       data={"score": score.id, "reason": "当天在外务工"}).status_code == 302
    client.logout()
    client.login("assoc_officer")
    page = client.get(f"/associations/{assoc.safety.id}").get_data(as_text=True)
    assert "当天在外务工" in page
    appeal = score.appeal
    assert client.post(f"/associations/appeals/{appeal.id}",
                       data={"decision": "upheld", "note": "核实属实"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(AssociationsScore, score.id).voided_at is not None
    assert services.member_score(assoc.zhang, local_today().year) == 100


def test_exports_roster_reports_and_dues(client, assoc):
    services.record_score(assoc.zhang, assoc.patrol, reason="巡逻", happened_on=local_today())
    db.session.commit()
    client.login("village_admin")
    year = local_today().year
    book = load_workbook(BytesIO(client.get(
        f"/associations/{assoc.safety.id}/export/party.xlsx?year={year}").data))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[1:] == [(1, "张三丰", "城西路1号", "是", 102)]  # party members only
    roster = client.get(f"/associations/{assoc.safety.id}/roster/{year}").get_data(as_text=True)
    assert roster.index("张三丰") < roster.index("李秀英")
    scores = load_workbook(BytesIO(client.get(
        f"/associations/{assoc.safety.id}/export/scores.xlsx?year={year}").data))
    assert list(scores.active.iter_rows(values_only=True))[1][1:5] == ("张三丰", "参加义务巡逻", 2, "巡逻")
    assert client.post(f"/associations/{assoc.safety.id}/reports", data={
        "period": f"{year}年第四季度", "content": "开展巡逻十二次"}).status_code == 302
    assert "开展巡逻十二次" in client.get(
        f"/associations/{assoc.safety.id}/reports").get_data(as_text=True)
    response = client.post(f"/associations/{assoc.safety.id}/dues/{year}",
                           data={"member": assoc.li.id, "paid_on": local_today().isoformat()})
    assert response.status_code == 302
    receipt = client.get(response.location).get_data(as_text=True)
    assert "李秀英" in receipt and "20.00" in receipt


def test_menu_only_where_the_module_is_on(client, assoc):
    client.login("assoc_officer")
    assert "协会" in client.get("/").get_data(as_text=True)
    set_module(assoc.tree.town_a, "associations", False)
    db.session.commit()
    assert client.get("/associations/").status_code == 404


def test_pages_do_not_grow_with_rows(client, assoc):
    def grow(n):
        for i in range(n):
            household = add_household(assoc.tree.grid_a1, f"协会路{n}-{i}号")
            resident = add_resident(household, f"会员{i}", party_member=bool(i % 2))
            member = services.add_member(assoc.safety, resident, on=date(local_today().year, 1, 1))
            services.record_score(member, assoc.patrol, reason="巡逻", happened_on=local_today())
        db.session.commit()

    client.login("village_admin")
    year = local_today().year
    urls = [f"/associations/{assoc.safety.id}", f"/associations/{assoc.safety.id}/roster/{year}",
            f"/associations/{assoc.safety.id}/dues/{year}", "/associations/"]
    grow(2)
    few = []
    for url in urls:
        with StatementCounter(db.engine) as counter:
            assert client.get(url).status_code == 200
        few.append(counter.count)
    grow(6)
    for url, before in zip(urls, few):
        with StatementCounter(db.engine) as counter:
            client.get(url)
        assert counter.count == before, f"{url}: {before} statements, then {counter.count}"


def test_an_item_toggle_or_appeal_naming_no_record_is_refused_beside_its_field(client, assoc):
    from plugins.associations.models import AssociationsAppeal

    client.login("assoc_officer")
    url = f"/associations/{assoc.safety.id}/items/toggle"
    response = client.post(url, data={"item": "x"})
    assert response.status_code == 422 and 'id="item-errors"' in response.get_data(as_text=True)
    assert client.post(url, data={"item": assoc.patrol.id}).status_code == 302
    db.session.expire_all()
    assert db.session.get(AssociationsItem, assoc.patrol.id).active is False
    assert assoc.absent.active is True

    response = client.post(f"/associations/members/{assoc.zhang.id}",
                           data={"score": "", "reason": "当天在外务工"})
    assert response.status_code == 422 and 'id="score-errors"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(AssociationsAppeal)) == 0
