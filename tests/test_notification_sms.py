"""SMS through the configured provider, in isolation through the send_notification hook: the
development sender writes to the log only, the event's template and the message's parameters
reach the provider, an event without a template fails for good with a provider that needs one."""
import logging

import pytest

from portal.notifications import sms
from portal.notifications.channels import all_channels
from portal.notifications.messages import Message, PermanentError, Recipient
from portal.plugins import host

SENT = []


class _Recording:
    needs_template = True

    def __init__(self, config):
        self.config = config

    def send(self, phone, template_id, params, out_id, text):
        SENT.append((phone, template_id, dict(params), out_id, text))


class _Providers:
    """A provider plugin registered for the test."""

    @staticmethod
    def sms_providers():
        return {"recording": _Recording}


@pytest.fixture
def recording(app):
    from portal.hookspecs import hookimpl

    plugin = _Providers()
    plugin.sms_providers = hookimpl(_Providers.sms_providers)
    host().pm.register(plugin, name="test_sms_recording")
    app.config.update(SMS_PROVIDER="recording", SMS_TEMPLATES={"case_assigned": "SMS_0001"},
                      PUBLIC_BASE_URL="https://grid.example.cn")
    SENT.clear()
    yield
    host().pm.unregister(plugin)


def _send(message, phone="13900001111"):
    return host().pm.hook.send_notification(channel="sms", recipient=Recipient(address=phone),
                                            message=message)


def test_the_development_sender_writes_to_the_log_only(app, caplog):
    caplog.set_level(logging.INFO, logger="portal.notifications.sms")
    assert app.config["SMS_PROVIDER"] == "log"
    assert _send(Message("case_assigned", "事件分派给您", "路灯不亮", link="/cases/1", id=3)) is True
    [record] = [r for r in caplog.records if r.name == "portal.notifications.sms"]
    text = record.getMessage()
    assert "路灯不亮" in text and "out id 3" in text
    assert "13900001111" not in text and "1111" in text  # the number masked


def test_the_events_template_and_the_messages_parameters_reach_the_provider(app, recording):
    message = Message("case_assigned", "事件分派给您", "路灯不亮", link="/cases/1",
                      params={"number": "XY2026-0042", "days": 3}, id=42)
    assert _send(message) is True
    [(phone, template, params, out_id, text)] = SENT
    assert (phone, template, out_id) == ("13900001111", "SMS_0001", "42")
    assert params == {"number": "XY2026-0042", "days": "3"}
    assert "https://grid.example.cn/cases/1" in text


def test_an_event_without_a_template_fails_for_good(app, recording):
    with pytest.raises(PermanentError):
        _send(Message("daily_digest", "s", "b", id=1))
    assert SENT == []


def test_an_unknown_provider_fails_the_attempt_to_be_retried_once_fixed(app):
    app.config["SMS_PROVIDER"] = "nonesuch"
    with pytest.raises(RuntimeError, match="nonesuch"):
        _send(Message("case_assigned", "s", "b", id=1))


def test_sms_is_switched_off_by_an_empty_provider(app):
    assert "sms" in all_channels()
    app.config["SMS_PROVIDER"] = ""
    assert "sms" not in all_channels()


def test_the_sms_channel_is_a_default_for_urgent_events_only():
    assert sms.SMS.default_events == frozenset({"emergency", "case_supervised"})
