"""Writing notifications people read: each recipient's in their own language, with links that
work whether the change happened in a request or in the worker's sweep (which has none).

The text is fixed when the row is written (the worker only delivers it), so it is composed once
per language among the recipients: a dispatcher browsing in English must not send a grid worker
an English message.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from flask import current_app, has_request_context, url_for
from flask_babel import force_locale

from portal.notifications.outbox import notify

#: what a composer returns: the subject, the body and the SMS template's parameters
Composed = tuple[str, str, dict[str, Any]]


def site_path(endpoint: str, **values: Any) -> str:
    """The path of ``endpoint`` on this site, inside a request or not (the worker has none; the
    channels make it absolute with PUBLIC_BASE_URL where they must)."""
    if has_request_context():
        return url_for(endpoint, **values)
    root = current_app.config.get("APPLICATION_ROOT") or "/"
    return current_app.url_map.bind("localhost", script_name=root).build(endpoint, values)


def language_of(user: Any) -> str:
    """The language a user reads the portal in (their choice, else the default)."""
    chosen = getattr(user, "locale", None)
    if chosen and chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def notify_each_language(event: str, key: str, compose: Callable[[], Composed], *,
                         users: Iterable = (), direct: Iterable[tuple[str, str]] = (),
                         **options: Any) -> int:
    """``outbox.notify`` once per language among ``users`` (``direct`` addresses and ``grid``'s
    groups are written in the default language), with ``compose()`` run in that language; the
    other ``options`` (link, urgent, town, grid) are notify's. The rows' keys name their recipient, so the calls never
    collide. Returns the rows written."""
    groups: dict[str, list] = defaultdict(list)
    for user in users:
        if user is not None:
            groups[language_of(user)].append(user)
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    direct = [(channel, address) for channel, address in direct if address]
    grid = options.pop("grid", None)
    languages = list(groups)
    if (direct or grid is not None) and default not in groups:
        languages.append(default)
    written = 0
    for language in languages:
        with force_locale(language):
            subject, body, params = compose()
        # addresses without a person and a grid's group chats read the default language
        ours = language == default
        written += notify(event, key, subject=subject, body=body,
                          params={name: str(value) for name, value in params.items()},
                          users=groups.get(language, ()), direct=direct if ours else (),
                          grid=grid if ours else None, **options)
    return written


def grid_workers(grid_ids: Iterable[int]) -> dict[int, list]:
    """{grid id: its active grid workers, by id}, in one query: whom a round of reminders about
    records of many grids tells (a module's licences, tenants …), without a query per record."""
    from sqlalchemy import select

    from portal.auth.models import User
    from portal.extensions import db

    found: dict[int, list] = defaultdict(list)
    ids = set(grid_ids)
    if ids:
        for user in db.session.scalars(select(User).where(
                User.scope_id.in_(ids), User.role == "grid_worker",
                User.is_active_flag.is_(True)).order_by(User.id)):
            found[user.scope_id].append(user)
    return found
