"""The events people can be told about, named in both languages for the preferences page and the
admins' outbox. Plugins add theirs through ``notification_events``."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

CORE_EVENTS = {
    "case_assigned": _l("事件分派给我"),
    "case_light": _l("我的事件变黄或变红"),
    "case_supervised": _l("督办通知"),
    "case_answered": _l("我反映的事件已办结"),
    "daily_digest": _l("每日待办"),
    "emergency": _l("突发事件"),
}


def all_events() -> dict:
    """The core's events and every loaded plugin's (switched on or not: a label must always be
    found for a row already written)."""
    from portal.plugins import host

    events = dict(CORE_EVENTS)
    for labels in host().pm.hook.notification_events():
        events.update(labels or {})
    return events
