"""阿里云短信 · Aliyun SMS (Dysmsapi SendSms) as an SMS provider for the portal's notifications.

A deployment's choice, not a town's: load it with ``PLUGINS_EXTRA = ["plugins.sms_aliyun"]`` (or
install it as an entry point) and set ``SMS_PROVIDER = "aliyun"``; the SMS channel then sends
each event's approved template (``SMS_TEMPLATES``) through it. Hook implementations only; the
request and its signature are in ``client``.
"""
import os

from flask_babel import lazy_gettext as _l

from portal import hookimpl


@hookimpl
def plugin_info():
    return {"label": _l("阿里云短信"),
            "description": _l("通过阿里云短信服务发送通知短信（由部署配置 SMS_PROVIDER 选用，"
                              "与各镇的模块开关无关）。")}


@hookimpl
def configure_app(app):
    # From the Aliyun console (a RAM user allowed dysms:SendSms only is best): the AccessKey,
    # the approved signature (签名, e.g. "湘阴县网格通") and the endpoint (tests point it at a
    # local server). The secret is best given in the environment: PORTAL_ALIYUN_SMS_SECRET.
    app.config.setdefault("ALIYUN_SMS_ACCESS_KEY_ID", None)
    app.config.setdefault("ALIYUN_SMS_ACCESS_KEY_SECRET", None)
    app.config.setdefault("ALIYUN_SMS_SIGN_NAME", None)
    app.config.setdefault("ALIYUN_SMS_ENDPOINT", "https://dysmsapi.aliyuncs.com/")
    app.config.setdefault("ALIYUN_SMS_REGION", "cn-hangzhou")
    app.config.setdefault("ALIYUN_SMS_TIMEOUT_SECONDS", 10)
    if os.environ.get("PORTAL_ALIYUN_SMS_SECRET"):
        app.config["ALIYUN_SMS_ACCESS_KEY_SECRET"] = os.environ["PORTAL_ALIYUN_SMS_SECRET"]


@hookimpl
def sms_providers():
    from .client import AliyunSms

    return {"aliyun": AliyunSms.from_config}
