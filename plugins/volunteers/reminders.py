"""The day before an activity, its volunteers are reminded (the worker's periodic round calls
``remind_tomorrow`` through the ``scheduled_notifications`` hook, for the towns where the module
is on). One reminder per activity and volunteer: the key names both, so every later round of
the day adds nothing, while someone who signs up in the evening is still told."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.grids.models import Grid
from portal.notifications.writing import Composed, notify_each_language, site_path
from portal.tenancy import in_subtree, in_subtree_where_on
from portal.timeutil import to_local, utc_start_of

from .models import VolunteersActivity, VolunteersSignup, VolunteersTeam, VolunteersVolunteer

EVENT = "volunteers_activity"
#: Reminders start at this local time the day before (not at midnight: an SMS wakes people).
REMIND_FROM = time(9, 0)


def remind_tomorrow(town: Grid, now: datetime) -> int:
    """Remind the volunteers signed up (not cancelled) for the town's activities starting
    tomorrow (local days), from REMIND_FROM today. Volunteers with a login are told in the
    portal and on their channels; those without one by SMS to the phone on their record.
    Returns the rows written."""
    local = to_local(now)
    if local.time() < REMIND_FROM:
        return 0
    tomorrow = local.date() + timedelta(days=1)
    activities = db.session.scalars(
        select(VolunteersActivity).join(VolunteersTeam)
        .join(Grid, Grid.id == VolunteersTeam.grid_id)
        .where(in_subtree_where_on("volunteers", town), VolunteersActivity.cancelled_at.is_(None),
               VolunteersActivity.starts_at >= utc_start_of(tomorrow),
               VolunteersActivity.starts_at < utc_start_of(tomorrow + timedelta(days=1)))
        .options(selectinload(VolunteersActivity.signups).joinedload(VolunteersSignup.volunteer)
                 .joinedload(VolunteersVolunteer.user))
        .order_by(VolunteersActivity.starts_at, VolunteersActivity.id)).all()
    written = 0
    for activity in activities:
        for signup in activity.signups:
            if signup.cancelled_at is None:
                written += _remind(town, activity, signup.volunteer)
    return written


def _remind(town: Grid, activity: VolunteersActivity, volunteer: VolunteersVolunteer) -> int:
    user = volunteer.user
    # a login outside the town (moved away, another town's account) is not told of this one
    if user is not None and not (user.is_active and in_subtree(user.scope.code, town)):
        user = None
    direct = [("sms", volunteer.phone)] if user is None and volunteer.phone else []
    starts = to_local(activity.starts_at)

    def compose() -> Composed:
        return (_("明天的志愿活动：%(title)s", title=activity.title),
                _("您报名的志愿活动“%(title)s”明天 %(time)s 在%(place)s开始，请准时参加。",
                  title=activity.title, time=f"{starts:%H:%M}", place=activity.place),
                {"title": activity.title, "time": f"{starts:%m-%d %H:%M}",
                 "place": activity.place})

    return notify_each_language(
        EVENT, f"{EVENT}:{activity.id}:{volunteer.id}", compose,
        users=[user] if user is not None else [], direct=direct,
        link=site_path("volunteers.activity", activity_id=activity.id), town=town)
