"""Delivering the outbox: claim due rows, hand each to its channel, record what happened.

A row goes pending → sending (claimed) → sent, or → failed (retried later with backoff) → ...
→ dead (given up: too many attempts, a permanent error, no channel). Each step is committed on
its own, in this order:

1. the claim: one conditional UPDATE sets ``state='sending'`` and a lease (``claimed_until``)
   on a due row and returns it — only if the row is still due when the UPDATE runs, so of two
   workers racing for it exactly one gets it (PostgreSQL re-checks the condition on the locked
   row and the subquery skips rows another worker has locked; SQLite runs one writer at a
   time). The claim is committed before anything is sent;
2. the channel is called (``send_notification`` hook) with the row's id as ``message.id``;
3. the outcome is committed at once, for that row alone.

A worker killed between 1 and 3 leaves its row in ``sending``; once the lease has passed the row
is due again and another round sends it again. That window — sent but not yet marked — is the
only place a message could go out twice, and the channel is given ``message.id`` to close it:
a service that takes an idempotency key (an SMS service's out id, an e-mail's Message-ID)
recognises the second send. The in-portal inbox is never delivered here: its row is the
message (written is delivered).
"""
from __future__ import annotations

import json
import logging
import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import and_, or_, select, update

from portal.extensions import db
from portal.notifications.messages import Message, PermanentError, Recipient
from portal.notifications.models import Notification
from portal.timeutil import utcnow

log = logging.getLogger(__name__)

#: The first retry waits this long; each later one twice the one before...
FIRST_RETRY = timedelta(minutes=1)
#: ...up to this.
LONGEST_RETRY = timedelta(hours=6)
#: What is kept of an error (the column's width).
ERROR_WIDTH = 500

#: Why a row was given up without a channel's word (shown to admins as they are: codes).
NO_CHANNEL = "no channel"
INACTIVE = "recipient inactive"


@dataclass
class Counts:
    """What one round did."""

    sent: int = 0
    failed: int = 0
    dead: int = 0

    @property
    def total(self) -> int:
        return self.sent + self.failed + self.dead

    def as_dict(self) -> dict[str, int]:
        return {"sent": self.sent, "failed": self.failed, "dead": self.dead}


def _due(now: datetime):
    """The rows a worker may take at ``now``: waiting or failed and due, or claimed by a worker
    whose lease has run out (killed mid-delivery). Never the inbox (written is delivered)."""
    return and_(Notification.channel != "inbox", or_(
        and_(Notification.state.in_(("pending", "failed")), Notification.next_attempt_at <= now),
        and_(Notification.state == "sending", Notification.claimed_until < now)))


def claim(now: datetime | None = None, limit: int = 1) -> list[int]:
    """Claim up to ``limit`` due rows for this worker and commit the claim; their ids, oldest
    due first. Safe with any number of workers on either database: see the module's doc."""
    now = now or utcnow()
    lease = timedelta(seconds=current_app.config["NOTIFICATION_LEASE_SECONDS"])
    # random microseconds make each claim's claimed_until its own: the mark after sending
    # names it, so a worker whose lease ran out (and whose row was claimed again) cannot
    # overwrite what the second worker recorded
    until = now + lease + timedelta(microseconds=random.randint(0, 999_999))
    candidates = (select(Notification.id).where(_due(now))
                  .order_by(Notification.next_attempt_at, Notification.id).limit(limit)
                  .with_for_update(skip_locked=True))  # PostgreSQL; SQLite renders nothing
    claimed = db.session.execute(
        update(Notification)
        .where(Notification.id.in_(candidates.scalar_subquery()), _due(now))
        .values(state="sending", claimed_until=until)
        .returning(Notification.id)
        .execution_options(synchronize_session=False)).scalars().all()
    db.session.commit()
    return sorted(claimed)


def deliver_due(limit: int = 100, now: datetime | None = None) -> dict[str, int]:
    """One round: deliver up to ``limit`` due rows, one at a time (a killed worker leaves one
    row in doubt, not a batch). Returns the counts of sent, failed and dead. Call it with no
    transaction of the caller's open: it commits."""
    counts = Counts()
    for _ in range(limit):
        ids = claim(now)
        if not ids:
            break
        outcome = deliver_one(ids[0], now)
        setattr(counts, outcome, getattr(counts, outcome) + 1)
    if counts.total:
        log.info("notifications delivered: %s", counts.as_dict())
    return counts.as_dict()


