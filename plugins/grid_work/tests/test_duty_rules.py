"""The duty part's rules against hand counts: check-in by QR (right day, wrong day, not invited,
cancelled, twice, another town), the host's marks, leave excusing a meeting, credits against the
town's minimum, leave overlap / approve / reject / cancel, the grid's page showing the cover, the
letters' unsigned list, the three figures the assessment uses, and scope."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from plugins.grid_work.duty import figures, services
from plugins.grid_work.duty.models import GridWorkAttendance, GridWorkLeave, GridWorkMeeting
from portal.audit.models import AuditEntry
from portal.auth.services import create_user
from portal.errors import DomainError
from portal.extensions import db
from portal.modules.services import set_module
from portal.testing import PASSWORD
from portal.timeutil import local_today


@pytest.fixture
def duty(grid_work):
    """The world plus two colleagues of the worker in 城西社区 (grid A2) and one in 凤南村."""
    tree = grid_work.tree
    grid_work.colleague = create_user(username="gw_colleague", password=PASSWORD,
                                      role="grid_worker", scope=tree.grid_a2,
                                      display_name="李同事")
    grid_work.third = create_user(username="gw_third", password=PASSWORD, role="grid_worker",
                                  scope=tree.grid_a2, display_name="周三")
    grid_work.far = create_user(username="gw_far", password=PASSWORD, role="grid_worker",
                                scope=tree.grid_a3, display_name="凤南网格员")
    db.session.commit()
    return grid_work


def _approved(worker, starts, ends, cover=None, admin=None):
    leave = services.request_leave(worker, starts_on=starts, ends_on=ends, reason="私事",
                                   cover_id=cover.id if cover else None)
    services.decide_leave(leave, approve=True, actor=admin)
    db.session.commit()
    return leave


# ---------------------------------------------------------------- meetings and check-in


def test_a_meeting_invites_the_workers_under_its_node_and_excuses_those_on_leave(duty):
    tree = duty.tree
    day = local_today() + timedelta(days=3)
    _approved(duty.colleague, day, day + timedelta(days=1), admin=tree.users["village_admin"])
    meeting = services.call_meeting(tree.village_a1, title="例会", held_on=day,
                                    actor=tree.users["village_admin"])
    db.session.commit()
    rows = {r.worker_id: r for r in meeting.attendance}
    assert set(rows) == {duty.worker.id, duty.colleague.id, duty.third.id}  # not 凤南村's
    assert rows[duty.colleague.id].status == "excused" and rows[duty.colleague.id].note == "请假"
    assert rows[duty.worker.id].status == "absent"
    town_meeting = services.call_meeting(tree.town_a, title="全镇例会", held_on=day)
    assert len(town_meeting.attendance) == 4
    with pytest.raises(DomainError):
        services.call_meeting(tree.grid_a1, title="网格不能开", held_on=day)


def test_check_in_by_qr_on_the_day_once(app, client, duty):
    meeting = duty.duty_meeting  # held today, the worker invited
    client.login("grid_worker")
    url = f"/work/meetings/checkin/{meeting.checkin_token}"
    opened = client.get(url)  # the scan shows the button; only the tap writes
    assert opened.status_code == 200 and 'id="checkin-button"' in opened.get_data(as_text=True)
    assert db.session.get(GridWorkAttendance, duty.duty_attendance.id).checked_in_at is None
    first = client.post(url)
    assert first.status_code == 200 and "已签到" in first.get_data(as_text=True)
    row = db.session.get(GridWorkAttendance, duty.duty_attendance.id)
    assert row.status == "present" and row.checked_in_at is not None
    stamped = row.checked_in_at
    assert "已签到" in client.get(url).get_data(as_text=True)
    again = client.post(url)
    assert again.status_code == 200 and "已签到" in again.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(GridWorkAttendance, row.id).checked_in_at == stamped
    audits = db.session.scalars(select(AuditEntry).filter_by(
        action="grid_work.meeting_checkin")).all()
    assert len(audits) == 1


def test_check_in_refused_on_another_day_uninvited_or_cancelled(app, client, duty):
    tree = duty.tree
    admin = tree.users["village_admin"]
    tomorrow = services.call_meeting(tree.village_a1, title="明天的例会",
                                     held_on=local_today() + timedelta(days=1), actor=admin)
    other_village = services.call_meeting(tree.village_a2, title="凤南例会",
                                          held_on=local_today(), actor=admin)
    cancelled = services.call_meeting(tree.village_a1, title="取消的例会", held_on=local_today())
    services.cancel_meeting(cancelled)
    db.session.commit()
    client.login("grid_worker")
    for meeting, words in ((tomorrow, "只能在例会当天"), (other_village, "不在这次例会的参会名单"),
                           (cancelled, "已取消")):
        url = f"/work/meetings/checkin/{meeting.checkin_token}"
        shown = client.get(url).get_data(as_text=True)
        assert words in shown and 'id="checkin-button"' not in shown, meeting.title
        response = client.post(url)
        assert response.status_code == 422, meeting.title
        assert words in response.get_data(as_text=True)
    assert client.get("/work/meetings/checkin/not-a-token").status_code == 404
    rows = db.session.scalars(select(GridWorkAttendance).filter_by(
        worker_id=duty.worker.id, status="present")).all()
    assert rows == []


def test_check_in_of_another_town_is_a_404_and_anonymous_goes_to_login(app, client, duty):
    set_module(duty.tree.town_b, "grid_work", True)
    db.session.commit()
    url = f"/work/meetings/checkin/{duty.duty_meeting.checkin_token}"
    assert "/login" in client.get(url).location
    client.login("b_grid_worker")
    assert client.get(url).status_code == 404


def test_the_host_marks_minutes_and_cancels(app, client, duty):
    meeting = duty.duty_meeting
    row = duty.duty_attendance
    client.login("village_admin")
    refused = client.post(f"/work/meetings/attendance/{row.id}",
                          data={f"m{row.id}-status": "excused"})
    assert refused.status_code == 422 and "请填写原因" in refused.get_data(as_text=True)
    done = client.post(f"/work/meetings/attendance/{row.id}",
                       data={f"m{row.id}-status": "excused", f"m{row.id}-note": "镇里开会"})
    assert done.status_code == 302
    assert db.session.get(GridWorkAttendance, row.id).status == "excused"
    assert client.post(f"/work/meetings/{meeting.id}/minutes",
                       data={"minutes": "通报了本周走访", "decisions": "下周清理沟渠"}
                       ).status_code == 302
    assert client.post(f"/work/meetings/{meeting.id}/cancel").status_code == 303
    db.session.expire_all()
    meeting = db.session.get(GridWorkMeeting, meeting.id)
    assert meeting.minutes == "通报了本周走访" and meeting.cancelled_at is not None
    page = client.get(f"/work/meetings/{meeting.id}").get_data(as_text=True)
    assert "已取消" in page
    assert client.post(f"/work/meetings/attendance/{row.id}",
                       data={f"m{row.id}-status": "present"}).status_code == 422
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"grid_work.meeting_mark", "grid_work.meeting_minutes",
            "grid_work.meeting_cancel"} <= actions


# ---------------------------------------------------------------- the figures, by hand


def test_attendance_counts_by_hand(duty):
    tree = duty.tree
    w, c, t = duty.worker, duty.colleague, duty.third
    since, until = date(2025, 3, 1), date(2025, 3, 31)
    days = [date(2025, 3, 3), date(2025, 3, 10), date(2025, 3, 17), date(2025, 3, 24)]
    meetings = [services.call_meeting(tree.village_a1, title=f"例会{i}", held_on=d)
                for i, d in enumerate(days)]
    outside = services.call_meeting(tree.village_a1, title="四月", held_on=date(2025, 4, 1))
    marks = {  # meeting index -> worker -> status
        0: {w: "present", c: "present", t: "absent"},
        1: {w: "present", c: "excused", t: "present"},
        2: {w: "absent", c: "present", t: "present"},
        3: {w: "present", c: "present", t: "present"},  # cancelled: counts for nobody
    }
    for index, statuses in marks.items():
        for row in meetings[index].attendance:
            worker = next(x for x in statuses if x.id == row.worker_id)
            services.mark(row, status=statuses[worker], note="说明")
    for row in outside.attendance:
        services.mark(row, status="present")
    services.cancel_meeting(meetings[3])
    db.session.commit()
    got = figures.attendance([w.id, c.id, t.id, duty.far.id], since, until)
    assert got == {w.id: (2, 3), c.id: (2, 2), t.id: (2, 3), duty.far.id: (0, 0)}


def test_credits_by_hand_against_the_minimum(app, client, duty):
    tree = duty.tree
    w, c, t = duty.worker, duty.colleague, duty.third
    year = local_today().year - 1
    a = services.hold_training(tree.village_a1, title="甲", held_on=date(year, 3, 1),
                               credit_tenths=10)
    b = services.hold_training(tree.town_a, title="乙", held_on=date(year, 9, 1),
                               credit_tenths=5)
    c_ = services.hold_training(tree.village_a1, title="丙", held_on=date(year, 12, 31),
                                credit_tenths=10)
    later = services.hold_training(tree.village_a1, title="次年", held_on=date(year + 1, 1, 1),
                                   credit_tenths=10)
    services.set_attendees(a, [w.id, c.id])
    services.set_attendees(b, [w.id, c.id, t.id])
    services.set_attendees(c_, [w.id])
    services.set_attendees(later, [t.id])
    with pytest.raises(DomainError):
        services.set_attendees(a, [duty.far.id])  # 凤南村's worker is not 城西社区's
    db.session.commit()
    assert figures.credits([w.id, c.id, t.id], year) == {w.id: 25, c.id: 15, t.id: 5}
    short = {worker.id: (got, minimum) for worker, got, minimum
             in figures.below_minimum([w, c, t], year)}
    assert short == {c.id: (15, 20), t.id: (5, 20)}
    client.login("village_admin")
    page = client.get(f"/work/trainings/credits?year={year}").get_data(as_text=True)
    assert page.count("未达标") == 2 and "2.5" in page and "1.5 / 2.0" in page
    client.logout()
    client.login("grid_worker")
    mine = client.get(f"/work/trainings/credits?year={year}").get_data(as_text=True)
    assert "2.5" in mine and "李同事" not in mine and "未达标" not in mine


def test_training_credits_are_kept_in_tenths(app, client, duty):
    client.login("town_admin")
    response = client.post("/work/trainings/new", data={
        "node": duty.tree.village_a1.id, "title": "半天培训", "held_on": local_today().isoformat(),
        "credits": "0.5"})
    assert response.status_code == 302
    refused = client.post("/work/trainings/new", data={
        "node": duty.tree.village_a1.id, "title": "怪分", "held_on": local_today().isoformat(),
        "credits": "0.25"})
    assert refused.status_code == 422 and "一位小数" in refused.get_data(as_text=True)
    from plugins.grid_work.duty.models import GridWorkTraining

    assert db.session.scalar(select(GridWorkTraining.credit_tenths).filter_by(
        title="半天培训")) == 5


def test_leave_days_by_hand(duty):
    w, c = duty.worker, duty.colleague
    admin = duty.tree.users["village_admin"]
    _approved(w, date(2025, 3, 30), date(2025, 4, 2), admin=admin)
    _approved(c, date(2025, 4, 10), date(2025, 4, 11), admin=admin)
    pending = services.request_leave(c, starts_on=date(2025, 4, 20), ends_on=date(2025, 4, 21),
                                     reason="未批")
    rejected = services.request_leave(c, starts_on=date(2025, 4, 25), ends_on=date(2025, 4, 25),
                                      reason="不批")
    services.decide_leave(rejected, approve=False, note="人手不够")
    db.session.commit()
    assert pending.state == "pending"
    got = figures.leave_days([w.id, c.id, duty.third.id], date(2025, 4, 1), date(2025, 4, 30))
    assert got == {w.id: {date(2025, 4, 1), date(2025, 4, 2)},
                   c.id: {date(2025, 4, 10), date(2025, 4, 11)}, duty.third.id: set()}


# ---------------------------------------------------------------- leave


def test_leave_overlap_is_refused_beside_the_field(app, client, duty):
    client.login("grid_worker")
    pending = duty.duty_leave  # today + 7 .. + 9, pending
    response = client.post("/work/leave/new", data={
        "starts_on": (pending.ends_on).isoformat(),
        "ends_on": (pending.ends_on + timedelta(days=2)).isoformat(), "reason": "又要走"})
    assert response.status_code == 422
    assert "重叠" in response.get_data(as_text=True)
    # a rejected or cancelled one holds nothing
    services.cancel_leave(db.session.get(GridWorkLeave, pending.id))
    db.session.commit()
    again = client.post("/work/leave/new", data={
        "starts_on": pending.ends_on.isoformat(),
        "ends_on": (pending.ends_on + timedelta(days=2)).isoformat(), "reason": "又要走",
        "cover": str(duty.colleague.id)})
    assert again.status_code == 302


def test_the_cover_must_be_a_colleague_of_the_village(duty):
    with pytest.raises(DomainError) as refused:
        services.request_leave(duty.worker, starts_on=date(2030, 1, 1), ends_on=date(2030, 1, 2),
                               reason="x", cover_id=duty.far.id)
    assert refused.value.field == "cover"
    with pytest.raises(DomainError):
        services.request_leave(duty.worker, starts_on=date(2030, 1, 2), ends_on=date(2030, 1, 1),
                               reason="x")


def test_approve_reject_cancel_and_who_is_told(app, client, duty):
    from portal.notifications.models import Notification

    leave = duty.duty_leave
    told = db.session.scalars(select(Notification).filter_by(
        event="grid_work_leave_requested")).all()
    assert {n.user_id for n in told} == {duty.tree.users["village_admin"].id}
    client.login("grid_worker")
    assert client.post(f"/work/leave/{leave.id}/approve").status_code == 403
    client.logout()
    client.login("village_admin")
    refused = client.post(f"/work/leave/{leave.id}/reject", data={"note": ""})
    assert refused.status_code == 422 and "写明原因" in refused.get_data(as_text=True)
    assert client.post(f"/work/leave/{leave.id}/approve", data={"note": "同意"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(GridWorkLeave, leave.id).state == "approved"
    decided = db.session.scalars(select(Notification).filter_by(
        event="grid_work_leave_decided")).all()
    assert {n.user_id for n in decided} == {duty.worker.id}
    # approved and not started: the worker may still cancel
    client.logout()
    client.login("grid_worker")
    assert client.post(f"/work/leave/{leave.id}/cancel").status_code == 303
    assert db.session.get(GridWorkLeave, leave.id).state == "cancelled"
    # an approved leave already running may not be cancelled
    running = _approved(duty.worker, local_today(), local_today() + timedelta(days=1),
                        admin=duty.tree.users["village_admin"])
    with pytest.raises(DomainError):
        services.cancel_leave(running)
    with pytest.raises(DomainError):
        services.decide_leave(running, approve=False, note="晚了")


def test_the_grid_page_shows_the_cover_during_the_leave_only(app, client, duty):
    tree = duty.tree
    admin = tree.users["village_admin"]
    today = local_today()
    leave = _approved(duty.worker, today - timedelta(days=1), today + timedelta(days=1),
                      cover=duty.colleague, admin=admin)
    client.login("village_admin")
    page = client.get(f"/grids/{tree.grid_a1.id}").get_data(as_text=True)
    assert "由李同事代管" in page and "私事" not in page
    village = client.get(f"/grids/{tree.village_a1.id}").get_data(as_text=True)
    assert "由李同事代管" in village
    public = client.get(f"/g/{tree.grid_a1.code}").get_data(as_text=True)
    assert "由李同事代管" in public and "私事" not in public
    leave.ends_on = today - timedelta(days=1)  # over
    db.session.commit()
    assert "代管" not in client.get(f"/grids/{tree.grid_a1.id}").get_data(as_text=True)
    assert "代管" not in client.get(f"/g/{tree.grid_a1.code}").get_data(as_text=True)


# ---------------------------------------------------------------- letters


def test_letters_list_who_has_not_signed(app, client, duty):
    client.login("village_admin")
    year = local_today().year
    page = client.get(f"/work/letters?year={year}").get_data(as_text=True)
    assert "未签 2 人" in page and "李同事" in page and "周三" in page
    assert "凤南网格员" not in page  # another village
    import io

    from PIL import Image

    photo = io.BytesIO()
    Image.new("RGB", (40, 40), "white").save(photo, "JPEG")
    photo.seek(0)
    response = client.post("/work/letters/upload", data={
        "worker": str(duty.colleague.id), "year": str(year), "photo": (photo, "letter.jpg")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    assert "未签 1 人" in client.get(f"/work/letters?year={year}").get_data(as_text=True)
    refused = client.post("/work/letters/upload", data={
        "worker": str(duty.far.id), "year": str(year)}, content_type="multipart/form-data")
    assert refused.status_code == 422


# ---------------------------------------------------------------- scope


def test_a_worker_sees_only_their_own(app, client, duty):
    tree = duty.tree
    theirs = services.request_leave(duty.colleague, starts_on=date(2030, 5, 1),
                                    ends_on=date(2030, 5, 2), reason="同事的事")
    elsewhere = services.call_meeting(tree.village_a2, title="凤南例会", held_on=local_today())
    db.session.commit()
    client.login("grid_worker")
    assert client.get(f"/work/leave/{theirs.id}").status_code == 404
    assert client.post(f"/work/leave/{theirs.id}/cancel").status_code == 404
    assert client.get(f"/work/meetings/{elsewhere.id}").status_code == 404
    listing = client.get("/work/leave").get_data(as_text=True)
    assert "李同事" not in listing
    meeting = client.get(f"/work/meetings/{duty.duty_meeting.id}").get_data(as_text=True)
    assert "李同事" not in meeting  # a worker sees their own attendance only
    assert client.get("/work/meetings").status_code == 200


def test_another_towns_records_are_a_404(app, client, duty):
    set_module(duty.tree.town_b, "grid_work", True)
    db.session.commit()
    client.login("b_town_admin")
    for url in (f"/work/meetings/{duty.duty_meeting.id}", f"/work/trainings/{duty.duty_training.id}",
                f"/work/leave/{duty.duty_leave.id}", f"/work/letters/{duty.duty_letter.id}/photo"):
        assert client.get(url).status_code == 404, url
    page = client.get("/work/meetings").get_data(as_text=True)
    assert duty.duty_meeting.title not in page


# ---------------------------------------------------------------- hooks


def test_today_card_and_menu(app, client, duty):
    client.login("grid_worker")
    today = client.get("/today/").get_data(as_text=True)
    assert "今天的例会" in today and duty.duty_meeting.title in today
    home = client.get("/").get_data(as_text=True)
    assert "例会培训" in home and "请假" in home
    client.post(f"/work/meetings/checkin/{duty.duty_meeting.checkin_token}")
    assert "今天的例会" not in client.get("/today/").get_data(as_text=True)
    client.logout()
    client.login("village_admin")
    assert "待审批的请假" in client.get("/today/").get_data(as_text=True)
    client.logout()
    client.login("town_admin")
    board = client.get("/dashboard/").get_data(as_text=True)
    assert "网格员例会与请假" in board and "出勤率" in board
