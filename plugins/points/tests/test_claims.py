"""Residents' own claims (积分申报, plugins/points/claims.py): filed by a resident or their grid
worker, reviewed by the village, paid once however often or concurrently "approve" is sent;
refused with a message next to the field; seen only where the viewer may see it."""
from datetime import timedelta
from io import BytesIO

import pytest
from PIL import Image
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from plugins.points import claims, ledger
from plugins.points.models import PointsAccount, PointsClaim, PointsEntry, PointsRule
from plugins.points.reports import verify
from portal.audit.models import AuditEntry
from portal.errors import DomainError
from portal.extensions import db
from portal.notifications.models import Notification
from portal.people.models import Resident
from portal.timeutil import local_today
from portal.uploads import photo_dir
from tests.test_counters_race import race


def jpeg(name="deed.jpg") -> BytesIO:
    data = BytesIO()
    Image.new("RGB", (40, 30), (20, 120, 40)).save(data, "JPEG")
    data.seek(0)
    data.name = name
    return data


def resident_named(name) -> Resident:
    return db.session.scalar(select(Resident).filter_by(name=name))


def entries_of(claim) -> list[PointsEntry]:
    return list(db.session.scalars(select(PointsEntry).filter_by(source=f"points.claim:{claim.id}")))


def link_resident_login(tree):
    """The tree's `resident` login is 张三丰 of household 城西路1号 (by ID number)."""
    tree.users["resident"].id_number = tree.resident_a.id_number
    db.session.commit()
    return tree.users["resident"]


def file(points, resident=None, rule=None, **overrides):
    """A claim of 张三丰 (unless told) for sweeping the road today, filed by the grid worker."""
    values = {"happened_on": local_today(), "note": "清扫了村口到小学的村道",
              "actor": points.tree.users["grid_worker"], **overrides}
    return claims.file_claim(resident or points.tree.resident_a, rule or points.rule, **values)


def balance(account_id) -> int:
    db.session.expire_all()
    return db.session.get(PointsAccount, account_id).balance


# ---------------------------------------------------------------- the rules of a claim


def test_an_approved_claim_pays_the_rules_value_once(points):
    admin = points.tree.users["village_admin"]
    claim = file(points)
    db.session.commit()
    assert claim.state == "pending" and claim.town_id == points.tree.town_a.id
    assert claim.filed_by_id == points.tree.users["grid_worker"].id

    entry = claims.approve(claim, actor=admin)
    db.session.commit()
    assert (entry.points, entry.kind, entry.rule_id) == (5, "earn", points.rule.id)
    assert entry.source_label == "积分申报：参加村道清扫"
    assert (claim.state, claim.entry_id, claim.decided_by_id) == ("approved", entry.id, admin.id)
    assert balance(points.account_a.id) == 65

    with pytest.raises(DomainError, match="该申报已审核。"):
        claims.approve(db.session.get(PointsClaim, claim.id), actor=admin)  # pressed again
    db.session.rollback()
    assert len(entries_of(claim)) == 1 and balance(points.account_a.id) == 65
    assert verify() == []
    actions = set(db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.action.like("points.claim_%"))))
    assert actions == {"points.claim_file", "points.claim_approve"}


def test_a_claim_pays_the_value_of_the_accounts_category(points):
    points.account_a.category = "grid_worker"  # the rule gives grid workers 8
    claim = file(points)
    entry = claims.approve(claim)
    db.session.commit()
    assert entry.points == 8 and balance(points.account_a.id) == 68


def test_approve_sent_in_two_sessions_at_once_pays_once(app, points):
    claim = file(points)
    db.session.commit()
    claim_id = claim.id  # the threads load their own

    accepted = race(app, lambda: db.session.get(PointsClaim, claim_id),
                    lambda c: claims.approve(c), DomainError)
    assert accepted == 1
    claim = db.session.get(PointsClaim, claim_id)
    assert claim.state == "approved" and len(entries_of(claim)) == 1
    assert balance(points.account_a.id) == 65 and verify() == []


