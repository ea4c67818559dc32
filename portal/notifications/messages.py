"""What a channel is given: the message and its recipient (plain data, no database rows), so a
channel plugin needs nothing of the portal's models."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Message:
    event: str
    subject: str
    body: str
    #: a path on this site or an absolute URL
    link: str | None = None
    #: template parameters for services that send only approved templates (SMS in China)
    params: dict[str, Any] = field(default_factory=dict)
    urgent: bool = False
    #: the outbox row's id once written: a channel passes it on as its idempotency key (an SMS
    #: service's out id, an e-mail's Message-ID) so a retry after a crash can be recognised
    id: int | None = None


@dataclass(frozen=True)
class Recipient:
    user_id: int | None = None
    name: str | None = None
    #: the channel's address: a phone number, an e-mail address, a group robot's key ...
    address: str | None = None
    locale: str | None = None


@dataclass(frozen=True)
class Channel:
    """A way to reach people, offered by a plugin (``notification_channels``)."""

    name: str
    label: Any
    #: the address of a user on this channel (their phone, their e-mail), None when they have
    #: none; None here: the channel needs no address (the inbox) or addresses groups, not users
    address_of: Any = None
    #: chosen by default for users who have an address on it (they may switch it off)
    default: bool = False
    #: ignores quiet hours (the inbox is read when the person looks)
    silent: bool = False
    #: with ``default``: chosen by default only for these events (None: for every event). SMS
    #: costs money and wakes people, so it is a default for urgent events only
    default_events: frozenset[str] | None = None
    #: why a person without an address on it cannot choose it ("未填写手机号"), for their page
    missing: Any = None
    #: reaches groups named by ``notification_groups`` (a WeCom group robot), never a person:
    #: not among anyone's choices
    groups: bool = False


class PermanentError(Exception):
    """A delivery that will never succeed (no such number, a template the service refused):
    the row is marked dead at once instead of being retried."""
