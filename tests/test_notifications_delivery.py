"""The outbox's delivery (portal.notifications.delivery): claims no two workers share, retries
with backoff, giving up, a killed worker's row taken again after its lease, and rows that roll
back with the caller's transaction never sent."""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.notifications import delivery
from portal.notifications.delivery import backoff, claim, deliver_due, describe
from portal.notifications.messages import PermanentError
from portal.notifications.models import Notification
from portal.notifications.outbox import notify
from portal.timeutil import utcnow
from tests.fixture_plugins import recording_channel

CHANNEL = "tests.fixture_plugins.recording_channel"


@pytest.fixture
def plugins_extra():
    return [CHANNEL]


@pytest.fixture(autouse=True)
def sent():
    recording_channel.SENT.clear()
    yield recording_channel.SENT
    recording_channel.SENT.clear()


def write(key="case_assigned:1", phone="13800000001", **kwargs):
    """One row for the test channel, committed."""
    written = notify("case_assigned", key, subject="事件分派", body="请处理", users=(),
                     direct=[("test", phone)], **kwargs)
    db.session.commit()
    return written


def rows():
    db.session.expire_all()
    return db.session.scalars(select(Notification).order_by(Notification.id)).all()


def test_a_due_row_is_sent_once_with_its_id_as_the_message_id(app, sent):
    write()
    assert deliver_due() == {"sent": 1, "failed": 0, "dead": 0}
    row, = rows()
    assert (row.state, row.attempts, row.claimed_until) == ("sent", 0, None)
    assert row.sent_at is not None
    assert sent == [(row.id, "13800000001")]
    assert deliver_due() == {"sent": 0, "failed": 0, "dead": 0}
    assert len(sent) == 1


def test_the_same_event_written_twice_is_one_row(app, sent):
    assert write() == 1
    assert write() == 0  # a retried request, a sweep run twice: nothing more
    assert len(rows()) == 1
    deliver_due()
    assert len(sent) == 1


def test_rows_rolled_back_with_the_callers_change_are_never_delivered(app, sent):
    notify("case_assigned", "k", subject="s", body="b", direct=[("test", "13800000001")])
    db.session.rollback()
    assert deliver_due()["sent"] == 0
    assert rows() == [] and sent == []


def test_a_failure_is_retried_with_backoff(app, sent):
    app.config["TEST_CHANNEL"] = ConnectionError("provider down")
    write()
    now = utcnow()
    assert deliver_due(now=now)["failed"] == 1
    row, = rows()
    assert (row.state, row.attempts, row.last_error) == ("failed", 1,
                                                         "ConnectionError: provider down")
    assert now + timedelta(minutes=1) <= row.next_attempt_at <= now + timedelta(minutes=1.1)
    assert deliver_due(now=now + timedelta(seconds=30))["failed"] == 0  # not due yet
    app.config["TEST_CHANNEL"] = None
    assert deliver_due(now=now + timedelta(minutes=2))["sent"] == 1
    row, = rows()
    assert row.state == "sent" and len(sent) == 1


def test_backoff_doubles_up_to_six_hours():
    assert timedelta(minutes=1) <= backoff(1) <= timedelta(minutes=1.1)
    assert timedelta(minutes=8) <= backoff(4) <= timedelta(minutes=8.8)
    assert timedelta(hours=6) <= backoff(30) <= timedelta(hours=6.6)


def test_a_row_is_given_up_after_the_maximum_attempts(app, sent):
    app.config.update(TEST_CHANNEL=TimeoutError("timed out"), NOTIFICATION_MAX_ATTEMPTS=3)
    write()
    now = utcnow()
    outcomes = []
    for _ in range(5):
        now += timedelta(hours=7)  # past any backoff
        counts = deliver_due(now=now)
        outcomes.append("dead" if counts["dead"] else "failed" if counts["failed"] else "-")
    assert outcomes == ["failed", "failed", "dead", "-", "-"]
    row, = rows()
    assert (row.state, row.attempts, row.last_error) == ("dead", 3, "TimeoutError: timed out")


def test_a_permanent_error_gives_up_at_once(app, sent):
    app.config["TEST_CHANNEL"] = PermanentError("号码不存在")
    write()
    assert deliver_due()["dead"] == 1
    row, = rows()
    assert (row.state, row.attempts, row.last_error) == ("dead", 1, "PermanentError: 号码不存在")


