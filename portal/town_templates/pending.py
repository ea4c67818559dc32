"""A template between its preview and its confirmation.

Kept as a file in the instance's ``uploads/imports`` folder, named by the user's id and a random
token, rather than re-posted in a hidden field: a template may be larger than a form field
may carry (Flask's MAX_FORM_MEMORY_SIZE), it never comes back from the browser where it could
have been altered after the preview, only the user who uploaded it can confirm it (their id is
in the name, the token cannot be guessed), and it shares the people import's expiry:
refused at confirmation after IMPORT_PENDING_SECONDS and removed by `portal uploads clean`.
The target town is stored with it, so the confirmation writes into the town that was previewed.
"""
from __future__ import annotations

import json
import re
import secrets
from pathlib import Path

from flask import abort
from flask_login import current_user

TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def _path(token: str) -> Path:
    from portal.uploads import uploads_root

    if not TOKEN.match(token or ""):
        abort(404)
    folder = uploads_root() / "imports"  # swept by `portal uploads clean` once expired
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{current_user.id}-{token}.town-template.json"


def keep(town, document: dict) -> str:
    """Keep ``document`` for ``town`` until confirmed; the token that names it."""
    token = secrets.token_urlsafe(24)
    _path(token).write_text(json.dumps({"town_id": town.id, "document": document},
                                       ensure_ascii=False), encoding="utf-8")
    return token


def take(token: str) -> tuple[int, dict] | None:
    """(town id, document) of a pending template that has not expired; None otherwise (an
    expired one is removed)."""
    from portal.people.transfer_views import pending_expired

    path = _path(token)
    if not path.is_file():
        return None
    if pending_expired(path):
        path.unlink(missing_ok=True)
        return None
    kept = json.loads(path.read_text(encoding="utf-8"))
    return int(kept["town_id"]), kept["document"]


def forget(token: str) -> None:
    _path(token).unlink(missing_ok=True)
