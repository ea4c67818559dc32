"""The background worker (portal.worker): its queue from the configuration, woken after a
commit that wrote notifications, and its periodic tasks (the case sweep, the modules' scheduled
notifications, the daily digests)."""
import socket
from datetime import datetime
from types import SimpleNamespace

import pytest
from huey import MemoryHuey, RedisHuey, SqliteHuey
from sqlalchemy import select

from portal.extensions import db
from portal.modules.services import set_module
from portal.notifications import digest
from portal.notifications.models import Notification
from portal.notifications.outbox import notify
from portal.settings import get_setting, set_setting
from portal.timeutil import local_today
from portal.worker import queue, storage_for, task
from tests.fixture_plugins import recording_channel

CHANNEL = "tests.fixture_plugins.recording_channel"


@pytest.fixture
def plugins_extra():
    return [CHANNEL]


def fake_app(tmp_path, url, testing=False):
    return SimpleNamespace(config={"QUEUE_URL": url}, testing=testing,
                           instance_path=str(tmp_path / "instance"))


def test_the_queue_follows_the_configuration(tmp_path):
    cls, options = storage_for(fake_app(tmp_path, None))
    assert cls is SqliteHuey and options["filename"] == str(tmp_path / "instance" / "queue.db")
    assert storage_for(fake_app(tmp_path, "redis://127.0.0.1:6379/3")) == (
        RedisHuey, {"url": "redis://127.0.0.1:6379/3"})
    assert storage_for(fake_app(tmp_path, None, testing=True)) == (MemoryHuey, {})
    assert storage_for(fake_app(tmp_path, "immediate")) == (MemoryHuey, {"immediate": True})
    with pytest.raises(ValueError, match="QUEUE_URL"):
        storage_for(fake_app(tmp_path, "amqp://rabbit"))


def _write(**kwargs):
    return notify("case_assigned", "k", subject="s", body="b", **kwargs)


def test_a_commit_that_wrote_notifications_wakes_the_worker(app, tree):
    huey = queue(app)
    _write(direct=[("test", "13800000001")])
    assert huey.pending_count() == 0  # not before the commit: the rows may yet roll back
    db.session.commit()
    assert [t.name for t in huey.pending()] == ["deliver"]


def test_a_rollback_or_inbox_rows_alone_wake_nobody(app, tree):
    huey = queue(app)
    _write(direct=[("test", "13800000001")])
    db.session.rollback()
    db.session.commit()
    _write(users=[tree.users["grid_worker"]])  # the inbox only: written is delivered
    db.session.commit()
    assert huey.pending_count() == 0


def test_immediate_mode_delivers_right_after_the_commit(app, tree):
    """QUEUE_URL=immediate (development without a worker): the round runs in its own app
    context, and so its own session, once the caller's commit is done."""
    app.config["QUEUE_URL"] = "immediate"
    recording_channel.SENT.clear()
    _write(direct=[("test", "13800000001")])
    db.session.commit()
    row = db.session.scalar(select(Notification))
    db.session.refresh(row)
    assert row.state == "sent" and recording_channel.SENT == [(row.id, "13800000001")]
    recording_channel.SENT.clear()


def _redis_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_answers(), reason="no Redis on 127.0.0.1:6379")
def test_a_redis_queue_takes_the_wake(app, tree):
    app.config["QUEUE_URL"] = "redis://127.0.0.1:6379/15"
    huey = queue(app)
    assert isinstance(huey, RedisHuey)
    huey.flush()
    try:
        _write(direct=[("test", "13800000001")])
        db.session.commit()
        assert [t.name for t in huey.pending()] == ["deliver"]
    finally:
        huey.flush()


def test_an_unreachable_queue_loses_nothing(app, tree, caplog):
    app.config["QUEUE_URL"] = "redis://127.0.0.1:1/0"  # nobody answers there
    _write(direct=[("test", "13800000001")])
    db.session.commit()  # the commit stands; the next periodic round delivers
    assert db.session.scalar(select(Notification.state)) == "pending"
    assert "could not wake the worker" in caplog.text


def test_the_periodic_tasks_are_scheduled(app):
    huey = queue(app)
    periodic = {t.name: t for t in huey._registry.periodic_tasks}
    assert set(periodic) == {"deliver", "sweep", "scheduled", "digests", "months"}
    assert periodic["months"].validate_datetime(datetime(2026, 12, 1, 1, 10))
    assert not periodic["months"].validate_datetime(datetime(2026, 12, 1, 2, 10))
    minute, quarter = datetime(2026, 12, 1, 8, 1), datetime(2026, 12, 1, 8, 15)
    assert periodic["deliver"].validate_datetime(minute)
    assert not periodic["sweep"].validate_datetime(minute)
    assert periodic["sweep"].validate_datetime(quarter)


