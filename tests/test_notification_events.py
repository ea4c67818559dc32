"""Who is told what about cases, and when (portal.notifications.case_events): each event reaches
the right people once per channel, a second run or a retry adds nothing, a rolled-back change
tells nobody, and another town's users are never told."""
from datetime import timedelta

import pytest

from portal.auth.services import create_user
from portal.cases.services import act, report, sweep
from portal.extensions import db
from portal.notifications.messages import Channel
from portal.notifications.models import Notification
from portal.testing import PASSWORD

SMS = Channel("sms", "短信", address_of=lambda user: user.phone or None, default=True)


@pytest.fixture
def channels(app, monkeypatch):
    """The inbox and an SMS channel chosen by default, whatever the deployment configures, so
    that every test counts the same rows."""
    from portal.notifications import channels as channels_module
    from portal.notifications import outbox, preferences
    from portal.notifications.channels import INBOX

    def fake():
        return {INBOX.name: INBOX, SMS.name: SMS}

    for module in (channels_module, outbox, preferences):
        if hasattr(module, "all_channels"):
            monkeypatch.setattr(module, "all_channels", fake)
    return fake


def rows(event=None, **where):
    query = db.select(Notification).order_by(Notification.id)
    if event:
        query = query.where(Notification.event == event)
    for name, value in where.items():
        query = query.where(getattr(Notification, name) == value)
    return list(db.session.scalars(query))


def told(event):
    """(username or address, channel) of every row of ``event``."""
    from portal.auth.models import User

    found = []
    for row in rows(event):
        who = db.session.get(User, row.user_id).username if row.user_id else row.address
        found.append((who, row.channel))
    return sorted(found)


def _case(tree, grid=None, **fields):
    fields = {"category": "hazard", "title": "路灯不亮", "description": "村口路灯",
              "source": "patrol", "reporter": tree.users["grid_worker"], **fields}
    return report(grid or tree.grid_a1, **fields)


def _phone(user, phone):
    user.phone = phone
    db.session.commit()


# ---------------------------------------------------------------- assigned to me


def test_an_assignment_tells_the_assignee_once_per_channel(tree, channels):
    worker = tree.users["grid_worker"]
    _phone(worker, "13800000001")
    case = _case(tree, reporter=tree.users["village_admin"])
    act(case, tree.users["village_admin"], "assign", assignee=worker)
    db.session.commit()
    assert told("case_assigned") == [("grid_worker", "inbox"), ("grid_worker", "sms")]
    assert rows("case_assigned", channel="sms")[0].address == "13800000001"
    (inbox,) = rows("case_assigned", channel="inbox")
    assert case.number in inbox.subject and case.number in inbox.body and "路灯不亮" in inbox.body
    assert inbox.link == f"/cases/{case.id}" and inbox.town_id == tree.town_a.id
    assert '"number"' in inbox.params and '"title"' in inbox.params


def test_an_assignment_to_a_department_tells_its_active_staff(tree, channels):
    police = tree.departments["police_a"]
    staff = [create_user(username=f"police{n}", password=PASSWORD, role="dept_staff",
                         scope=tree.town_a, display_name=f"民警{n}", department=police)
             for n in range(3)]
    staff[2].is_active_flag = False
    db.session.commit()
    case = _case(tree)
    act(case, tree.users["town_admin"], "assign", department=police)
    db.session.commit()
    assert told("case_assigned") == [("police0", "inbox"), ("police1", "inbox")]
    assert "派出所" in rows("case_assigned")[0].body


def test_the_dispatcher_is_not_told_of_their_own_assignment(tree, channels):
    admin = tree.users["village_admin"]
    case = _case(tree)
    act(case, admin, "assign", assignee=admin)
    db.session.commit()
    assert rows("case_assigned") == []


def test_an_assignment_rolled_back_tells_nobody(tree, channels):
    case = _case(tree)
    db.session.commit()
    act(case, tree.users["village_admin"], "assign", assignee=tree.users["grid_worker"])
    db.session.rollback()
    assert rows() == []