def deliver_one(row_id: int, now: datetime | None = None) -> str:
    """Deliver the claimed row ``row_id`` and record the outcome: "sent", "failed" or "dead"."""
    from portal.plugins import host

    row = db.session.get(Notification, row_id)
    if row is None or row.state != "sending":
        return "failed"  # not ours (cannot happen after claim(); kept honest)
    lease = row.claimed_until
    recipient = _recipient(row)
    if recipient is None:
        return _finish(row_id, lease, "dead", INACTIVE, now)
    try:
        answer = host().pm.hook.send_notification(channel=row.channel, recipient=recipient,
                                                  message=_message(row))
    except PermanentError as error:
        return _finish(row_id, lease, "dead", describe(error, row.address), now)
    except Exception as error:  # a channel's fault never stops the round
        log.warning("notification %s on %s failed: %s", row_id, row.channel,
                    describe(error, row.address))
        return _finish(row_id, lease, "failed", describe(error, row.address), now)
    if answer is None:
        return _finish(row_id, lease, "dead", NO_CHANNEL, now)
    return _finish(row_id, lease, "sent", None, now)


def _message(row: Notification) -> Message:
    return Message(event=row.event, subject=row.subject, body=row.body, link=row.link,
                   params=json.loads(row.params) if row.params else {}, urgent=row.urgent,
                   id=row.id)


def _recipient(row: Notification) -> Recipient | None:
    """The row's recipient; None for a user no longer active (nobody to tell)."""
    user = row.user
    if user is None:
        return Recipient(address=row.address)
    if not user.is_active:
        return None
    return Recipient(user_id=user.id, name=user.display_name, address=row.address,
                     locale=user.locale)


def _finish(row_id: int, lease: datetime | None, outcome: str, error: str | None,
            now: datetime | None) -> str:
    """Record ``outcome`` of this worker's attempt and commit it, only while the row is still
    this worker's claim (its lease unchanged)."""
    db.session.rollback()  # nothing of the channel's may ride along on this commit
    now = now or utcnow()
    values: dict[str, Any] = {"state": outcome, "claimed_until": None}
    if outcome == "sent":
        values.update(sent_at=utcnow())
    else:
        row = db.session.get(Notification, row_id)
        attempts = (row.attempts if row is not None else 0) + 1
        values.update(attempts=attempts, last_error=(error or "")[:ERROR_WIDTH])
        if outcome == "failed":
            if attempts >= current_app.config["NOTIFICATION_MAX_ATTEMPTS"]:
                values["state"] = outcome = "dead"
            else:
                values["next_attempt_at"] = now + backoff(attempts)
    db.session.execute(
        update(Notification)
        .where(Notification.id == row_id, Notification.state == "sending",
               Notification.claimed_until == lease)
        .values(**values).execution_options(synchronize_session=False))
    db.session.commit()
    return outcome


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failure: 1, 2, 4 ... minutes, at most six
    hours, each stretched by up to a tenth at random so that rows failed together (a provider
    down for an hour) do not all come back in the same second."""
    wait = min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)
    return wait * (1 + random.random() / 10)


#: name=value pairs that may carry a secret in an error (a robot's webhook key, a signature)
SECRET_PARAMETER = re.compile(
    r"(?i)\b(key|token|secret|password|passwd|signature|sign|access_?key\w*)=([^&\s'\"]+)")


def describe(error: BaseException, address: str | None = None) -> str:
    """An error as kept in ``last_error`` and shown to admins: its kind and message, secrets in
    URLs blanked, the recipient's address left out (the row names it, masked where shown)."""
    text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    text = SECRET_PARAMETER.sub(lambda m: f"{m.group(1)}=***", text)
    if address:
        text = text.replace(address, "***")
    return text[:ERROR_WIDTH]


def retry(row: Notification) -> bool:
    """Send a failed or dead row again at once (an admin's 重试): a fresh count of attempts,
    the last error kept until the next attempt replaces it. False when the row is neither
    failed nor dead any more (a worker took it meanwhile): nothing is changed."""
    from portal.notifications.outbox import WAKE

    changed: Any = db.session.execute(
        update(Notification)
        .where(Notification.id == row.id, Notification.state.in_(("failed", "dead")))
        .values(state="pending", attempts=0, next_attempt_at=utcnow(), claimed_until=None)
        .execution_options(synchronize_session=False))
    db.session.refresh(row)
    if not changed.rowcount:
        return False
    db.session.info[WAKE] = True
    return True
