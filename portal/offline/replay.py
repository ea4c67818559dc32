"""Uploads sent again: a visit or a case report kept on a phone carries an idempotency key made on
the phone (a uuid), stored on the record it makes (unique). The same key sent again — the answer
was lost on a bad connection, the queue ran twice — answers with the first outcome, as the kiosk
basket does (plugins/points/shop.py), and never makes a second record.

The phone's queue asks for JSON (Accept: application/json): it is told ``ok`` with the record's
page, or the server's message when the upload is refused (a conflict it shows and keeps). Browsers
posting the form as a page get the usual redirect or the form again.
"""
import re
from collections.abc import Callable
from functools import wraps

from flask import (flash, g, get_flashed_messages, jsonify, make_response, redirect, request,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import NotFound

from portal.extensions import db
from portal.web import rollback

FIELD = "idempotency_key"
#: What a phone makes (crypto.randomUUID, or its fallback): letters, digits and dashes.
PATTERN = re.compile(r"[A-Za-z0-9-]{16,64}")
#: A refusal the phone keeps and shows (the record conflicts with what the server now holds).
CONFLICT = 409


def wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def offered_key() -> str | None:
    """The key this request carries, if any (checked by @replayable before the view runs)."""
    key = (request.form.get(FIELD) or "").strip() if request.method == "POST" else ""
    return key or None


def stamp(record) -> None:
    """Give the record this request makes the phone's key; a second request with the same key
    that got this far fails at the unique index and is answered with this record."""
    key = offered_key()
    if key is not None:
        record.idempotency_key = key


def refusal(message: str, status: int = CONFLICT, errors: dict | None = None):
    return make_response(jsonify(ok=False, message=str(message), errors=errors or {}), status)


def replayable(model, *, owner: str | Callable, endpoint: str, values: Callable, done: Callable,
               gone: str, key: str = FIELD):
    """View decorator for a form that records ``model``: ``owner`` names the column holding who
    made it (or is a function of the record giving their id: a patrol's point is its patrol's
    worker's), ``endpoint`` and ``values(record)`` (its url_for arguments) its page, so the
    redirect is built here by url_for; ``done(record)`` the sentence a success says, ``gone``
    what a record the form names that no longer exists for the user (a household moved to
    another grid, removed) says to the phone; ``key`` the unique column that keeps the phone's
    key (a plugin's table may name it otherwise)."""

    def owner_of(record) -> int | None:
        return owner(record) if callable(owner) else getattr(record, owner)

    def url(record) -> str:
        return url_for(endpoint, **values(record))

    def answer_first(first):
        if owner_of(first) != current_user.id:
            # someone else's key: refused without a word about their record
            return refusal(_("这条记录的上传编号已被使用，请修改后重新上传。")) if wants_json() \
                else (refusal_page(), CONFLICT)
        if wants_json():
            return jsonify(ok=True, replayed=True, url=url(first), message=done(first))
        flash(done(first), "success")
        return redirect(url_for(endpoint, **values(first)), 303)

    def refusal_page():
        from portal.rendering import render

        return render("errors.html", code=CONFLICT, title=_("不能重复提交"),
                      message=_("这条记录的上传编号已被使用，请修改后重新上传。"))

    column = getattr(model, key)

    def find(offered):
        return db.session.scalar(select(model).where(column == offered))

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            key = offered_key()
            if key is None:
                return view(*args, **kwargs)
            if not PATTERN.fullmatch(key):
                return refusal(_("上传编号无效。"), 400) if wants_json() else ("", 400)
            first = find(key)
            if first is not None:
                return answer_first(first)
            try:
                response = make_response(view(*args, **kwargs))
            except NotFound:
                if not wants_json():
                    raise
                rollback()
                return refusal(gone)
            except IntegrityError:
                # the same upload, sent twice at once, was saved by the other request a moment ago
                rollback()
                first = find(key)
                if first is None:
                    raise
                return answer_first(first)
            return as_json(response, find) if wants_json() else response

        return wrapped

    def as_json(response, find):
        if response.status_code in (302, 303):
            record = find(offered_key())
            said = [m for _c, m in get_flashed_messages(with_categories=True)]  # not for later
            if record is not None:
                return jsonify(ok=True, replayed=False, url=url(record),
                               message=said[-1] if said else done(record))
        form = getattr(g, "refused_form", None)
        if response.status_code == 422 and form is not None:
            return refusal(*refused_fields(form))
        return response

    return decorator


def refused_fields(form) -> tuple[str, int, dict[str, list[str]]]:
    """A refused form's messages for the phone: one sentence (each labelled by its field) and the
    messages by field name, so the user can mend the kept upload."""
    errors = {name: [str(m) for m in messages] for name, messages in form.errors.items()
              if name and name != "csrf_token"}
    texts = [str(m) for m in form.form_errors]
    for name, messages in errors.items():
        label = getattr(form, name).label.text if hasattr(form, name) else name
        texts.extend(f"{label}：{m}" for m in messages)
    return "；".join(texts) or _("提交的内容有误，请修改后重新上传。"), 422, errors
