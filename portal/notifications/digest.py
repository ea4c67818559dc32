"""The daily digest (每日待办): each staff member's today list, sent once a day at the time
their town chose (07:30 unless it chose another).

The worker's ``digests`` task asks every few minutes; ``due_towns`` answers which towns' time
has come and have not had today's digest yet. The keys (``digest:<day>:<user>``) make a second
run — on a second worker, or after a crash between writing and marking — add nothing.
"""
from __future__ import annotations

import re
from datetime import date, datetime, time

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.extensions import db
from portal.settings import get_setting, set_setting
from portal.tenancy import in_subtree
from portal.timeutil import local_now

#: The town's digest time, local "HH:MM".
TIME_SETTING = "notifications.digest_time"
DEFAULT_TIME = "07:30"
#: The last day a town's digests were written (ISO date): the round skips it until tomorrow
#: rather than working out every user's list again every few minutes.
WRITTEN_SETTING = "notifications.digest_written"

CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def parse_clock(value: str | None) -> time | None:
    """ "07:30" → 07:30; None for anything that is not a time of day."""
    match = CLOCK.match((value or "").strip())
    return time(int(match.group(1)), int(match.group(2))) if match else None


def digest_time(town) -> str:
    value = get_setting(town, TIME_SETTING, DEFAULT_TIME)
    return value if parse_clock(value) else DEFAULT_TIME


def due_towns(now: datetime | None = None) -> list:
    """The towns whose digest time has passed today (local time) and whose digests for today
    were not written yet."""
    from portal.grids.models import TOWN, Grid

    local = now or local_now()
    towns = db.session.scalars(db.select(Grid).where(Grid.level == TOWN,
                                                     Grid.retired_at.is_(None)))
    return [town for town in towns
            if local.time() >= (parse_clock(digest_time(town)) or time(7, 30))
            and get_setting(town, WRITTEN_SETTING, None) != local.date().isoformat()]


def staff_of(town) -> list:
    """The active users working in ``town`` (its own staff and its villages' and grids'),
    residents aside: they have their own page, not a work list."""
    from portal.auth.models import User
    from portal.grids.models import Grid

    return list(db.session.scalars(
        db.select(User).join(Grid, Grid.id == User.scope_id)
        .where(in_subtree(Grid.code, town), User.role != "resident",
               User.is_active_flag.is_(True))
        .order_by(User.id)))


def write_digests(town, today: date) -> int:
    """Write today's digest for every active staff member of ``town`` whose today list holds
    something (nothing to do: no message) and mark the town done for ``today``. Returns the
    rows written. The caller commits."""
    from portal.notifications.outbox import notify
    from portal.today.listing import as_text  # the today list (portal.today)

    base_url = current_app.config.get("PUBLIC_BASE_URL") or ""
    written = 0
    # the today list links its items with url_for, which needs a request: the worker has none,
    # so it gets one of its own (nobody logged in; the lists are asked for ``user``)
    with current_app.test_request_context("/", base_url=base_url or None):
        for user in staff_of(town):
            with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
                text = as_text(user, base_url=base_url)
                if not text:
                    continue
                subject = _("今日工作 %(day)s", day=today.isoformat())
            written += notify("daily_digest", f"digest:{today.isoformat()}:{user.id}",
                              subject=subject, body=text, link="/today/", users=[user],
                              town=town)
    set_setting(town, WRITTEN_SETTING, today.isoformat())
    return written
