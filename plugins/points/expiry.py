"""Points expire per award (积分有效期): each award is valid for the town's number of months from the
day it was earned, spent oldest first, so what expires is what is left of the oldest awards.

The worker's periodic round (``scheduled_notifications``, every few minutes, for the towns where
points are on) runs a town's expiry once a local day, from 01:00: the expiry of the day, then a
message to the owners whose points will expire in the next WARN_DAYS days, once per account and
month of expiry. ``portal points expire`` remains for a one-off cut-off date."""
from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from portal.extensions import db
from portal.notifications.writing import Composed, notify_each_language, site_path
from portal.settings import get_setting, set_setting
from portal.timeutil import to_local, to_utc

from . import ledger
from .models import PointsAccount
from .notices import owners
from .town_settings import EXPIRED_ON_SETTING, valid_months

EVENT = "points_expiring"
#: Owners are told this many days before their points expire.
WARN_DAYS = 30
#: The day's expiry runs from this local time (after midnight's awards are all in).
RUN_FROM = time(1, 0)


def months_before(day: date, months: int) -> date:
    """``day`` ``months`` months earlier; the 31st becomes the month's last day."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def cutoff(day: date, months: int) -> datetime:
    """Points earned before this moment (UTC) have expired on local ``day``."""
    return to_utc(datetime.combine(months_before(day, months), time()))


def run(town, now: datetime) -> tuple[int, int]:
    """The town's expiry of the local day of ``now`` and the warnings; (points expired, owners
    told). Nothing where points never expire, before RUN_FROM, or when today's has run."""
    months = valid_months(town)
    local = to_local(now)
    today = local.date()
    if not months or local.time() < RUN_FROM or \
            get_setting(town, EXPIRED_ON_SETTING, None) == today.isoformat():
        return 0, 0
    expired = ledger.expire(town, cutoff(today, months)) if _any_due(town, today, months) else 0
    told = warn(town, today, months)
    set_setting(town, EXPIRED_ON_SETTING, today.isoformat())
    return expired, told


def _any_due(town, today: date, months: int) -> bool:
    """Whether an award of the town is old enough to expire: most days none is, and the day's
    run then writes nothing (not even an audit line)."""
    from .models import PointsEntry

    return db.session.scalar(select(PointsEntry.id).where(
        PointsEntry.town_id == town.id, PointsEntry.points > 0,
        PointsEntry.created_at < cutoff(today, months)).limit(1)) is not None


def warn(town, today: date, months: int) -> int:
    """Tell the owners whose points expire within WARN_DAYS days how many and when."""
    soon = today + timedelta(days=WARN_DAYS)
    before = cutoff(soon, months)
    told = 0
    accounts = db.session.scalars(select(PointsAccount).filter_by(town_id=town.id)
                                  .where(PointsAccount.balance > 0)
                                  .order_by(PointsAccount.id)).all()
    for account in accounts:
        amount = ledger.expiring_points(account.id, before)
        if not amount:
            continue
        people = owners(account)
        if not people:
            continue

        def compose(amount=amount) -> Composed:
            return (_("积分即将到期"),
                    _("您有 %(n)d 积分将在 %(d)s 前到期，请及时到村积分超市兑换。", n=amount,
                      d=f"{soon:%Y-%m-%d}"),
                    {"points": amount, "before": f"{soon:%Y-%m-%d}"})

        told += bool(notify_each_language(EVENT, f"{EVENT}:{account.id}:{soon:%Y-%m}", compose,
                                          users=people, link=site_path("points.mine"),
                                          town=account.town))
    return told
