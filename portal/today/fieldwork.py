"""The register's part of the today list: households due for a visit (走访), key persons due
for a check-in (重点人员), and grids with no grid worker (一格一员)."""
from __future__ import annotations

import re

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.people.models import Household
from portal.people.visits import due_list
from portal.permissions import can
from portal.today.items import RED, YELLOW, TodayItem, TodayRow

#: "凤南一组5号" → ("凤南一组", 5): the hamlet or villager group (村民小组) or street an address
#: starts with, and its house number, for the printed sheet's walking order.
_ADDRESS = re.compile(r"^(?P<place>.*?)(?P<number>\d+)")


def walking_place(address: str, building: str | None) -> tuple[str, int]:
    """Where a household is on a walk: its building (楼栋) when the register knows it, else the
    hamlet/street its address starts with; and its house number within it (0 if none)."""
    match = _ADDRESS.match(address or "")
    place = building or (match.group("place").strip() if match else "") or (address or "")
    return place, int(match.group("number")) if match else 0


def visits(user) -> TodayItem | None:
    """Households due or overdue for a visit in the user's scope, most urgent first (the
    visits due list, visits.due, shows exactly these)."""
    if not can(user, "people.view"):
        return None
    due = due_list(user.scope)
    if not due:
        return None
    # one more query for the houses (building) of the listed households, for the printed order
    houses = {h.id: h for h in db.session.scalars(
        select(Household).where(Household.id.in_([d.household_id for d in due]))
        .options(joinedload(Household.house)))}
    rows = []
    overdue = 0
    for d in due:
        household = houses.get(d.household_id)
        late = d.status == "overdue"
        overdue += late
        meta = (_("逾期%(n)d天", n=d.overdue_days) if late
                else _("%(day)s到期", day=d.due_on.isoformat()))
        meta += f" · {d.grid_name}"
        if d.needs_care:
            meta += " · " + _("关爱对象")
        building = household.house.building if household and household.house else None
        place, number = walking_place(d.address, building)
        rows.append(TodayRow(d.address, url_for("visits.new", household_id=d.household_id),
                             RED if late else YELLOW, meta, group=place,
                             sort_key=(number, household.number or "" if household else "",
                                       d.household_id)))
    return TodayItem("visits", _("待走访"), len(rows), url_for("visits.due"),
                     RED if overdue else YELLOW, rows, order=30,
                     note=_("逾期 %(n)d", n=overdue) if overdue else "")


def key_persons(user) -> TodayItem | None:
    """Key persons in control (red light) whose household has had no visit within the town's
    interval for red households: a count only, linked to the register's own audited list
    (keypersons.index?due=1); names never appear outside it."""
    if not can(user, "people.key_persons"):
        return None
    from portal.people.key_person_views import due_query

    count = db.session.scalar(select(func.count()).select_from(due_query(user.scope).subquery()))
    if not count:
        return None
    return TodayItem("key_persons", _("重点人员待走访"), count,
                     url_for("keypersons.index", due=1), RED, order=32)


def unstaffed(user) -> TodayItem | None:
    """Base and special grids in the scope with no current grid worker."""
    if not can(user, "grids.manage") or not can(user, "dashboard.view"):
        return None
    from portal.home import grids_without_worker

    count = grids_without_worker(user.scope)
    if not count:
        return None
    return TodayItem("unstaffed", _("无网格员的网格"), count, url_for("dashboard.unstaffed"),
                     YELLOW, order=80)

