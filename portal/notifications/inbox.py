"""The in-portal inbox (站内消息): the bell in the header with the unread count, the list of
one's messages newest first, opening one (read, then its link), and 全部已读.

A message is the outbox row itself (channel "inbox"), so these pages read and mark the
current user's rows only: another person's message is a 404, whatever its id."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select, update

from portal.extensions import db
from portal.local_redirect import local_target
from portal.notifications.channels import INBOX
from portal.notifications.models import Notification
from portal.pagination import paginate
from portal.rendering import render
from portal.tenancy.cache import request_cache
from portal.timeutil import utcnow
from portal.web import commit, run_action

bp = Blueprint("inbox", __name__, url_prefix="/inbox")

PAGE_SIZE = 30


def mine():
    """The current user's inbox rows (the bell's index covers user, channel and read_at)."""
    return ((Notification.user_id == current_user.id) & (Notification.channel == INBOX.name))


def unread_count() -> int:
    """The bell's number: one indexed count per page, remembered for the request."""
    if not current_user.is_authenticated:
        return 0
    cache = request_cache("inbox")
    if "unread" not in cache:
        cache["unread"] = db.session.scalar(
            select(func.count()).select_from(Notification)
            .where(mine(), Notification.read_at.is_(None))) or 0
    return cache["unread"]


@bp.app_context_processor
def bell():
    # a function, so the count is made only by pages that draw the header (not by fragments)
    return {"inbox_unread": unread_count}


@bp.route("/")
@login_required
def index():
    page = paginate(select(Notification).where(mine())
                    .order_by(Notification.created_at.desc(), Notification.id.desc()), PAGE_SIZE)
    return render("notifications/inbox.html", **page.context(), unread=unread_count())


@bp.route("/<int:notification_id>")
@login_required
def show(notification_id):
    """Read: the message is marked read, then its link is followed (a path on this site only:
    a link written elsewhere that is not local leads back to the inbox)."""
    row = db.session.scalar(select(Notification).where(mine(), Notification.id == notification_id))
    if row is None:
        abort(404)
    if row.read_at is None:
        row.read_at = utcnow()
        commit()
    return redirect(local_target(row.link) or url_for("inbox.index"))


@bp.route("/read", methods=["POST"])
@login_required
def read_all():
    def work():
        return db.session.execute(update(Notification).where(mine(), Notification.read_at.is_(None))
                                  .values(read_at=utcnow())).rowcount

    return run_action(work, done=lambda n: _("已将%(n)d条消息标为已读。", n=n or 0),
                      then=url_for("inbox.index"))