def test_approve_and_reject_at_once_leave_one_decision(app, points):
    claim = file(points)
    db.session.commit()
    claim_id = claim.id
    moves = iter([lambda c: claims.approve(c), lambda c: claims.reject(c, "照片看不清")])

    accepted = race(app, lambda: db.session.get(PointsClaim, claim_id),
                    lambda c: next(moves)(c), DomainError)
    assert accepted == 1
    claim = db.session.get(PointsClaim, claim_id)
    assert len(entries_of(claim)) == (1 if claim.state == "approved" else 0)
    assert verify() == []


def test_a_rejection_needs_a_reason_and_is_final(points):
    claim = file(points)
    with pytest.raises(DomainError, match="请说明退回原因。") as refused:
        claims.reject(claim, "  ")
    assert refused.value.field == "reason"
    claims.reject(claim, "那天没有清扫安排")
    db.session.commit()
    assert (claim.state, claim.reason) == ("rejected", "那天没有清扫安排")
    with pytest.raises(DomainError, match="该申报已审核。"):
        claims.approve(claim)
    db.session.rollback()
    assert entries_of(claim) == []
    file(points)  # a rejected claim may be filed again, better told


@pytest.mark.parametrize("overrides, field, message", [
    ({"happened_on": local_today() + timedelta(days=1)}, "happened_on", "日期不能晚于今天。"),
    ({"happened_on": local_today() - timedelta(days=91)}, "happened_on", "只能申报90天以内的事。"),
    ({"happened_on": None}, "happened_on", "请填写日期。"),
    ({"note": "   "}, "note", "请写明做了什么事。"),
    ({"note": "扫" * 501}, "note", "说明不能超过500字。"),
])
def test_a_claim_is_refused_next_to_its_field(points, overrides, field, message):
    with pytest.raises(DomainError, match=message) as refused:
        file(points, **overrides)
    assert refused.value.field == field


def test_only_an_active_rule_of_the_residents_town_giving_points_is_claimed(points):
    other = PointsRule(town_id=points.tree.town_b.id, name="参加清扫", points=5)
    stopped = PointsRule(town_id=points.tree.town_a.id, name="旧事项", points=5, active=False)
    deduction = PointsRule(town_id=points.tree.town_a.id, name="乱扔垃圾", points=-5)
    db.session.add_all([other, stopped, deduction])
    db.session.flush()
    for rule, message in ((other, "积分事项不属于本镇。"), (stopped, "该积分事项已停用。"),
                          (deduction, "只能申报加分事项。")):
        with pytest.raises(DomainError, match=message):
            file(points, rule=rule)
    assert [r.name for r in claims.claimable_rules(points.tree.town_a)] == ["参加村道清扫", "文明卫生户"]


def test_the_same_deed_is_pending_once(points):
    file(points)
    with pytest.raises(DomainError, match="这件事已经申报过，正在审核。"):
        file(points, note="又报一次")
    file(points, happened_on=local_today() - timedelta(days=1))  # another day: another deed
    file(points, rule=points.model_rule)  # another rule


def test_a_photo_is_checked_like_the_goods_photos(points):
    broken = FileStorage(BytesIO(b"not a picture"), filename="deed.jpg")
    with pytest.raises(DomainError) as refused:
        file(points, photo_file=broken)
    assert refused.value.field == "photo"


def test_a_rule_switched_off_after_filing_is_not_paid(points):
    claim = file(points)
    points.rule.active = False
    with pytest.raises(DomainError, match="已停用"):
        claims.approve(claim)
    db.session.rollback()
    assert entries_of(claim) == []


