"""Posting to a WeCom group robot: POST JSON to the webhook (…/cgi-bin/webhook/send?key=KEY);
the answer is ``{"errcode": 0, "errmsg": "ok"}`` or an error code. The key is a secret, so no
error raised here names the URL."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from urllib.parse import urlencode

from flask import current_app

from portal.notifications.links import absolute_link
from portal.notifications.messages import Message, PermanentError

#: errcodes that will never succeed: the key is wrong or the robot was removed from the group
#: (93000 invalid webhook url, 93004 robot removed, 40001/40014 invalid credential). Others
#: (45009: over the 20 messages a minute a robot may post; -1: busy) are retried.
PERMANENT = frozenset({93000, 93004, 40001, 40014})
#: WeCom's limit on a markdown message's content, in bytes
MAX_BYTES = 4096


def markdown(message: Message) -> dict:
    link = absolute_link(message.link)
    tail = f"\n[查看详情]({link})" if link else ""
    content = f"**{message.subject}**\n{message.body}"
    while len((content + tail).encode()) > MAX_BYTES:
        content = content[:-50]
    return {"msgtype": "markdown", "markdown": {"content": content + tail}}


def post(key: str, payload: dict) -> None:
    url = current_app.config["WECOM_ROBOT_WEBHOOK_URL"] + "?" + urlencode({"key": key})
    request = urllib.request.Request(
        url, data=json.dumps(payload, ensure_ascii=False).encode(), method="POST",
        headers={"Content-Type": "application/json; charset=utf-8"})
    timeout = current_app.config["WECOM_ROBOT_TIMEOUT_SECONDS"]
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            answer = json.loads(response.read().decode())
    except urllib.error.HTTPError as error:
        raise RuntimeError(f"WeCom robot: HTTP {error.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as error:
        # `from None`: the chained exception may carry the URL, and with it the key
        raise RuntimeError(f"WeCom robot: {type(error).__name__}") from None
    code = answer.get("errcode")
    if code == 0:
        return
    why = f"WeCom robot errcode {code}: {answer.get('errmsg', '')[:200]}"
    if code in PERMANENT:
        raise PermanentError(why)
    raise RuntimeError(why)
