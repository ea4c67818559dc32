"""The channels every loaded plugin offers (the core offers the inbox)."""
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
