"""Links in messages read outside the portal (an e-mail, an SMS, a group chat) must be absolute;
the worker has no request to take the host from, so PUBLIC_BASE_URL names it."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, has_request_context, request


def absolute_link(link: str | None) -> str | None:
    """``link`` (a path on this site or an absolute URL) as an absolute URL; a path stays a path
    when no base is configured and no request gives one (the reader then sees where to go)."""
    if not link:
        return None
    if urlsplit(link).scheme in ("http", "https"):
        return link
    base = current_app.config.get("PUBLIC_BASE_URL")
    if not base and has_request_context():
        base = request.host_url
    if not base:
        return link
    return base.rstrip("/") + "/" + link.lstrip("/")


def plain_text(message) -> str:
    """The message as plain text: its body, then its link made absolute."""
    link = absolute_link(message.link)
    return f"{message.body}\n\n{link}" if link else message.body
