"""The channels every loaded plugin offers (the core offers the inbox, and e-mail and SMS when
they are configured: portal.notifications.core_channels)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.notifications.messages import Channel

#: the in-portal inbox: the outbox row is the message; written is delivered
INBOX = Channel("inbox", _l("站内消息"), default=True, silent=True)


def all_channels() -> dict[str, Channel]:
    from portal.plugins import host

    found = {INBOX.name: INBOX}
    for answer in host().pm.hook.notification_channels():
        for channel in answer or []:
            found[channel.name] = channel
    return found


def personal_channels() -> dict[str, Channel]:
    """The channels a person may choose for themselves (not those that reach groups)."""
    return {name: channel for name, channel in all_channels().items() if not channel.groups}


def has_address(channel: Channel, user) -> bool:
    """Whether ``user`` can be reached on ``channel`` (the inbox needs no address)."""
    return channel.address_of is None or bool(channel.address_of(user))
