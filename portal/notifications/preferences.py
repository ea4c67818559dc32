"""Which channels reach a person for an event, and when they are not to be disturbed."""
from __future__ import annotations

import json
import re
from datetime import datetime, time, timedelta

from flask_babel import gettext as _

from portal.errors import DomainError
from portal.extensions import db
from portal.notifications.channels import INBOX, has_address, personal_channels
from portal.notifications.messages import Channel
from portal.notifications.models import NotificationSetting
from portal.timeutil import to_local, to_utc

CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


#: "not looked up yet": the callers that notify many people look up all their settings at once
UNSET: object = object()


def setting_of(user_id: int) -> NotificationSetting | None:
    return db.session.get(NotificationSetting, user_id)


def settings_of(user_ids) -> dict[int, NotificationSetting | None]:
    """The settings of several people in one query (None for those who never chose)."""
    ids = list(user_ids)
    found = {s.user_id: s for s in db.session.scalars(
        db.select(NotificationSetting).where(NotificationSetting.user_id.in_(ids)))} if ids else {}
    return {user_id: found.get(user_id) for user_id in ids}


def is_default(channel: Channel, event: str) -> bool:
    """Whether ``channel`` is chosen for ``event`` by someone who never chose."""
    return channel.default and (channel.default_events is None or event in channel.default_events)


def chosen(user, event: str, setting=UNSET) -> list[str]:
    """What ``user`` chose for ``event`` (the defaults when they never chose), addresses aside."""
    if setting is UNSET:
        setting = setting_of(user.id)
    picked = json.loads(setting.channels).get(event) if setting is not None else None
    if picked is None:
        return [name for name, channel in personal_channels().items()
                if is_default(channel, event)]
    return list(picked)


def channels_for(user, event: str, setting=UNSET) -> list[str]:
    """The channels ``user`` chose for ``event`` (the defaults when they never chose), limited to
    the channels that exist and on which they have an address. The inbox is always among them:
    the bell is where everything can be found again."""
    channels = personal_channels()
    picked = [INBOX.name, *(name for name in chosen(user, event, setting)
                                if name != INBOX.name)]
    return [name for name in picked if name in channels and has_address(channels[name], user)]


def save_choices(user, choices: dict[str, list[str]], quiet_from: str | None,
                 quiet_to: str | None) -> NotificationSetting:
    """Keep ``user``'s channels per event and quiet hours ("HH:MM" local, both or neither)."""
    quiet_from, quiet_to = _clock(quiet_from, "quiet_from"), _clock(quiet_to, "quiet_to")
    if bool(quiet_from) != bool(quiet_to):
        field = "quiet_to" if quiet_from else "quiet_from"
        raise DomainError(_("免打扰请同时填写开始和结束时间。"), field)
    if quiet_from and quiet_from == quiet_to:
        raise DomainError(_("免打扰的开始和结束时间不能相同。"), "quiet_to")
    channels = personal_channels()
    kept = {event: [name for name in names if name in channels and name != INBOX.name]
            for event, names in choices.items()}
    setting = setting_of(user.id)
    if setting is None:
        setting = NotificationSetting(user_id=user.id)
        db.session.add(setting)
    setting.channels = json.dumps(kept, ensure_ascii=False, sort_keys=True)
    setting.quiet_from, setting.quiet_to = quiet_from, quiet_to
    return setting


def _clock(value: str | None, field: str) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    match = CLOCK.match(value)
    if match is None:
        raise DomainError(_("请按“时:分”填写，例如 22:00。"), field)
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def _parse(value: str | None) -> time | None:
    if not value:
        return None
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def quiet_until(user_id: int | None, now: datetime, setting=UNSET) -> datetime | None:
    """When ``user_id``'s quiet hours end if ``now`` (UTC) falls inside them, else None."""
    if setting is UNSET:
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
