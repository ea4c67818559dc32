"""The places' part of a grid worker's today list (the core's ``today_items`` hook): places
whose inspection is overdue (red) or due within the week (yellow), and hazards whose
rectification deadline has passed (red)."""
from flask import url_for
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.permissions import can
from portal.timeutil import local_today

from .figures import due_condition, hazards_in, open_hazards, open_places, places_in
from .kinds import item_label
from .models import PlacesHazard, PlacesPlace

ROW_LIMIT = 100


def items(user, scope) -> list:
    from portal.today import RED, YELLOW, TodayItem, TodayRow
    from portal.today.items import worst

    if not can(user, "places.inspect") or user.role != "grid_worker":
        return []
    today = local_today()
    places = db.session.scalars(places_in(scope).where(*due_condition(today))
                                .order_by(PlacesPlace.next_due_on, PlacesPlace.id)
                                .limit(ROW_LIMIT)).all()
    found = []
    rows = [TodayRow(p.name, url_for("places.inspect", place_id=p.id),
                     RED if p.next_due_on < today else YELLOW,
                     _("应于 %(d)s 前巡查", d=p.next_due_on.isoformat())) for p in places]
    if rows:
        found.append(TodayItem("places.inspections", _("场所安全巡查"), len(rows),
                               url_for("today.index", item="places.inspections"),
                               worst(r.light for r in rows), rows, order=170, module="places"))
    hazards = db.session.scalars(
        hazards_in(scope).where(open_hazards(), open_places(), PlacesHazard.deadline < today)
        .options(joinedload(PlacesHazard.place))
        .order_by(PlacesHazard.deadline, PlacesHazard.id).limit(ROW_LIMIT)).all()
    rows = [TodayRow(_("%(place)s · %(what)s", place=h.place.name,
                       what=item_label(h.place.kind, h.item)),
                     url_for("places.reinspect", place_id=h.place_id), RED,
                     _("整改期限 %(d)s 已过", d=h.deadline.isoformat())) for h in hazards]
    if rows:
        found.append(TodayItem("places.hazards", _("隐患整改逾期"), len(rows),
                               url_for("today.index", item="places.hazards"), RED, rows,
                               order=171, module="places"))
    return found
