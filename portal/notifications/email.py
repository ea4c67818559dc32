"""E-mail over SMTP: plain text, one message per recipient, its Message-ID derived from the
outbox row's id so that a mail sent twice after a crash is recognised as one by mail clients."""
from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.notifications.links import plain_text
from portal.notifications.messages import Channel, Message, PermanentError, Recipient

EMAIL = Channel("email", _l("电子邮件"), address_of=lambda user: user.email or None,
                default=True, missing=_l("未填写电子邮箱"))


def offered() -> bool:
    """E-mail is a channel only where a mail server is configured."""
    return bool(current_app.config.get("MAIL_SERVER"))


def message_id(message: Message) -> str:
    """``<notification-ID@DOMAIN>``: the same row always gets the same id (a retry after a crash
    sends the same id again), the domain is the site's (or the sender's)."""
    config = current_app.config
    domain = (urlsplit(config.get("PUBLIC_BASE_URL") or "").hostname
              or config["MAIL_FROM"].rsplit("@", 1)[-1].strip("> ") or "gridportal.local")
    return f"<notification-{message.id}@{domain}>"


def build(recipient: Recipient, message: Message) -> EmailMessage:
    config = current_app.config
    mail = EmailMessage()
    mail["Subject"] = message.subject
    mail["From"] = config["MAIL_FROM"]
    mail["To"] = formataddr((recipient.name or "", recipient.address or ""))
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = message_id(message)
    mail.set_content(plain_text(message))
    return mail


def send(recipient: Recipient, message: Message) -> None:
    """Deliver over SMTP; a refused address gives up at once, anything else is retried."""
    if not recipient.address:
        raise PermanentError("no e-mail address")
    config = current_app.config
    mail = build(recipient, message)
    timeout = config["MAIL_TIMEOUT_SECONDS"]
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if config["MAIL_USE_SSL"]:
        smtp = smtplib.SMTP_SSL(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout,
                                context=context)
    else:
        smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout)
    with smtp:
        if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
            smtp.starttls(context=context)
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        try:
            smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as error:
            # the server said no to this address (5xx): sending again will not change its mind;
            # a 4xx (mailbox busy, greylisting) is worth another attempt
            codes = [code for code, _text in error.recipients.values()]
            if codes and all(code >= 500 for code in codes):
                raise PermanentError(f"address refused: {error.recipients}") from error
            raise
