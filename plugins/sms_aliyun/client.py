"""Aliyun Dysmsapi SendSms: an RPC-style request signed with HMAC-SHA1 as Aliyun documents it
(签名机制, signature version 1.0):

1. every parameter (the public ones and SendSms's) percent-encoded as RFC 3986 says (only
   A-Z a-z 0-9 - _ . ~ left as they are; a space is %20, never +), sorted by name and joined as
   ``name=value`` with ``&``;
2. the string to sign is ``METHOD&%2F&`` + that query percent-encoded again;
3. the signature is base64(HMAC-SHA1(AccessKeySecret + "&", string to sign)), sent as the
   ``Signature`` parameter.

The answer is JSON ``{"Code": "OK", "BizId": ..., "RequestId": ...}``, or another Code saying
why not: a wrong number or template fails for good (PermanentError), throttling and the
service's own trouble are retried.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
import uuid
from collections.abc import Mapping
from urllib.parse import quote

from portal.notifications.messages import PermanentError
from portal.timeutil import utcnow

log = logging.getLogger(__name__)

#: Codes that will never succeed however often they are sent: a number, template, signature or
#: parameters the service refuses, a number blacklisted or over its daily limit (by tomorrow
#: the message is stale). Anything else (isv.BUSINESS_LIMIT_CONTROL: throttling; Throttling.*;
#: isv.AMOUNT_NOT_ENOUGH: the account to top up; a wrong key: the configuration to fix;
#: isp.* and HTTP 5xx: the service's trouble) is retried with backoff.
PERMANENT = frozenset({
    "isv.MOBILE_NUMBER_ILLEGAL", "isv.MOBILE_COUNT_OVER_LIMIT", "isv.TEMPLATE_MISSING_PARAMETERS",
    "isv.SMS_TEMPLATE_ILLEGAL", "isv.SMS_SIGNATURE_ILLEGAL", "isv.INVALID_PARAMETERS",
    "isv.INVALID_JSON_PARAM", "isv.PARAM_LENGTH_LIMIT", "isv.PARAM_NOT_SUPPORT_URL",
    "isv.BLACK_KEY_CONTROL_LIMIT", "isv.DAY_LIMIT_CONTROL", "isv.SMS_CONTENT_ILLEGAL",
    "isv.SMS_SIGN_ILLEGAL", "isv.DOMESTIC_NUMBER_NOT_SUPPORTED", "isv.EXTEND_CODE_ERROR",
    "isv.SMS_TEST_NUMBER_LIMIT", "isv.SMS_TEST_TEMPLATE_LIMIT", "isv.SMS_TEST_SIGN_LIMIT",
})


def percent_encode(value: str) -> str:
    """RFC 3986 percent-encoding, as Aliyun signs it (``quote`` keeps only unreserved ones)."""
    return quote(value, safe="~")


def canonical_query(params: Mapping[str, str]) -> str:
    return "&".join(f"{percent_encode(key)}={percent_encode(params[key])}"
                    for key in sorted(params))


def sign(method: str, params: Mapping[str, str], secret: str) -> str:
    """The ``Signature`` of ``params`` (without one) sent with ``method``."""
    to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical_query(params))}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSms:
    """portal.notifications.sms.SmsProvider for Aliyun."""

    needs_template = True

    def __init__(self, *, access_key_id: str, secret: str, sign_name: str, endpoint: str,
                 region: str = "cn-hangzhou", timeout: float = 10):
        self.access_key_id, self.secret, self.sign_name = access_key_id, secret, sign_name
        self.endpoint, self.region, self.timeout = endpoint, region, timeout

    @classmethod
    def from_config(cls, config) -> AliyunSms:
        missing = [name for name in ("ALIYUN_SMS_ACCESS_KEY_ID", "ALIYUN_SMS_ACCESS_KEY_SECRET",
                                     "ALIYUN_SMS_SIGN_NAME") if not config.get(name)]
        if missing:  # retried: nothing is lost once the configuration is completed
            raise RuntimeError(f"SMS_PROVIDER=aliyun needs {', '.join(missing)}")
        return cls(access_key_id=config["ALIYUN_SMS_ACCESS_KEY_ID"],
                   secret=config["ALIYUN_SMS_ACCESS_KEY_SECRET"],
                   sign_name=config["ALIYUN_SMS_SIGN_NAME"],
                   endpoint=config["ALIYUN_SMS_ENDPOINT"], region=config["ALIYUN_SMS_REGION"],
                   timeout=config["ALIYUN_SMS_TIMEOUT_SECONDS"])

    def request_params(self, phone: str, template_id: str, params: Mapping[str, str],
                       out_id: str) -> dict[str, str]:
        """SendSms's parameters with the public ones and the signature."""
        fields = {
            "AccessKeyId": self.access_key_id, "Action": "SendSms", "Format": "JSON",
            "RegionId": self.region, "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex, "SignatureVersion": "1.0",
            "Timestamp": utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"), "Version": "2017-05-25",
            "PhoneNumbers": phone, "SignName": self.sign_name, "TemplateCode": template_id,
            "TemplateParam": json.dumps(dict(params), ensure_ascii=False, separators=(",", ":")),
        }
        if out_id:
            fields["OutId"] = out_id  # the outbox row: the delivery receipt names it
        fields["Signature"] = sign("POST", fields, self.secret)
        return fields

    def send(self, phone: str, template_id: str | None, params: Mapping[str, str], out_id: str,
             text: str) -> None:
        if not template_id:
            raise PermanentError("Aliyun sends approved templates only: none for this event")
        body = canonical_query(self.request_params(phone, template_id, params, out_id)).encode()
        request = urllib.request.Request(
            self.endpoint, data=body, method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer = json.loads(response.read().decode())
        except urllib.error.HTTPError as error:  # Aliyun answers refusals with 4xx and JSON
            try:
                answer = json.loads(error.read().decode())
            except ValueError:
                raise RuntimeError(f"Aliyun SMS: HTTP {error.code}") from error
        code = answer.get("Code")
        if code == "OK":
            log.info("Aliyun SMS sent, out id %s, BizId %s", out_id, answer.get("BizId"))
            return
        why = f"Aliyun SMS {code}: {answer.get('Message')}"
        if code in PERMANENT:
            raise PermanentError(why)
        raise RuntimeError(why)