def test_the_decision_tells_the_claimants_login(points):
    user = link_resident_login(points.tree)
    approved = file(points)
    rejected = file(points, rule=points.model_rule)
    claims.approve(approved)
    claims.reject(rejected, "照片看不清，请补拍")
    db.session.commit()
    rows = {row.key: row for row in db.session.scalars(
        select(Notification).where(Notification.event == "points_claim_decided"))}
    assert set(rows) == {f"points_claim_decided:{approved.id}|inbox|u{user.id}",
                         f"points_claim_decided:{rejected.id}|inbox|u{user.id}"}
    told = rows[f"points_claim_decided:{approved.id}|inbox|u{user.id}"]
    assert "已通过" in told.subject and "5 积分" in told.body
    assert told.link == f"/points/claims/{approved.id}"
    assert "照片看不清，请补拍" in rows[f"points_claim_decided:{rejected.id}|inbox|u{user.id}"].body


# ---------------------------------------------------------------- through the pages


def test_a_resident_files_their_own_claim_with_a_photo(client, points):
    user = link_resident_login(points.tree)
    client.login("resident")
    page = client.get("/points/claims/new").get_data(as_text=True)
    assert "张三丰" in page and "参加村道清扫" in page and 'capture="environment"' in page
    response = client.post("/points/claims/new", data={
        "rule": points.rule.id, "happened_on": local_today().isoformat(),
        "note": "清扫了村道", "photo": (jpeg(), "deed.jpg")}, content_type="multipart/form-data")
    assert response.status_code == 302
    claim = db.session.scalar(select(PointsClaim))
    assert response.location.endswith(f"/points/claims/{claim.id}")
    assert (claim.resident_id, claim.filed_by_id) == (points.tree.resident_a.id, user.id)
    assert (photo_dir() / claim.photo).is_file()
    shown = client.get(f"/points/claims/{claim.id}")
    assert shown.status_code == 200 and "待审核" in shown.get_data(as_text=True)
    photo = client.get(f"/points/claims/{claim.id}/photo")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert "参加村道清扫" in client.get("/points/claims").get_data(as_text=True)


def test_an_empty_claim_is_refused_with_messages(client, points):
    link_resident_login(points.tree)
    client.login("resident")
    response = client.post("/points/claims/new", data={"happened_on": ""})
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "请选择积分事项。" in text and "请填写日期。" in text and "请写明做了什么事。" in text
    client.logout()
    client.login("grid_worker")
    response = client.post("/points/claims/new", data={})
    assert response.status_code == 422 and "请选择居民。" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(PointsClaim.id))) == 0


def test_a_login_without_a_resident_record_is_told_why(client, points):
    client.login("resident")  # carries no ID number of the register
    response = client.get("/points/claims/new")
    assert response.status_code == 200 and "还没有关联本地居民信息" in response.get_data(as_text=True)
    assert client.post("/points/claims/new", data={}).status_code == 404


def test_a_grid_worker_files_for_a_resident_of_their_grid_only(client, points):
    client.login("grid_worker")
    page = client.get("/points/claims/new").get_data(as_text=True)
    assert "张三丰" in page and "王小明" in page and "赵大" not in page  # 赵大 lives in 凤南村
    data = {"rule": points.rule.id, "happened_on": local_today().isoformat(), "note": "帮助邻居"}
    wang = resident_named("王小明")
    response = client.post("/points/claims/new", data={**data, "resident": wang.id})
    assert response.status_code == 302
    claim = db.session.scalar(select(PointsClaim))
    assert claim.resident_id == wang.id
    assert claim.filed_by_id == points.tree.users["grid_worker"].id
    outside = resident_named("赵大")
    assert client.post("/points/claims/new",
                       data={**data, "resident": outside.id}).status_code == 404
    assert db.session.scalar(select(func.count(PointsClaim.id))) == 1
    assert "王小明" in client.get("/points/claims").get_data(as_text=True)