def test_a_row_no_channel_answers_for_is_dead(app, sent):
    write()
    row, = rows()
    row.channel = "gone"  # the plugin that offered it was removed
    db.session.commit()
    assert deliver_due()["dead"] == 1
    assert rows()[0].last_error == delivery.NO_CHANNEL


def test_a_deactivated_recipient_is_not_sent_to(app, tree, sent):
    worker = tree.users["grid_worker"]
    worker.phone = "13900000002"
    notify("case_assigned", "k", subject="s", body="b", users=[worker])
    worker.is_active_flag = False
    db.session.commit()
    assert deliver_due()["dead"] == 1
    test_row, = [r for r in rows() if r.channel == "test"]
    assert test_row.last_error == delivery.INACTIVE and sent == []


def test_inbox_rows_are_never_delivered_by_the_worker(app, tree, sent):
    notify("case_assigned", "k", subject="s", body="b", users=[tree.users["grid_worker"]])
    db.session.commit()
    inbox, = rows()
    assert (inbox.channel, inbox.state) == ("inbox", "sent")
    assert claim() == [] and deliver_due()["sent"] == 0


def test_a_claimed_row_is_not_claimed_again_until_its_lease_runs_out(app, sent):
    """A worker killed after claiming leaves the row in 'sending': nobody takes it while the
    lease runs, anybody may once it has run out."""
    write()
    now = utcnow()
    first = claim(now)
    assert len(first) == 1 and rows()[0].state == "sending"
    assert claim(now) == []
    lease = timedelta(seconds=app.config["NOTIFICATION_LEASE_SECONDS"])
    assert claim(now + lease - timedelta(seconds=1)) == []
    assert claim(now + lease + timedelta(seconds=2)) == first  # the killed worker's row
    assert deliver_due(now=now + lease * 3)["sent"] == 1  # ... and its lease too
    assert rows()[0].state == "sent"


def test_a_worker_whose_lease_ran_out_does_not_overwrite_the_next_ones_outcome(app, sent):
    write()
    now = utcnow()
    row_id, = claim(now)
    slow_lease = rows()[0].claimed_until
    lease = timedelta(seconds=app.config["NOTIFICATION_LEASE_SECONDS"])
    assert claim(now + lease + timedelta(seconds=2)) == [row_id]  # a second worker took it
    delivery._finish(row_id, slow_lease, "failed", "late", now)  # the slow one answers late
    row, = rows()
    assert row.state == "sending" and row.claimed_until != slow_lease and row.attempts == 0


def test_two_claimers_never_get_the_same_row(app, sent):
    """Four workers (each its own session and connection) claim at once: every row is claimed
    by exactly one. On PostgreSQL the claims really race (SKIP LOCKED and the re-checked
    condition); on SQLite they queue for the write lock."""
    for n in range(40):
        notify("case_assigned", f"k{n}", subject="s", body="b",
               direct=[("test", f"1380000{n:04d}")])
    db.session.commit()
    claimed: list[list[int]] = [[] for _ in range(4)]
    errors: list[BaseException] = []
    start = threading.Barrier(4)
    now = utcnow()

    def worker(mine):
        try:
            with app.app_context():
                start.wait()
                while ids := claim(now, limit=3):
                    mine.extend(ids)
        except BaseException as error:  # pragma: no cover - shown below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(c,)) for c in claimed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    every = [row_id for mine in claimed for row_id in mine]
    assert len(every) == len(set(every)) == 40
    assert db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.state == "sending")) == 40


def test_an_error_kept_for_admins_holds_no_secret_and_no_address():
    error = RuntimeError("POST https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc-123 "
                         "for 13812345678 failed")
    text = describe(error, "13812345678")
    assert "abc-123" not in text and "13812345678" not in text
    assert text == ("RuntimeError: POST https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=*** "
                    "for *** failed")
    assert len(describe(RuntimeError("x" * 2000))) == 500


def test_retry_sends_a_dead_row_again(app, sent):
    app.config["TEST_CHANNEL"] = PermanentError("template refused")
    write()
    deliver_due()
    row, = rows()
    assert row.state == "dead"
    app.config["TEST_CHANNEL"] = None
    assert delivery.retry(row) is True
    db.session.commit()
    assert (row.state, row.attempts) == ("pending", 0)
    assert deliver_due()["sent"] == 1
    row, = rows()
    assert row.state == "sent"
    assert delivery.retry(row) is False  # sent: nothing to retry
