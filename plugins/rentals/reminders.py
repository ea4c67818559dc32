"""The reminder before a registration of temporary residence (暂住登记) expires (the worker's
periodic round calls ``remind`` through the ``scheduled_notifications`` hook, for the towns where
the module is on): the grid workers of the let house's grid are told of each living tenant whose
registration expires within EXPIRY_NOTICE_DAYS (or has lapsed without renewal), once per tenant
and expiry date — the key names both, so later rounds add nothing and a renewed registration
(a new expiry) is told again when its turn comes. The message names the tenant and the house,
never the ID number or the phone."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.grids.models import Grid
from portal.notifications.writing import (Composed, grid_workers, notify_each_language,
                                          site_path)
from portal.timeutil import to_local

from .figures import EXPIRY_NOTICE_DAYS, living, tenants_in
from .models import RentalsLetting, RentalsTenant

EVENT = "rentals_expiring"
#: Nobody is woken by a reminder: they start at this local time.
REMIND_FROM = time(9, 0)


def due(town: Grid, today) -> list[RentalsTenant]:
    """Living tenants of ``town`` whose registration expires by today + EXPIRY_NOTICE_DAYS."""
    return list(db.session.scalars(
        tenants_in(town).where(*living(), RentalsTenant.registration_expires_on.is_not(None),
                               RentalsTenant.registration_expires_on
                               <= today + timedelta(days=EXPIRY_NOTICE_DAYS))
        .options(joinedload(RentalsTenant.letting).joinedload(RentalsLetting.grid))
        .order_by(RentalsTenant.registration_expires_on, RentalsTenant.id)))


def remind(town: Grid, now: datetime) -> int:
    local = to_local(now)
    if local.time() < REMIND_FROM:
        return 0
    written = 0
    due_now = due(town, local.date())
    workers = grid_workers({t.letting.grid_id for t in due_now})
    for tenant in due_now:
        letting = tenant.letting
        expires = tenant.registration_expires_on
        assert expires is not None  # the query's condition

        def compose(t=tenant, where=letting.address, d=expires) -> Composed:
            return (_("租客 %(name)s 的暂住登记将到期", name=t.name),
                    _("%(where)s 的租客 %(name)s 的暂住登记 %(d)s 到期，请提醒其及时到派出所续办。",
                      where=where, name=t.name, d=d.isoformat()),
                    {"name": t.name, "address": where, "expires": d.isoformat()})

        written += notify_each_language(
            EVENT, f"{EVENT}:{tenant.id}:{expires.isoformat()}", compose,
            users=workers[letting.grid_id],
            link=site_path("rentals.show", letting_id=letting.id), town=town)
    return written
