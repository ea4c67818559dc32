"""The rentals' part of a grid worker's today list (the core's ``today_items`` hook): tenants
whose registration of temporary residence expires within EXPIRY_NOTICE_DAYS (yellow), or has
lapsed while they still live there (red)."""
from flask import url_for
from flask_babel import gettext as _

from portal.permissions import can
from portal.timeutil import local_today

from .reminders import due

ROW_LIMIT = 100


def items(user, scope) -> list:
    from portal.today import RED, YELLOW, TodayRow
    from portal.today.items import TodayItem, worst

    if not can(user, "rentals.manage") or user.role != "grid_worker":
        return []
    today = local_today()
    tenants = due(scope, today)[:ROW_LIMIT]
    rows = [TodayRow(_("%(name)s · %(where)s", name=t.name, where=t.letting.address),
                     url_for("rentals.show", letting_id=t.letting_id),
                     RED if t.registration_expires_on < today else YELLOW,
                     _("暂住登记 %(d)s 到期", d=t.registration_expires_on.isoformat()))
            for t in tenants]
    if not rows:
        return []
    return [TodayItem("rentals.expiring", _("暂住登记到期"), len(rows),
                      url_for("today.index", item="rentals.expiring"),
                      worst(r.light for r in rows), rows, order=160, module="rentals")]
