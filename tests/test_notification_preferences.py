"""One's own notification choices (/me/notifications) and what they do to notify(): the channels
chosen per event (only those one has an address on), the defaults, quiet hours."""
from datetime import datetime

import pytest

from portal.extensions import db
from portal.notifications.models import Notification
from portal.notifications.outbox import notify
from portal.notifications.preferences import channels_for, quiet_until, save_choices
from portal.timeutil import to_utc


@pytest.fixture
def app_config(app_config):
    # e-mail on (a server that is never reached: nothing is delivered in these tests)
    return {**app_config, "MAIL_SERVER": "127.0.0.1", "SMS_PROVIDER": "log"}


@pytest.fixture
def worker(tree):
    user = tree.users["grid_worker"]
    user.phone, user.email = "13900001111", "worker@example.cn"
    db.session.commit()
    return user


def _rows(user, key):
    return {row.channel: row for row in db.session.scalars(db.select(Notification).where(
        Notification.user_id == user.id, Notification.key.startswith(key + "|")))}


def test_defaults_inbox_always_email_sms_for_urgent_events_only(worker):
    assert channels_for(worker, "case_assigned") == ["inbox", "email"]
    assert set(channels_for(worker, "emergency")) == {"inbox", "email", "sms"}


def test_a_channel_without_an_address_is_never_used(worker):
    worker.phone = None
    assert "sms" not in channels_for(worker, "emergency")


def test_the_page_shows_a_channel_without_address_disabled_with_why(client, tree):
    client.login("grid_worker")  # no phone, no e-mail
    page = client.get("/me/notifications").get_data(as_text=True)
    assert "未填写手机号" in page and "未填写电子邮箱" in page
    assert 'name="c-case_assigned" value="sms"' not in page


def test_choices_are_saved_and_steer_notify(client, worker):
    client.login("grid_worker")
    response = client.post("/me/notifications", data={
        "c-case_assigned": ["sms"], "c-emergency": ["email", "sms"], "quiet_from": "",
        "quiet_to": ""})
    assert response.status_code == 302
    assert channels_for(worker, "case_assigned") == ["inbox", "sms"]
    assert channels_for(worker, "daily_digest") == ["inbox"]  # nothing ticked: the inbox only
    notify("case_assigned", "k:1", subject="s", body="b", users=[worker])
    assert set(_rows(worker, "k:1")) == {"inbox", "sms"}
    page = client.get("/me/notifications").get_data(as_text=True)
    assert 'name="c-case_assigned" value="sms" checked' in page
    assert 'name="c-case_assigned" value="email" >' in page


def test_a_forged_channel_or_one_without_address_is_not_kept(client, worker):
    worker.phone = None
    db.session.commit()
    client.login("grid_worker")
    client.post("/me/notifications", data={"c-case_assigned": ["sms", "nonsense", "email"]})
    assert channels_for(worker, "case_assigned") == ["inbox", "email"]


@pytest.mark.parametrize("start, end, field, message", [
    ("25:00", "07:00", "quiet_from", "请按“时:分”填写"),
    ("22:00", "", "quiet_to", "请同时填写开始和结束时间"),
    ("22:00", "22:00", "quiet_to", "不能相同"),
])
def test_bad_quiet_hours_are_refused_next_to_the_field(client, worker, start, end, field,
                                                       message):
    client.login("grid_worker")
    response = client.post("/me/notifications", data={"quiet_from": start, "quiet_to": end})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field}-errors"' in page and message in page


def test_quiet_hours_delay_non_urgent_rows_but_not_the_inbox_nor_urgent_ones(worker,
                                                                              monkeypatch):
    save_choices(worker, {"case_assigned": ["email"], "emergency": ["email"]}, "22:00", "7:00")
    db.session.commit()
    late = to_utc(datetime(2026, 12, 1, 23, 30))
    monkeypatch.setattr("portal.notifications.outbox.utcnow", lambda: late)
    notify("case_assigned", "k:1", subject="s", body="b", users=[worker])
    notify("emergency", "k:2", subject="s", body="b", users=[worker], urgent=True)
    rows = _rows(worker, "k:1")
    assert rows["email"].next_attempt_at == to_utc(datetime(2026, 12, 2, 7, 0))
    assert rows["inbox"].state == "sent"
    assert _rows(worker, "k:2")["email"].next_attempt_at == late


def test_quiet_hours_within_one_day(worker):
    save_choices(worker, {}, "12:00", "14:00")
    assert quiet_until(worker.id, to_utc(datetime(2026, 12, 1, 13, 0))) == to_utc(
        datetime(2026, 12, 1, 14, 0))
    assert quiet_until(worker.id, to_utc(datetime(2026, 12, 1, 14, 0))) is None
