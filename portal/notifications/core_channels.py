"""The core's channels besides the inbox, registered like a plugin (always on): e-mail over SMTP
when a mail server is configured, SMS through the configured provider."""
from portal.hookspecs import hookimpl
from portal.notifications import email, sms


@hookimpl
def notification_channels():
    offered = []
    if email.offered():
        offered.append(email.EMAIL)
    if sms.offered():
        offered.append(sms.SMS)
    return offered


@hookimpl
def send_notification(channel, recipient, message):
    if channel == email.EMAIL.name:
        email.send(recipient, message)
        return True
    if channel == sms.SMS.name:
        sms.send(recipient, message)
        return True
    return None


@hookimpl
def sms_providers():
    return sms.core_providers()
