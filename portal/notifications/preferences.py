"""Which channels reach a person for an event, and when they are not to be disturbed."""
from __future__ import annotations

import json
from datetime import datetime, time, timedelta

from portal.extensions import db
from portal.notifications.channels import all_channels
from portal.notifications.models import NotificationSetting
from portal.timeutil import to_local, to_utc


def setting_of(user_id: int) -> NotificationSetting | None:
    return db.session.get(NotificationSetting, user_id)


def channels_for(user, event: str) -> list[str]:
    """The channels ``user`` chose for ``event`` (the defaults when they never chose), limited to
    the channels that exist and on which they have an address."""
    channels = all_channels()
    setting = setting_of(user.id)
    chosen = json.loads(setting.channels).get(event) if setting is not None else None
    if chosen is None:
        chosen = [name for name, channel in channels.items() if channel.default]
    return [name for name in chosen if name in channels
            and (channels[name].address_of is None or channels[name].address_of(user))]


def _parse(value: str | None) -> time | None:
    if not value:
        return None
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def quiet_until(user_id: int | None, now: datetime) -> datetime | None:
    """When ``user_id``'s quiet hours end if ``now`` (UTC) falls inside them, else None."""
    setting = setting_of(user_id) if user_id is not None else None
    start, end = (_parse(setting.quiet_from), _parse(setting.quiet_to)) if setting else (None, None)
    if start is None or end is None or start == end:
        return None
    local = to_local(now)
    clock = local.time()
    inside = start <= clock < end if start < end else (clock >= start or clock < end)
    if not inside:
        return None
    ends = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if ends <= local:
        ends += timedelta(days=1)
    return to_utc(ends)
