"""The patrol's forms sent from the phone's offline queue (README "离线手机", portal/offline): the
queue posts a kept form again with the phone's key (``idempotency_key``) and asks for JSON. The
core's ``portal.offline.replay.replayable`` reads the key from a column of that name; a patrol
and its points keep theirs as ``client_key``, so this is the same answer for them: the key sent
again answers with the first record, another user's key is refused without a word about its
record, and the phone is told ``ok`` or the server's message."""
from collections.abc import Callable
from functools import wraps

from flask import flash, g, get_flashed_messages, jsonify, make_response, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from portal.local_redirect import local_target
from portal.offline.replay import PATTERN, offered_key, refusal, refused_fields, wants_json
from portal.web import rollback


def replayable(find: Callable, owner: Callable, url: Callable, done: Callable):
    """``find(key)``: the record a key made, or None; ``owner(record)``: the user id who made
    it; ``url(record)``: its page; ``done(record)``: what a success says."""

    def answer_first(first):
        if owner(first) != current_user.id:
            return refusal(_("这条记录的上传编号已被使用，请修改后重新上传。"))
        if wants_json():
            return jsonify(ok=True, replayed=True, url=url(first), message=done(first))
        flash(done(first), "success")
        return redirect(local_target(url(first)) or url_for("grid_work.home"), 303)

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
            except IntegrityError:
                rollback()  # the same upload sent twice at once: the other request saved it
                first = find(key)
                if first is None:
                    raise
                return answer_first(first)
            if not wants_json():
                return response
            if response.status_code in (302, 303):
                record = find(key)
                said = [m for _c, m in get_flashed_messages(with_categories=True)]
                if record is not None:
                    return jsonify(ok=True, replayed=False, url=url(record),
                                   message=said[-1] if said else done(record))
                return refusal(said[-1] if said else _("提交的内容有误，请修改后重新上传。"))
            form = getattr(g, "refused_form", None)
            if response.status_code == 422 and form is not None:
                return refusal(*refused_fields(form))
            return response

        return wrapped

    return decorator