def test_a_new_assignment_is_told_again_but_the_same_one_never_twice(tree, channels):
    """Returned by a department and assigned again, reopened and assigned again: each is a new
    instance; writing the same instance again (a retry) adds nothing."""
    from portal.notifications import case_events

    police = tree.departments["police_a"]
    officer = create_user(username="officer", password=PASSWORD, role="dept_staff",
                          scope=tree.town_a, display_name="民警", department=police)
    admin, worker = tree.users["town_admin"], tree.users["grid_worker"]
    case = _case(tree)
    act(case, admin, "assign", department=police)
    assert case_events.assigned(case, admin) == 0  # the same assignment written again
    act(case, officer, "return", "不属于本所职责")
    act(case, admin, "assign", department=police)
    db.session.commit()
    assert told("case_assigned") == [("officer", "inbox")] * 2
    act(case, officer, "resolve", "已处理")
    act(case, admin, "close", "已告知")
    act(case, admin, "reopen", "又坏了")
    act(case, officer, "return", "请重新交办")
    act(case, admin, "assign", assignee=worker)
    db.session.commit()
    keys = [row.key.split("|")[0] for row in rows("case_assigned")]
    assert keys == [f"case_assigned:{case.id}:1:1", f"case_assigned:{case.id}:1:2",
                    f"case_assigned:{case.id}:2:3"]


# ---------------------------------------------------------------- my case turns yellow or red


def test_a_case_turning_yellow_then_red_tells_its_people_once_each(tree, channels):
    worker, b_worker = tree.users["grid_worker"], tree.users["b_grid_worker"]
    mine = _case(tree, reporter=tree.users["village_admin"])
    theirs = _case(tree, grid=tree.grid_b1, reporter=tree.users["b_town_admin"])
    db.session.commit()
    assert mine.assign_due == theirs.assign_due
    on = mine.assign_due  # the last day to assign: yellow
    sweep(on)
    sweep(on)  # a second sweep adds nothing
    db.session.commit()
    assert told("case_light") == [("b_grid_worker", "inbox"), ("grid_worker", "inbox")]
    (row,) = rows("case_light", user_id=worker.id)
    assert row.key.startswith(f"case_light:{mine.id}:1:assign:yellow|") and not row.urgent
    after = on + timedelta(days=1)  # red: told again, urgently, and supervised
    sweep(after)
    sweep(after)
    db.session.commit()
    red = rows("case_light", user_id=worker.id)[1:]
    assert [(r.key.split("|")[0], r.urgent) for r in red] == [
        (f"case_light:{mine.id}:1:assign:red", True)]
    assert {r.user_id for r in rows("case_light")} == {worker.id, b_worker.id}


def test_a_light_goes_to_the_assignee_and_a_sweep_rolled_back_leaves_nothing(tree, channels):
    worker = tree.users["grid_worker"]
    case = _case(tree, reporter=tree.users["village_admin"])
    act(case, tree.users["village_admin"], "assign", assignee=worker)
    db.session.commit()
    before = len(rows())
    sweep(case.feedback_due)  # the feedback step decides the light now
    db.session.rollback()
    assert len(rows()) == before
    sweep(case.feedback_due)
    db.session.commit()
    assert [r.key.split("|")[0] for r in rows("case_light")] == [
        f"case_light:{case.id}:1:feedback:yellow"]
    assert rows("case_light")[0].user_id == worker.id


# ---------------------------------------------------------------- supervision


def test_a_supervision_notice_tells_the_level_that_must_act_urgently(tree, channels):
    """A case escalated to the village goes red unassigned: the village's admins are told (not
    the grid's, not another village's, not town B's), urgently, once however often it sweeps."""
    worker = tree.users["grid_worker"]
    case = _case(tree)
    act(case, worker, "escalate", "需要村里协调")
    other = create_user(username="other_village", password=PASSWORD, role="village_admin",
                        scope=tree.village_a2, display_name="凤南村")
    db.session.commit()
    after = case.assign_due + timedelta(days=1)
    assert sweep(after)["raised"] == 1
    sweep(after)
    db.session.commit()
    assert told("case_supervised") == [("village_admin", "inbox")]
    (row,) = rows("case_supervised")
    assert row.urgent and "督办" in row.subject and case.number in row.body
    assert other.id not in {r.user_id for r in rows()}
    assert tree.users["b_town_admin"].id not in {r.user_id for r in rows()}


def test_a_supervision_notice_tells_the_assignee_too(tree, channels):
    worker = tree.users["grid_worker"]
    case = _case(tree, reporter=tree.users["village_admin"])
    act(case, tree.users["village_admin"], "assign", assignee=worker)
    db.session.commit()
    sweep(case.feedback_due + timedelta(days=1))
    db.session.commit()
    assert told("case_supervised") == [("grid_worker", "inbox")]  # grid level: its worker


