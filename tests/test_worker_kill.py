"""The worker killed mid-delivery: nothing is lost, and no message reaches its recipient twice.

A real `portal worker` (two threads) runs against a SQLite file and the test-only channel of
tests/fixture_plugins/recording_channel.py, which plays a provider taking an idempotency key:
it logs every send's start and end, and hands each message id to the recipient the first time
only. The worker is killed with SIGKILL while sends are in flight (sent to the provider, not yet
marked sent), started again once their lease has run out, and every row ends sent: the rows in
flight were sent a second time with the same message id, which the provider recognised."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from portal import ROOT, create_app
from portal.extensions import db
from portal.notifications.models import Notification
from portal.notifications.outbox import notify

ROWS = 8
LEASE_SECONDS = 2
#: a send's answer takes this long: the worker is killed inside it
SEND_SECONDS = 0.3

pytestmark = pytest.mark.database_independent  # its own SQLite file on either run


def wait_for(condition, seconds: float, what: str, logs: Path, every: float = 0.02):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}\n{logs.read_text()}")


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def test_a_worker_killed_mid_delivery_loses_nothing_and_sends_nothing_twice(tmp_path,
                                                                             monkeypatch):
    instance, provider = tmp_path / "instance", tmp_path / "provider"
    instance.mkdir()
    provider.mkdir()
    database = f"sqlite:///{tmp_path / 'portal.db'}"
    (instance / "config.py").write_text(
        f"SQLALCHEMY_DATABASE_URI = {database!r}\nSECRET_KEY = 'kill-test'\n"
        "PLUGINS_EXTRA = ['tests.fixture_plugins.recording_channel']\n"
        f"PLUGINS_ENTRY_POINTS = False\nNOTIFICATION_LEASE_SECONDS = {LEASE_SECONDS}\n")
    for name in ("PORTAL_DATABASE_URL", "PORTAL_QUEUE_URL", "PORTAL_TEST_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(instance))

    # the outbox, written as the portal writes it; the commit wakes the worker through the
    # queue file in the instance folder (the worker is not running yet: it finds the task)
    app = create_app()
    with app.app_context():
        db.create_all()
        for n in range(ROWS):
            notify("case_assigned", f"case_assigned:{n}", subject="事件分派", body="请处理",
                   direct=[("test", f"1380000{n:04d}")])
        db.session.commit()
        ids = sorted(db.session.scalars(select(Notification.id)))

    def states() -> dict[str, int]:
        with app.app_context():
            found: dict[str, int] = {}
            for state in db.session.scalars(select(Notification.state)):
                found[state] = found.get(state, 0) + 1
            db.session.remove()
            return found

    env = {**os.environ, "PORTAL_INSTANCE_PATH": str(instance), "TEST_CHANNEL_DIR": str(provider),
           "TEST_CHANNEL_SLEEP": str(SEND_SECONDS), "PYTHONPATH": str(ROOT)}
    command = [str(Path(sys.executable).parent / "portal"), "worker", "--workers", "2"]
    logs = tmp_path / "worker.log"
    attempts, delivered = provider / "attempts", provider / "delivered"

    def start():
        with open(logs, "a") as log:
            return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log,
                                    stderr=subprocess.STDOUT)

    def in_flight() -> list[str]:
        started = [line.split()[1] for line in lines(attempts) if line.startswith("start")]
        ended = {line.split()[1] for line in lines(attempts) if line.startswith("end")}
        return [i for i in started if i not in ended]

    first = start()
    try:
        # some sent and marked, some on their way: kill it there
        wait_for(lambda: len([x for x in lines(attempts) if x.startswith("end")]) >= 2
                 and in_flight(), 30, "sends in flight", logs)
        first.send_signal(signal.SIGKILL)
        first.wait(5)
    finally:
        if first.poll() is None:
            first.kill()
    killed_mid_send = in_flight()
    assert killed_mid_send, "the kill came between two sends: nothing was in flight"
    left = states()
    assert left.get("sending", 0) >= 1 and left.get("sent", 0) >= 1, left
    assert sum(left.values()) == ROWS

    time.sleep(LEASE_SECONDS + 0.2)  # what the killed worker held is due again
    second = start()
    try:
        # (read now and then: each look holds SQLite's read lock a moment)
        wait_for(lambda: states() == {"sent": ROWS}, 30, "every row sent", logs, every=0.25)
    finally:
        second.send_signal(signal.SIGINT)
        try:
            second.wait(10)
        except subprocess.TimeoutExpired:
            second.kill()

    # none lost, none received twice
    assert sorted(map(int, lines(delivered))) == ids
    # the only second sends are of the messages in flight when the worker died: the window
    # between the provider's answer and the sent mark, closed by the message id
    sends = [line.split()[1] for line in lines(attempts) if line.startswith("start")]
    resent = sorted({i for i in sends if sends.count(i) > 1})
    assert resent == sorted(set(killed_mid_send))
    assert len(sends) == ROWS + len(resent)
