"""The day before an activity its volunteers are reminded (plugins/volunteers/reminders.py,
through the ``scheduled_notifications`` hook): once per activity and volunteer however often the
worker's round runs, the login in the portal, a volunteer without one by SMS, nobody who
cancelled, nothing in a town where the module is off."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from plugins.volunteers import services
from portal.extensions import db
from portal.notifications.messages import Channel
from portal.notifications.models import Notification
from portal.plugins import host

SMS = Channel("sms", "短信", address_of=lambda user: user.phone or None, default=True)


@pytest.fixture
def sms(app, monkeypatch):
    """The inbox and an SMS channel, whatever the deployment configures."""
    from portal.notifications import channels, outbox, preferences
    from portal.notifications.channels import INBOX

    for module in (channels, outbox, preferences):
        if hasattr(module, "all_channels"):
            monkeypatch.setattr(module, "all_channels", lambda: {INBOX.name: INBOX, "sms": SMS})


def told():
    return [(row.user_id, row.address, row.channel) for row in db.session.scalars(
        select(Notification).where(Notification.event == "volunteers_activity")
        .order_by(Notification.id))]


def _round(town, now):
    """What the worker's periodic round does for one town."""
    host().hook(town, "scheduled_notifications")(town=town, now=now)


def test_the_volunteers_signed_up_are_reminded_once_the_day_before(vol, sms):
    vol.other.phone = "13900002222"  # a volunteer without a login, with a phone
    services.sign_up(vol.activity, vol.leader)
    services.sign_up(vol.activity, vol.other)
    db.session.commit()
    day_before = vol.activity.starts_at - timedelta(days=1)
    for _ in range(2):
        _round(vol.tree.town_a, day_before)
        db.session.commit()
    resident = vol.tree.users["resident"]
    assert told() == [(resident.id, None, "inbox"), (None, "13900002222", "sms")]
    row = db.session.scalar(select(Notification).where(Notification.channel == "inbox"))
    assert "清扫村道" in row.subject and "村口" in row.body
    assert row.link == f"/volunteers/activities/{vol.activity.id}"
    assert row.key.startswith(f"volunteers_activity:{vol.activity.id}:{vol.leader.id}|")


def test_no_reminder_before_nine_the_day_before_nor_two_days_ahead(vol, sms):
    services.sign_up(vol.activity, vol.leader)
    db.session.commit()
    from portal.timeutil import to_local, to_utc

    local_start = to_local(vol.activity.starts_at)
    early = to_utc((local_start - timedelta(days=1)).replace(hour=7, minute=0))
    _round(vol.tree.town_a, early)
    _round(vol.tree.town_a, vol.activity.starts_at - timedelta(days=2))
    db.session.commit()
    assert told() == []


def test_a_cancelled_sign_up_or_activity_is_not_reminded(vol, sms):
    signup = services.sign_up(vol.activity, vol.leader)
    services.cancel(signup)
    db.session.commit()
    _round(vol.tree.town_a, vol.activity.starts_at - timedelta(days=1))
    db.session.commit()
    assert told() == []


def test_a_round_rolled_back_leaves_nothing_and_a_town_without_the_module_is_not_asked(vol, sms):
    from portal.modules.services import set_module

    services.sign_up(vol.activity, vol.leader)
    db.session.commit()
    day_before = vol.activity.starts_at - timedelta(days=1)
    _round(vol.tree.town_a, day_before)
    db.session.rollback()
    assert told() == []
    set_module(vol.tree.town_a, "volunteers", False)
    db.session.commit()
    _round(vol.tree.town_a, day_before)  # switched off: nobody answers the hook
    db.session.commit()
    assert told() == []