# ---------------------------------------------------------------- my report answered


def test_the_resident_who_reported_is_told_once_per_episode(tree, channels):
    resident, admin, worker = (tree.users[r] for r in ("resident", "village_admin", "grid_worker"))
    case = _case(tree, source="resident", reporter=resident)
    act(case, admin, "assign", assignee=worker)
    act(case, worker, "resolve", "已修好")
    act(case, admin, "close", "已回复")  # closed after resolved: the same episode, told once
    db.session.commit()
    (row,) = rows("case_answered")
    assert (row.user_id, row.channel, row.link) == (resident.id, "inbox", f"/my/cases/{case.id}")
    assert case.number in row.body and "评价" in row.body
    act(case, admin, "reopen", "又不亮了")
    act(case, worker, "resolve", "换了灯泡")
    db.session.commit()
    assert [r.key.split("|")[0] for r in rows("case_answered")] == [
        f"case_answered:{case.id}:1", f"case_answered:{case.id}:2"]


def test_a_public_reporter_gets_an_sms_with_the_lookup_link(tree, channels):
    admin, worker = tree.users["village_admin"], tree.users["grid_worker"]
    case = _case(tree, source="public", reporter=None, reporter_name="刘女士",
                 reporter_phone="13900001111")
    act(case, admin, "assign", assignee=worker)
    act(case, worker, "resolve", "已修好")
    db.session.commit()
    (row,) = rows("case_answered")
    assert (row.channel, row.address, row.user_id) == ("sms", "13900001111", None)
    assert "/track" in row.link and case.number in row.link
    assert '"link"' in row.params and case.number in row.params


def test_a_reporter_answered_in_a_rolled_back_transaction_is_not_told(tree, channels):
    admin, worker = tree.users["village_admin"], tree.users["grid_worker"]
    case = _case(tree, source="public", reporter=None, reporter_phone="13900001111")
    act(case, admin, "assign", assignee=worker)
    db.session.commit()
    act(case, worker, "resolve", "已修好")
    db.session.rollback()
    assert rows("case_answered") == []


def test_a_worker_who_handled_their_own_report_on_the_spot_is_not_told(tree, channels):
    _case(tree, handled_on_the_spot="当场调解")
    db.session.commit()
    assert rows("case_answered") == []


# ---------------------------------------------------------------- emergencies


def test_an_emergency_tells_its_towns_dispatchers_urgently(tree, channels):
    _phone(tree.users["town_admin"], "13800000002")
    case = _case(tree, kind="emergency", title="山体滑坡")
    db.session.commit()
    assert told("emergency") == [("town_admin", "inbox"), ("town_admin", "sms"),
                                 ("village_admin", "inbox")]
    assert all(r.urgent and case.number in r.body for r in rows("emergency"))
    # the home page keeps its notice too
    from portal.cases.blueprint import open_emergencies

    assert case in open_emergencies(tree.town_a)


def test_another_towns_emergency_tells_only_that_town(tree, channels):
    _case(tree, grid=tree.grid_b1, kind="emergency", reporter=tree.users["b_grid_worker"])
    db.session.commit()
    assert told("emergency") == [("b_town_admin", "inbox")]


def test_an_ordinary_case_is_no_emergency(tree, channels):
    _case(tree)
    db.session.commit()
    assert rows("emergency") == []


def test_the_dispatcher_who_reported_the_emergency_is_not_told(tree, channels):
    """Town B's only dispatcher reported the emergency: nobody is left to tell."""
    _case(tree, grid=tree.grid_b1, kind="emergency", reporter=tree.users["b_town_admin"])
    db.session.commit()
    assert rows("emergency") == []


def test_each_recipient_reads_their_own_language(tree, channels):
    """The text is fixed when the row is written: a worker reading English gets English, a
    dispatcher's language does not matter."""
    worker = tree.users["grid_worker"]
    worker.locale = "en"
    db.session.commit()
    case = _case(tree, reporter=tree.users["village_admin"])
    act(case, tree.users["village_admin"], "assign", assignee=worker)
    db.session.commit()
    (row,) = rows("case_assigned")
    assert row.subject == f"New case assigned: {case.number}"
    assert "has been assigned to you" in row.body and "路灯不亮" in row.body
