"""The reminder before a place's licence expires (the worker's periodic round calls ``remind``
through the ``scheduled_notifications`` hook, for the towns where the module is on): the grid
workers of the place's grid are told of each licence in force of an open place that expires
within EXPIRY_NOTICE_DAYS (or has expired), once per licence and expiry date — the key names
both, so later rounds add nothing and a renewed licence (a new expiry) is told again when its
turn comes. The message names the place and the licence, never the contact phone."""
from __future__ import annotations

from datetime import datetime, time

from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.grids.models import Grid
from portal.notifications.writing import (Composed, grid_workers, notify_each_language,
                                          site_path)
from portal.timeutil import to_local

from .figures import licence_due, licences_in
from .models import PlacesLicence, PlacesPlace

EVENT = "places_licence_expiring"
#: Nobody is woken by a reminder: they start at this local time.
REMIND_FROM = time(9, 0)


def due(town: Grid, today) -> list[PlacesLicence]:
    return list(db.session.scalars(
        licences_in(town).where(*licence_due(today))
        .options(joinedload(PlacesLicence.place).joinedload(PlacesPlace.grid))
        .order_by(PlacesLicence.expires_on, PlacesLicence.id)))


def remind(town: Grid, now: datetime) -> int:
    local = to_local(now)
    if local.time() < REMIND_FROM:
        return 0
    written = 0
    due_now = due(town, local.date())
    workers = grid_workers({lic.place.grid_id for lic in due_now})
    for licence in due_now:
        place = licence.place
        expires = licence.expires_on
        assert expires is not None  # the query's condition

        def compose(lic=licence, name=place.name, d=expires) -> Composed:
            return (_("%(place)s 的%(licence)s将到期", place=name, licence=lic.name),
                    _("%(place)s 的%(licence)s %(d)s 到期，请提醒负责人及时办理延续或换证。",
                      place=name, licence=lic.name, d=d.isoformat()),
                    {"place": name, "licence": lic.name, "expires": d.isoformat()})

        written += notify_each_language(
            EVENT, f"{EVENT}:{licence.id}:{expires.isoformat()}", compose,
            users=workers[place.grid_id],
            link=site_path("places.show", place_id=place.id), town=town)
    return written
