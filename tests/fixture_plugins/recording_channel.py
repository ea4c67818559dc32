"""A notification channel for the tests only ("test"): loaded where a test lists it in
PLUGINS_EXTRA (in process, or in a worker's instance/config.py), never in production.

In process, a test decides each send through ``app.config["TEST_CHANNEL"]``: None sends (the
message is appended to SENT), an exception is raised, a callable is called with the message.

In a worker process (the kill test), ``TEST_CHANNEL_DIR`` in the environment names a folder
where the channel plays a provider that takes an idempotency key, as SMS services do:
``attempts`` gets "start <id>" and "end <id>" around every send (which sleeps
``TEST_CHANNEL_SLEEP`` seconds in between: the worker is killed there), ``delivered`` gets each
message id the first time only — what the recipient receives.
"""
import os
import time
from pathlib import Path

from flask import current_app

from portal import hookimpl
from portal.notifications.messages import Channel

#: (message id, recipient address) of every in-process send
SENT: list[tuple] = []
#: the towns whose scheduled notifications the worker's round asked for
SCHEDULED: list[str] = []


@hookimpl
def plugin_info():
    return {"label": "测试通道", "description": "仅用于测试的通知通道"}


@hookimpl
def notification_channels():
    return [Channel("test", "测试通道", address_of=lambda user: user.phone, default=True)]


@hookimpl
def send_notification(channel, recipient, message):
    if channel != "test":
        return None
    folder = os.environ.get("TEST_CHANNEL_DIR")
    if folder:
        return _provider(Path(folder), message)
    outcome = current_app.config.get("TEST_CHANNEL")
    if isinstance(outcome, BaseException):
        raise outcome
    if callable(outcome):
        return outcome(message)
    SENT.append((message.id, recipient.address))
    return True


@hookimpl
def scheduled_notifications(town, now):
    SCHEDULED.append(town.code)


def _provider(folder: Path, message) -> bool:
    def append(name: str, line: str) -> None:
        with open(folder / name, "a") as file:
            file.write(line + "\n")
            file.flush()
            os.fsync(file.fileno())

    append("attempts", f"start {message.id}")
    delivered = folder / "delivered"
    seen = delivered.read_text().split() if delivered.exists() else []
    if str(message.id) not in seen:  # the provider recognises a message id it has had
        append("delivered", str(message.id))
    time.sleep(float(os.environ.get("TEST_CHANNEL_SLEEP", "0")))  # the answer on its way back
    append("attempts", f"end {message.id}")
    return True
