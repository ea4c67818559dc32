"""SMS through a provider chosen by configuration.

Chinese SMS services send only templates approved beforehand (a signature such as 【某某镇网格通】
and a text with ${placeholders}), never free text. So each event is mapped to a template id
(config ``SMS_TEMPLATES = {"case_assigned": "SMS_123", ...}``), and the parameters are the
notification's ``params`` (written by ``notify(params=...)``), passed on as they are. The text of
the message goes along for providers that take free text and for the development sender.

Providers are offered through the ``sms_providers`` hook ({name: factory}); ``SMS_PROVIDER``
names the one used. The core offers ``log``: a development sender writing each message to the
application's log and nowhere else.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Protocol

from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.notifications.links import absolute_link
from portal.notifications.messages import Channel, Message, PermanentError, Recipient
from portal.people.masking import mask_phone

log = logging.getLogger(__name__)

#: events someone who never chose is told about by SMS: urgent ones only (an SMS costs money and
#: rings a phone at once; the rest waits in the inbox and the e-mail)
URGENT_EVENTS = frozenset({"emergency", "case_supervised"})

SMS = Channel("sms", _l("短信"), address_of=lambda user: user.phone or None, default=True,
              default_events=URGENT_EVENTS, missing=_l("未填写手机号"))


class SmsProvider(Protocol):
    #: True when the service sends approved templates only: an event with no template in
    #: SMS_TEMPLATES then fails for good instead of being retried
    needs_template: bool

    def send(self, phone: str, template_id: str | None, params: Mapping[str, str], out_id: str,
             text: str) -> None:
        """Send one SMS; raise to have it retried, PermanentError to give up. ``out_id`` (the
        outbox row's id) is the service's idempotency / receipt key."""


class LogSender:
    """Development: the SMS goes to the log (the number masked), nowhere else."""

    needs_template = False

    def send(self, phone: str, template_id: str | None, params: Mapping[str, str], out_id: str,
             text: str) -> None:
        log.info("SMS (not sent: SMS_PROVIDER=log) to %s, template %s, params %s, out id %s: %s",
                 mask_phone(phone), template_id, dict(params), out_id, text)


def core_providers() -> dict[str, Any]:
    return {"log": lambda config: LogSender()}


def offered() -> bool:
    """SMS is a channel unless SMS_PROVIDER is emptied."""
    return bool(current_app.config.get("SMS_PROVIDER"))


def provider() -> SmsProvider:
    from portal.plugins import host

    name = current_app.config["SMS_PROVIDER"]
    factories: dict[str, Any] = {}
    for answer in host().pm.hook.sms_providers():
        factories.update(answer or {})
    if name not in factories:
        # a configuration to fix (or a provider plugin not loaded): retried, so nothing is lost
        # once it is fixed; the admins' outbox shows why meanwhile
        raise RuntimeError(f"SMS_PROVIDER {name!r} is offered by no loaded plugin "
                           f"(offered: {', '.join(sorted(factories))})")
    return factories[name](current_app.config)


def send(recipient: Recipient, message: Message) -> None:
    if not recipient.address:
        raise PermanentError("no phone number")
    sender = provider()
    template = current_app.config["SMS_TEMPLATES"].get(message.event)
    if template is None and sender.needs_template:
        raise PermanentError(f"no SMS template for event {message.event!r} (SMS_TEMPLATES)")
    params = {key: str(value) for key, value in message.params.items()}
    link = absolute_link(message.link)
    text = f"{message.subject}：{message.body}" + (f" {link}" if link else "")
    sender.send(recipient.address, template, params, str(message.id or ""), text)
