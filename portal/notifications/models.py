"""The outbox (one row per recipient and channel) and each person's choices."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.timeutil import utcnow

if TYPE_CHECKING:
    from portal.auth.models import User
    from portal.grids.models import Grid

#: pending: waiting for the worker (or for the end of quiet hours); sending: claimed by a worker
#: until ``claimed_until`` (a worker killed meanwhile leaves it to be claimed again); sent;
#: failed: the last attempt failed, retried at ``next_attempt_at``; dead: given up (too many
#: attempts or a permanent error), shown to admins with why.
STATES = ("pending", "sending", "sent", "failed", "dead")


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        # the bell: a user's unread inbox rows
        Index("ix_notifications_inbox", "user_id", "channel", "read_at"),
        # the worker: due rows by state and time
        Index("ix_notifications_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the event instance + channel + recipient: unique, so the same event never notifies twice
    key: Mapped[str] = mapped_column(String(200), unique=True)
    event: Mapped[str] = mapped_column(String(40), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    #: a portal user, or none for an address alone (a public reporter's phone, a group robot)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    address: Mapped[str | None] = mapped_column(String(200))
    #: the town concerned (its admins see the row), none for a county-wide event
    town_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    subject: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    #: a path on this site (the inbox links it) or an absolute URL (in an SMS)
    link: Mapped[str | None] = mapped_column(String(300))
    #: JSON: the template parameters SMS services require (template id + parameters)
    params: Mapped[str | None] = mapped_column(Text)
    urgent: Mapped[bool] = mapped_column(default=False)
    state: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column()
    read_at: Mapped[datetime | None] = mapped_column()

    user: Mapped[User | None] = relationship()
    town: Mapped[Grid | None] = relationship()
    #: tenancy: a row lies in its town (the admins' outbox); a county-wide row (no town) is
    #: nobody's to open by id
    scope_path = "town.code"


class NotificationSetting(db.Model):
    """One person's choices: channels per event (JSON {event: [channel, ...]}) and quiet hours
    (local "HH:MM"; from 22:00 to 07:00 spans midnight). No row: the defaults."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    channels: Mapped[str] = mapped_column(Text, default="{}")
    quiet_from: Mapped[str | None] = mapped_column(String(5))
    quiet_to: Mapped[str | None] = mapped_column(String(5))