def test_the_deliver_task_delivers(app, tree):
    recording_channel.SENT.clear()
    _write(direct=[("test", "13800000001")])
    db.session.commit()
    assert task("deliver").call_local() == {"sent": 1, "failed": 0, "dead": 0}
    recording_channel.SENT.clear()


def test_the_sweep_task_runs_the_case_sweep(app, tree, monkeypatch):
    calls = []
    monkeypatch.setattr("portal.cases.services.sweep",
                        lambda: calls.append(1) or {"raised": 0, "settled": 0})
    assert task("sweep").call_local() == {"raised": 0, "settled": 0}
    assert calls == [1]


def test_the_scheduled_round_asks_the_towns_where_the_module_is_on(app, tree):
    set_module(tree.town_a, "recording_channel", True)
    db.session.commit()
    recording_channel.SCHEDULED.clear()
    assert task("scheduled").call_local() == 2  # both towns asked ...
    assert recording_channel.SCHEDULED == [tree.town_a.code]  # ... the module answers in A


# ---------------------------------------------------------------- the daily digest


@pytest.fixture
def today_lists(monkeypatch):
    """The grid worker and town A's admin have something to do today; nobody else."""
    def as_text(user, base_url=""):
        if user.username in ("grid_worker", "town_admin"):
            return f"今日工作\n· 待走访 3 {base_url}/visits/"
        return ""

    monkeypatch.setattr("portal.today.listing.as_text", as_text)


def digests():
    return db.session.scalars(select(Notification).where(Notification.event == "daily_digest")
                              .order_by(Notification.key)).all()


def test_digests_go_to_the_staff_with_something_to_do_once_a_day(app, tree, today_lists):
    app.config["PUBLIC_BASE_URL"] = "https://wgt.example.cn"
    today = local_today()
    assert digest.write_digests(tree.town_a, today) == 2
    db.session.commit()
    rows = digests()
    assert {r.user.username for r in rows} == {"grid_worker", "town_admin"}
    assert {r.channel for r in rows} == {"inbox"}  # nobody here has a phone
    assert rows[0].key.startswith(f"digest:{today.isoformat()}:")
    assert "https://wgt.example.cn/visits/" in rows[0].body
    assert rows[0].subject == f"今日工作 {today.isoformat()}"
    assert get_setting(tree.town_a, digest.WRITTEN_SETTING, None) == today.isoformat()
    assert digest.write_digests(tree.town_a, today) == 0  # a second run adds nothing


def test_the_digest_waits_for_the_towns_time(app, tree, today_lists):
    set_setting(tree.town_a, digest.TIME_SETTING, "18:00")
    db.session.commit()
    morning = datetime.combine(local_today(), datetime.min.time()).replace(hour=8)
    evening = morning.replace(hour=18, minute=1)
    assert [t.code for t in digest.due_towns(morning)] == [tree.town_b.code]  # 07:30 default
    assert {t.code for t in digest.due_towns(evening)} == {tree.town_a.code, tree.town_b.code}


def test_the_digest_round_writes_each_town_once(app, tree, today_lists, monkeypatch):
    for town in (tree.town_a, tree.town_b):
        set_setting(town, digest.TIME_SETTING, "00:00")  # due whenever the test runs
    db.session.commit()
    assert task("digests").call_local() == 2
    assert task("digests").call_local() == 0  # both towns done for today
    assert len(digests()) == 2


def test_a_digest_time_that_is_no_time_falls_back_to_the_default(app, tree):
    set_setting(tree.town_a, digest.TIME_SETTING, "25:99")
    assert digest.digest_time(tree.town_a) == "07:30"
    assert digest.parse_clock("7:05").minute == 5 and digest.parse_clock("x") is None


def test_the_worker_command_is_registered(app):
    assert {"worker", "notifications"} <= set(app.cli.commands)


def test_digests_read_the_today_list(app, tree):
    """With portal.today's own list, in the worker (no request of its own): the town's admin
    has the unstaffed grids of the tree to see to, at least."""
    assert digest.write_digests(tree.town_a, local_today()) >= 1
    db.session.commit()
    rows = digests()
    assert rows and all(r.body.startswith(f"今日工作 {local_today().isoformat()}") for r in rows)