def test_the_village_admin_approves_and_town_b_sees_nothing(client, points):
    claim = file(points)
    db.session.commit()
    client.login("village_admin")
    listing = client.get("/points/claims?state=pending").get_data(as_text=True)
    assert "张三丰" in listing
    assert "待审核申报 1" in client.get("/points/").get_data(as_text=True)
    assert "待审核积分申报" in client.get("/today/").get_data(as_text=True)
    page = client.get(f"/points/claims/{claim.id}").get_data(as_text=True)
    assert "通过，发放积分" in page
    first = client.post(f"/points/claims/{claim.id}/approve")
    assert first.status_code == 303 and first.location.endswith("/points/claims?state=pending")
    again = client.post(f"/points/claims/{claim.id}/approve", follow_redirects=True)
    assert "该申报已审核。" in again.get_data(as_text=True)
    assert len(entries_of(claim)) == 1 and balance(points.account_a.id) == 65
    assert "待审核申报 0" in client.get("/points/").get_data(as_text=True)

    client.logout()
    client.login("b_town_admin")
    assert client.get(f"/points/claims/{claim.id}").status_code == 404
    assert client.get(f"/points/claims/{claim.id}/photo").status_code == 404
    assert client.post(f"/points/claims/{claim.id}/reject", data={"reason": "x"}).status_code == 404
    assert "张三丰" not in client.get("/points/claims").get_data(as_text=True)


def test_a_rejection_from_the_page_needs_a_reason_and_the_resident_reads_it(client, points):
    link_resident_login(points.tree)
    claim = file(points)
    db.session.commit()
    client.login("village_admin")
    response = client.post(f"/points/claims/{claim.id}/reject", data={"reason": ""})
    assert response.status_code == 422 and "请说明退回原因。" in response.get_data(as_text=True)
    assert client.post(f"/points/claims/{claim.id}/reject",
                       data={"reason": "当天没有清扫安排"}).status_code == 302
    client.logout()
    client.login("resident")
    mine = client.get("/points/claims").get_data(as_text=True)
    assert "未通过" in mine and "当天没有清扫安排" in mine


def test_a_resident_opens_only_their_households_claims(client, points):
    link_resident_login(points.tree)
    own = file(points, resident=resident_named("李秀英"))  # 张三丰's spouse
    other = file(points, resident=resident_named("王小明"))  # household 城西路2号
    db.session.commit()
    client.login("resident")
    assert client.get(f"/points/claims/{own.id}").status_code == 200
    assert client.get(f"/points/claims/{other.id}").status_code == 404
    assert client.get(f"/points/claims/{other.id}/photo").status_code == 404
    listing = client.get("/points/claims").get_data(as_text=True)
    assert "李秀英" in listing and "王小明" not in listing
    assert client.post(f"/points/claims/{own.id}/approve").status_code == 403


def test_the_menu_offers_claims_to_who_files_them(client, points):
    link_resident_login(points.tree)
    for user in ("resident", "grid_worker"):
        client.login(user)
        assert "/points/claims/new" in client.get("/").get_data(as_text=True)
        client.logout()
    client.login("info_officer")
    assert "/points/claims/new" not in client.get("/").get_data(as_text=True)
    assert client.get("/points/claims").status_code == 403


def test_an_approved_claim_in_a_town_with_a_notice_window_is_held(points):
    from plugins.points import town_settings

    town_settings.set_notice_days(points.tree.town_a, 7)
    claim = file(points)
    entry = claims.approve(claim)
    db.session.commit()
    assert entry.held_until is not None
    assert ledger.held_points(points.account_a.id) == 5


def test_a_claim_sent_twice_at_once_is_filed_once(app, points):
    ids = points.tree.resident_a.id, points.rule.id
    today = local_today()

    def load():
        return db.session.get(Resident, ids[0]), db.session.get(PointsRule, ids[1])

    accepted = race(app, load, lambda pair: claims.file_claim(
        *pair, happened_on=today, note="清扫了村道"), DomainError)
    assert accepted == 1
    assert db.session.scalar(select(func.count(PointsClaim.id))) == 1
