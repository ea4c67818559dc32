"""Writing notifications: in the caller's transaction, once per event instance.

The caller names the event instance with a key (``case_assigned:42:3`` — the case, the episode,
the assignee ...); each row's key adds the channel and the recipient, and the key is unique, so
writing the same event twice (a retried request, a sweep run twice, two workers) adds nothing.
Nothing is sent here: the rows commit or roll back with the change that caused them, and the
worker delivers what committed (the inbox rows are delivered by being written).
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite

from portal.extensions import db
from portal.notifications.channels import all_channels
from portal.notifications.models import Notification
from portal.notifications.preferences import channels_for, quiet_until, settings_of
from portal.timeutil import utcnow

#: set in ``db.session.info`` when rows for the worker were written: after the commit the worker
#: is woken (portal.worker.wake) instead of waiting for its next round
WAKE = "notifications_to_deliver"


def _wake_after_commit(session) -> None:
    if session.info.pop(WAKE, False):
        from portal.worker import wake

        wake()


def _forget_wake(session) -> None:
    """The rows were rolled back with the caller's change: nothing to wake the worker for."""
    session.info.pop(WAKE, None)


# once, on the one session factory every app's db.session uses
if not event.contains(db.session, "after_commit", _wake_after_commit):
    event.listen(db.session, "after_commit", _wake_after_commit)
    event.listen(db.session, "after_rollback", _forget_wake)


def notify(event: str, key: str, *, subject: str, body: str, link: str | None = None,
           params: dict[str, Any] | None = None, urgent: bool = False, users: Iterable = (),
           direct: Iterable[tuple[str, str]] = (), town=None, grid=None) -> int:
    """Write the notifications of one event instance; returns the rows written (0 when they
    were all written before).

    ``users`` are reached on the channels each chose for ``event``; ``direct`` are (channel,
    address) pairs with no user behind them (a public reporter's phone); ``grid``'s groups
    (a WeCom group robot of the grid or its village) are asked of the plugins switched on there
    (``notification_groups``). Non-urgent rows for a person in their quiet hours wait until the
    hours end; the inbox is never quiet (it is read when the person looks)."""
    from portal.plugins import host

    now = utcnow()
    channels = all_channels()
    rows: list[dict[str, Any]] = []
    town_id = town.id if town is not None else None

    people = {u.id: u for u in users if u is not None}
    settings = settings_of(people)  # one query for everybody told, not two a person

    def add(channel: str, user=None, address: str | None = None) -> None:
        if channel not in channels:
            return
        recipient = f"u{user.id}" if user is not None else f"a{address}"
        due = now
        if user is not None and not urgent and not channels[channel].silent:
            due = quiet_until(user.id, now, settings.get(user.id)) or now
        inbox = channel == "inbox"
        rows.append({
            "key": f"{key}|{channel}|{recipient}"[:200], "event": event, "channel": channel,
            "user_id": user.id if user is not None else None, "address": address,
            "town_id": town_id, "subject": subject[:120], "body": body, "link": link,
            "params": json.dumps(params, ensure_ascii=False) if params else None,
            "urgent": urgent, "state": "sent" if inbox else "pending", "attempts": 0,
            "next_attempt_at": due, "created_at": now, "sent_at": now if inbox else None})

    for user in people.values():
        for channel in channels_for(user, event, settings.get(user.id)):
            address = channels[channel].address_of(user) if channels[channel].address_of else None
            add(channel, user, address)
    for channel, address in direct:
        if address:
            add(channel, None, address)
    if grid is not None:
        for channel, address in host().collect(grid, "notification_groups", event=event,
                                               grid=grid):
            add(channel, None, address)
    if not rows:
        return 0
    # preserve_rowcount: SQLAlchemy 2.1 with psycopg answers -1 for an INSERT's rowcount unless
    # asked to keep it, and the rows written (0 for a duplicate) are what the caller is told
    result: Any = db.session.execute(_insert_ignoring_duplicates(rows),
                                     execution_options={"preserve_rowcount": True})
    written = result.rowcount or 0
    if written and any(row["channel"] != "inbox" for row in rows):
        db.session.info[WAKE] = True
    return written


def _insert_ignoring_duplicates(rows: list[dict[str, Any]]):
    """INSERT ... ON CONFLICT (key) DO NOTHING on both databases: a duplicate is not an error,
    and it never aborts the caller's transaction (PostgreSQL would, on a plain IntegrityError)."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(Notification).values(rows).on_conflict_do_nothing(index_elements=["key"])
