"""E-mail over SMTP, tested in isolation through the send_notification hook against a small SMTP
server started by the test: the mail arrives with its headers, the link made absolute, the
Message-ID derived from the outbox row; a refused address is a permanent error."""
import email
import socketserver
import threading
from email import policy

import pytest

from portal.notifications.channels import all_channels
from portal.notifications.messages import Message, PermanentError, Recipient
from portal.plugins import host


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: EHLO, MAIL, RCPT (addresses at refused.example get 550),
    DATA, QUIT; each message kept as (sender, recipients, bytes)."""

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        sender, recipients = None, []
        self.reply("220 test ESMTP")
        while True:
            line = self.rfile.readline().decode(errors="replace").strip()
            if not line:
                return
            verb = line.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 test")
            elif verb == "MAIL":
                sender = line.split(":", 1)[1].strip()
                self.reply("250 ok")
            elif verb == "RCPT":
                address = line.split(":", 1)[1].strip()
                if "refused.example" in address:
                    self.reply("550 no such mailbox")
                else:
                    recipients.append(address)
                    self.reply("250 ok")
            elif verb == "DATA":
                self.reply("354 go on")
                data = b""
                while not data.endswith(b"\r\n.\r\n"):
                    chunk = self.rfile.readline()
                    if not chunk:
                        return
                    data += chunk
                self.server.received.append((sender, recipients, data[:-5]))
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


@pytest.fixture
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTPHandler)
    server.daemon_threads = True
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def app_config(app_config, smtp_server):
    return {**app_config, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_server.server_address[1],
            "MAIL_FROM": "网格通 <noreply@grid.example.cn>",
            "PUBLIC_BASE_URL": "https://grid.example.cn/"}


def _send(recipient, message):
    return host().pm.hook.send_notification(channel="email", recipient=recipient, message=message)


def test_a_mail_arrives_with_its_headers_and_an_absolute_link(app, smtp_server):
    message = Message("case_assigned", "事件分派给您", "城西路路灯不亮，请处理。", link="/cases/42",
                      id=7)
    assert _send(Recipient(1, "张三", "zhang@example.cn"), message) is True
    [(sender, recipients, data)] = smtp_server.received
    assert sender == "<noreply@grid.example.cn>" and recipients == ["<zhang@example.cn>"]
    mail = email.message_from_bytes(data, policy=policy.default)
    assert mail["Subject"] == "事件分派给您"
    assert mail["Message-ID"] == "<notification-7@grid.example.cn>"
    assert mail["To"].addresses[0].addr_spec == "zhang@example.cn"
    assert mail["To"].addresses[0].display_name == "张三"
    body = mail.get_body().get_content()
    assert "城西路路灯不亮" in body and "https://grid.example.cn/cases/42" in body


def test_the_same_row_sent_again_has_the_same_message_id(app, smtp_server):
    message = Message("case_assigned", "s", "b", id=9)
    _send(Recipient(address="a@example.cn"), message)
    _send(Recipient(address="a@example.cn"), message)
    ids = {email.message_from_bytes(data)["Message-ID"] for _s, _r, data in smtp_server.received}
    assert ids == {"<notification-9@grid.example.cn>"}


def test_a_refused_address_is_a_permanent_error(app, smtp_server):
    with pytest.raises(PermanentError):
        _send(Recipient(address="nobody@refused.example"), Message("e", "s", "b", id=1))


def test_an_unreachable_server_fails_the_attempt_for_a_retry(app, smtp_server):
    app.config["MAIL_PORT"] = 1  # nothing listens there
    with pytest.raises(OSError):
        _send(Recipient(address="a@example.cn"), Message("e", "s", "b", id=1))


def test_e_mail_is_no_channel_without_a_mail_server(app):
    assert "email" in all_channels()
    app.config["MAIL_SERVER"] = None
    assert "email" not in all_channels()


def test_other_channels_are_not_e_mails_business(app, smtp_server):
    assert host().pm.hook.send_notification(channel="nonesuch", recipient=Recipient(),
                                            message=Message("e", "s", "b")) is None
    assert smtp_server.received == []
