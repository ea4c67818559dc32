"""The Aliyun SMS provider against a local fake Dysmsapi: the signature (Aliyun's documented
example, and recomputed by the fake server for each request), SendSms's parameters, and the
answers mapped to sent, retried or given up. No network."""
import base64
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote

import pytest

from plugins.sms_aliyun.client import AliyunSms, canonical_query, sign
from portal.notifications.messages import Message, PermanentError, Recipient
from portal.plugins import host

SECRET = "testSecret"


def test_the_signature_of_aliyuns_documented_example():
    """The example of Aliyun's 短信服务 signature documentation (HTTP GET)."""
    params = {
        "AccessKeyId": "testId", "Action": "SendSms", "Format": "XML", "OutId": "123",
        "PhoneNumbers": "15300000001", "RegionId": "cn-hangzhou",
        "SignName": "阿里云短信测试专用", "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466", "SignatureVersion": "1.0",
        "TemplateCode": "SMS_71390007", "TemplateParam": '{"customer":"test"}',
        "Timestamp": "2017-07-12T02:42:19Z", "Version": "2017-05-25",
    }
    assert canonical_query(params).startswith(
        "AccessKeyId=testId&Action=SendSms&Format=XML&OutId=123&PhoneNumbers=15300000001&"
        "RegionId=cn-hangzhou&SignName=%E9%98%BF%E9%87%8C")
    assert sign("GET", params, SECRET) == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def test_spaces_stars_and_tildes_are_encoded_as_aliyun_signs_them():
    assert canonical_query({"a": "x y*~+"}) == "a=x%20y%2A~%2B"


class FakeDysmsapi(BaseHTTPRequestHandler):
    """Checks each request's signature as Aliyun would and answers ``server.answer``."""

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        fields = dict(parse_qsl(body, keep_blank_values=True))
        given = fields.pop("Signature")
        to_sign = "POST&%2F&" + quote(canonical_query(fields), safe="~")
        expected = base64.b64encode(hmac.new(f"{SECRET}&".encode(), to_sign.encode(),
                                             hashlib.sha1).digest()).decode()
        self.server.requests.append(fields)
        status, answer = self.server.answer
        if given != expected:
            status, answer = 400, {"Code": "SignatureDoesNotMatch", "Message": "bad signature"}
        payload = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeDysmsapi)
    server.requests, server.answer = [], (200, {"Code": "OK", "BizId": "900", "RequestId": "r"})
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def app_config(app_config, fake):
    return {**app_config, "SMS_PROVIDER": "aliyun",
            "SMS_TEMPLATES": {"case_assigned": "SMS_460775001"},
            "ALIYUN_SMS_ACCESS_KEY_ID": "testId", "ALIYUN_SMS_ACCESS_KEY_SECRET": SECRET,
            "ALIYUN_SMS_SIGN_NAME": "湘阴县网格通",
            "ALIYUN_SMS_ENDPOINT": f"http://127.0.0.1:{fake.server_address[1]}/"}


def _send(message, phone="13900001111"):
    return host().pm.hook.send_notification(channel="sms", recipient=Recipient(address=phone),
                                            message=message)


def test_an_event_is_sent_as_its_template_with_the_messages_parameters(app, fake):
    message = Message("case_assigned", "事件分派给您", "路灯不亮",
                      params={"number": "20261201-000042", "title": "路灯 不亮"}, id=42)
    assert _send(message) is True
    [fields] = fake.requests
    assert fields["Action"] == "SendSms" and fields["Version"] == "2017-05-25"
    assert fields["PhoneNumbers"] == "13900001111" and fields["SignName"] == "湘阴县网格通"
    assert fields["TemplateCode"] == "SMS_460775001" and fields["OutId"] == "42"
    assert json.loads(fields["TemplateParam"]) == {"number": "20261201-000042",
                                                   "title": "路灯 不亮"}
    assert fields["Timestamp"].endswith("Z") and fields["SignatureMethod"] == "HMAC-SHA1"


def test_each_request_has_a_fresh_nonce(app, fake):
    _send(Message("case_assigned", "s", "b", id=1))
    _send(Message("case_assigned", "s", "b", id=1))
    assert fake.requests[0]["SignatureNonce"] != fake.requests[1]["SignatureNonce"]


@pytest.mark.parametrize("status, code", [(200, "isv.MOBILE_NUMBER_ILLEGAL"),
                                          (200, "isv.SMS_TEMPLATE_ILLEGAL"),
                                          (400, "isv.TEMPLATE_MISSING_PARAMETERS")])
def test_a_number_or_template_refused_is_given_up(app, fake, status, code):
    fake.answer = (status, {"Code": code, "Message": "refused"})
    with pytest.raises(PermanentError, match=code):
        _send(Message("case_assigned", "s", "b", id=1))


@pytest.mark.parametrize("status, code", [(200, "isv.BUSINESS_LIMIT_CONTROL"),
                                          (400, "Throttling.User"),
                                          (200, "isv.AMOUNT_NOT_ENOUGH"),
                                          (500, "isp.SYSTEM_ERROR")])
def test_throttling_and_the_services_trouble_are_retried(app, fake, status, code):
    fake.answer = (status, {"Code": code, "Message": "later"})
    with pytest.raises(RuntimeError, match=code) as raised:
        _send(Message("case_assigned", "s", "b", id=1))
    assert not isinstance(raised.value, PermanentError)


def test_a_wrong_secret_is_refused_by_the_service_and_retried_once_fixed(app, fake):
    app.config["ALIYUN_SMS_ACCESS_KEY_SECRET"] = "wrong"
    with pytest.raises(RuntimeError, match="SignatureDoesNotMatch"):
        _send(Message("case_assigned", "s", "b", id=1))


def test_an_event_without_a_template_is_given_up_before_any_request(app, fake):
    with pytest.raises(PermanentError):
        _send(Message("daily_digest", "s", "b", id=1))
    assert fake.requests == []


def test_an_incomplete_configuration_is_retried(app, fake):
    app.config["ALIYUN_SMS_SIGN_NAME"] = None
    with pytest.raises(RuntimeError, match="ALIYUN_SMS_SIGN_NAME"):
        _send(Message("case_assigned", "s", "b", id=1))


def test_the_provider_is_offered_through_the_hook(app):
    offered = {}
    for answer in host().pm.hook.sms_providers():
        offered.update(answer)
    assert offered["aliyun"] == AliyunSms.from_config and "log" in offered
