"""The volunteer service's part of a user's today list (the core's ``today_items`` hook):
pairing visits (结对帮扶) due for the staff who keep them, and this week's activities for a
volunteer who signed up for them or leads the team running them."""
from datetime import timedelta

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import and_, false, or_, select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.permissions import can
from portal.timeutil import local_date, local_today, to_local, utcnow

from . import services
from .models import VolunteersActivity, VolunteersSignup

#: A pairing visit due within this many days is on the list (as the core's visits: 3).
DUE_SOON = 3
#: "This week": activities starting within this many days.
WEEK = timedelta(days=7)


def due_soon(row) -> bool:
    """A pairing (services.PairingDue) overdue or due within DUE_SOON days."""
    return row.due_on <= local_today() + timedelta(days=DUE_SOON)


def week_condition(user, volunteer, now):
    """SQL: activities starting within a week, not cancelled, that ``volunteer`` signed up for
    (not cancelled) or a team ``user`` leads runs."""
    mine = []
    if volunteer is not None:
        mine.append(VolunteersActivity.id.in_(select(VolunteersSignup.activity_id).filter_by(
            volunteer_id=volunteer.id, cancelled_at=None)))
    led = services.led_team_ids(user)
    if led:
        mine.append(VolunteersActivity.team_id.in_(led))
    return and_(VolunteersActivity.starts_at >= now, VolunteersActivity.starts_at < now + WEEK,
                VolunteersActivity.cancelled_at.is_(None), or_(*mine) if mine else false())


def pairings(user, scope):
    from portal.today import RED, YELLOW, TodayItem, TodayRow

    if not can(user, "volunteers.pairing"):
        return None
    due = [row for row in services.pairings_due(scope) if due_soon(row)]
    if not due:
        return None
    today = local_today()
    rows = [TodayRow(row.pairing.household.address,
                     url_for("volunteers.pairing", pairing_id=row.pairing.id),
                     RED if row.due_on < today else YELLOW,
                     f"{row.pairing.volunteer.name} · " + (
                         _("逾期%(n)d天", n=row.overdue_days) if row.due_on < today
                         else _("%(day)s到期", day=row.due_on.isoformat())))
            for row in due]
    late = sum(1 for row in due if row.due_on < today)
    return TodayItem("volunteers.pairings", _("结对帮扶待走访"), len(rows),
                     url_for("volunteers.pairings", due=1), RED if late else YELLOW, rows,
                     order=110, note=_("逾期 %(n)d", n=late) if late else "",
                     module="volunteers")


def activities(user):
    from portal.today import NONE, YELLOW, TodayItem, TodayRow

    volunteer = services.volunteer_of(user)
    if volunteer is None and not services.led_team_ids(user):
        return None
    now = utcnow()
    found = list(db.session.scalars(
        select(VolunteersActivity).where(week_condition(user, volunteer, now))
        .options(joinedload(VolunteersActivity.team)).order_by(VolunteersActivity.starts_at)
        .limit(50)))
    if not found:
        return None
    soon = local_today() + timedelta(days=1)  # today or tomorrow: yellow
    rows = [TodayRow(a.title, url_for("volunteers.activity", activity_id=a.id),
                     YELLOW if local_date(a.starts_at) <= soon else None,
                     f"{to_local(a.starts_at):%m-%d %H:%M} · {a.place} · {a.team.name}")
            for a in found]
    urgent = any(r.light for r in rows)
    return TodayItem("volunteers.activities", _("本周志愿活动"), len(rows),
                     url_for("volunteers.activities", mine=1), YELLOW if urgent else NONE,
                     rows, order=120, module="volunteers")


def items(user, scope) -> list:
    return [item for item in (pairings(user, scope), activities(user)) if item is not None]
