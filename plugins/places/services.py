"""What the places pages do to the records: register, change and close a place, add and end its
licences, record an inspection (the hazards it finds, with photos), a re-inspection (复查) that
closes or extends them, report a hazard as a case (once), and the audited look at a place's full
contact phone. Each writes its audit entry; a refusal is a DomainError naming the field, raised
before anything is written. The caller commits."""
from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, cast

from flask_babel import gettext as _
from sqlalchemy import CursorResult, update
from sqlalchemy.orm import joinedload

from portal import audit
from portal.errors import DomainError
from portal.extensions import db
from portal.grids.models import GRID, SPECIAL, Grid
from portal.tenancy import town_of
from portal.timeutil import local_today
from portal.uploads import UploadError, prepare_photos, store_at_commit

from . import schedule, town_settings
from .kinds import FAIL, KINDS, RESULTS, checklist, item_label, kind_label
from .models import (PlacesHazard, PlacesHazardPhoto, PlacesInspection, PlacesLicence,
                     PlacesPlace)

if TYPE_CHECKING:
    from portal.cases.models import Case

#: The fields of a place a form edits (the phone apart: an empty phone keeps the stored one).
PLACE_FIELDS = ("name", "kind", "address", "latitude", "longitude", "person_in_charge",
                "staff_count", "note")


def _check_place(grid: Grid, kind: str, latitude: float | None, longitude: float | None,
                 staff_count: int | None) -> None:
    if grid is None or grid.level not in (GRID, SPECIAL) or not grid.active:
        raise DomainError(_("请选择场所所在的网格。"), field="grid")
    if kind not in KINDS:
        raise DomainError(_("请选择场所类型。"), field="kind")
    if (latitude is None) != (longitude is None):
        raise DomainError(_("纬度和经度要同时填写，或都不填。"),
                          field="longitude" if longitude is None else "latitude")
    if latitude is not None and not -90 <= latitude <= 90:
        raise DomainError(_("纬度应在-90到90之间。"), field="latitude")
    if longitude is not None and not -180 <= longitude <= 180:
        raise DomainError(_("经度应在-180到180之间。"), field="longitude")
    if staff_count is not None and not 0 <= staff_count <= 100000:
        raise DomainError(_("从业人数应在0到100000之间。"), field="staff_count")


def register(grid: Grid, *, name: str, kind: str, actor=None, address: str | None = None,
             latitude: float | None = None, longitude: float | None = None,
             person_in_charge: str | None = None, contact_phone: str | None = None,
             staff_count: int | None = None, note: str | None = None,
             registered_on: date | None = None) -> PlacesPlace:
    _check_place(grid, kind, latitude, longitude, staff_count)
    registered_on = registered_on or local_today()
    if registered_on > local_today():
        raise DomainError(_("登记日期不能晚于今天。"), field="registered_on")
    place = PlacesPlace(name=name, kind=kind, grid_id=grid.id, grid=grid,
                        address=address or None, latitude=latitude, longitude=longitude,
                        person_in_charge=person_in_charge or None,
                        contact_phone=contact_phone or None, staff_count=staff_count,
                        note=note or None, registered_on=registered_on,
                        created_by_id=getattr(actor, "id", None))
    db.session.add(place)
    schedule.refresh(place)
    db.session.flush()
    # the audit names the place, never its contact phone
    audit.record("places.register", place, scope_code=grid.code, user=actor, name=name,
                 kind=kind, grid=grid.name)
    return place


def update_place(place: PlacesPlace, *, grid: Grid, actor=None, contact_phone: str | None = None,
                 **fields) -> PlacesPlace:
    """Change a place's details; an empty ``contact_phone`` keeps the stored one."""
    if place.closed_on is not None:
        raise DomainError(_("这个场所已经关闭，不能再修改。"), field="name")
    _check_place(grid, fields["kind"], fields.get("latitude"), fields.get("longitude"),
                 fields.get("staff_count"))
    values = {key: fields.get(key) for key in PLACE_FIELDS}
    for key in ("address", "person_in_charge", "note"):
        values[key] = values[key] or None
    changed = [key for key, value in values.items() if getattr(place, key) != value]
    for key, value in values.items():
        setattr(place, key, value)
    if grid.id != place.grid_id:
        changed.append("grid")
        place.grid_id, place.grid = grid.id, grid
    if contact_phone and contact_phone != place.contact_phone:
        changed.append("contact_phone")
        place.contact_phone = contact_phone
    schedule.refresh(place)
    audit.record("places.update", place, scope_code=grid.code, user=actor, name=place.name,
                 changed=changed)
    return place


def close(place: PlacesPlace, on: date, actor=None) -> PlacesPlace:
    """The place closed (歇业, 拆除): kept with the day, no longer inspected."""
    if place.closed_on is not None:
        raise DomainError(_("这个场所已经关闭。"), field="on")
    if on < place.registered_on or on > local_today():
        raise DomainError(_("关闭日期应在登记日期和今天之间。"), field="on")
    place.closed_on = on
    schedule.refresh(place)
    audit.record("places.close", place, scope_code=place.grid.code, user=actor, name=place.name,
                 on=on)
    return place


def add_licence(place: PlacesPlace, *, name: str, number: str | None = None,
                expires_on: date | None = None, actor=None) -> PlacesLicence:
    if place.closed_on is not None:
        raise DomainError(_("这个场所已经关闭，不能再登记证照。"), field="name")
    licence = PlacesLicence(place=place, name=name, number=number or None, expires_on=expires_on)
    db.session.add(licence)
    db.session.flush()
    audit.record("places.licence_add", licence, scope_code=place.grid.code, user=actor,
                 place=place.name, name=name, expires=expires_on)
    return licence


def end_licence(licence: PlacesLicence, on: date, actor=None) -> PlacesLicence:
    """The licence was cancelled or replaced by a new one: ended, kept on record."""
    if licence.ended_on is not None:
        raise DomainError(_("这个证照已经注销。"), field="on")
    if on > local_today():
        raise DomainError(_("注销日期不能晚于今天。"), field="on")
    licence.ended_on = on
    audit.record("places.licence_end", licence, scope_code=licence.place.grid.code, user=actor,
                 place=licence.place.name, name=licence.name, on=on)
    return licence


def _checked_date(place: PlacesPlace, on: date, field: str = "inspected_on") -> date:
    if on > local_today():
        raise DomainError(_("检查日期不能晚于今天。"), field=field)
    if on < place.registered_on:
        raise DomainError(_("检查日期不能早于登记日期 %(d)s。", d=place.registered_on.isoformat()),
                          field=field)
    return on


def default_deadline(place: PlacesPlace, on: date) -> date:
    """A hazard's rectification deadline unless the inspector sets one: the town's days."""
    return on + timedelta(days=town_settings.rectify_days(town_of(place.grid)))


def inspect(place: PlacesPlace, *, inspected_on: date, results: dict[str, str],
            hazards: dict[str, dict] | None = None, note: str | None = None,
            actor=None) -> PlacesInspection:
    """Record an inspection: ``results`` {item: pass/fail/na} answers every item of the place's
    checklist; each failed item becomes a hazard with ``hazards[item]``'s ``description``
    (else the item itself), ``deadline`` (else the town's default) and ``photos`` (files)."""
    hazards = hazards or {}
    if place.closed_on is not None:
        raise DomainError(_("这个场所已经关闭，不再检查。"), field="inspected_on")
    _checked_date(place, inspected_on)
    items = checklist(place.kind)
    for item in items:
        if results.get(item) not in RESULTS:
            raise DomainError(_("请选择检查结果。"), field=f"r-{item}")
    unknown = set(results) - set(items)
    if unknown:
        raise DomainError(_("检查项目不属于这类场所。"), field="inspected_on")
    found = []
    # the town's days to rectify, read once for all the failed items
    default = default_deadline(place, inspected_on) if FAIL in results.values() else None
    for item in items:
        if results[item] != FAIL:
            continue
        given = hazards.get(item) or {}
        deadline = given.get("deadline") or default
        assert deadline is not None  # a failed item: the default was read above
        if deadline < inspected_on:
            raise DomainError(_("整改期限不能早于检查日期。"), field=f"t-{item}")
        try:
            photos = prepare_photos(given.get("photos") or [])
        except UploadError as error:
            raise DomainError(str(error), field=f"p-{item}") from error
        found.append((item, (given.get("description") or "").strip() or item_label(place.kind, item),
                      deadline, photos))
    inspection = PlacesInspection(place_id=place.id, place=place, inspected_on=inspected_on,
                                  reinspection=False, results=dict(results), note=note or None,
                                  inspector_id=getattr(actor, "id", None))
    db.session.add(inspection)
    db.session.flush()
    for item, description, deadline, photos in found:
        hazard = PlacesHazard(place_id=place.id, place=place, inspection_id=inspection.id,
                              item=item, description=description, deadline=deadline)
        db.session.add(hazard)
        for photo in photos:
            hazard.photos.append(PlacesHazardPhoto(filename=photo.name))
        store_at_commit(*photos)
    if place.last_inspected_on is None or inspected_on > place.last_inspected_on:
        place.last_inspected_on = inspected_on
    schedule.refresh(place)
    db.session.flush()
    audit.record("places.inspect", inspection, scope_code=place.grid.code, user=actor,
                 place=place.name, on=inspected_on, hazards=len(found))
    return inspection


def open_hazards_of(place: PlacesPlace) -> list[PlacesHazard]:
    return list(db.session.scalars(db.select(PlacesHazard).filter_by(place_id=place.id,
                                                                     rectified_on=None)
                                   .options(joinedload(PlacesHazard.inspection))
                                   .order_by(PlacesHazard.deadline, PlacesHazard.id)))


def reinspect(place: PlacesPlace, *, inspected_on: date, outcomes: dict[int, dict],
              note: str | None = None, actor=None) -> PlacesInspection:
    """A re-inspection (复查) of the place's open hazards: ``outcomes`` {hazard id: {"fixed":
    bool, "deadline": date | None}}; a hazard fixed is rectified on the day, one still open gets
    the new deadline (required). The schedule of regular inspections does not move."""
    hazards = open_hazards_of(place)
    if not hazards:
        raise DomainError(_("这个场所没有待整改的隐患。"), field="inspected_on")
    _checked_date(place, inspected_on)
    plan = []
    for hazard in hazards:
        outcome = outcomes.get(hazard.id) or {}
        if inspected_on < hazard.inspection.inspected_on:
            raise DomainError(_("复查日期不能早于发现隐患的日期 %(d)s。",
                                d=hazard.inspection.inspected_on.isoformat()), field="inspected_on")
        if outcome.get("fixed"):
            plan.append((hazard, None))
            continue
        deadline = outcome.get("deadline")
        if deadline is None:
            raise DomainError(_("未整改的隐患请填写新的整改期限。"), field=f"t-{hazard.id}")
        if deadline < inspected_on:
            raise DomainError(_("新的整改期限不能早于复查日期。"), field=f"t-{hazard.id}")
        plan.append((hazard, deadline))
    inspection = PlacesInspection(place_id=place.id, place=place, inspected_on=inspected_on,
                                  reinspection=True, results={}, note=note or None,
                                  inspector_id=getattr(actor, "id", None))
    db.session.add(inspection)
    db.session.flush()
    fixed = 0
    for hazard, deadline in plan:
        if deadline is None:
            hazard.rectified_on, hazard.rectified_by_id = inspected_on, inspection.id
            fixed += 1
        else:
            hazard.deadline = deadline
    audit.record("places.reinspect", inspection, scope_code=place.grid.code, user=actor,
                 place=place.name, on=inspected_on, fixed=fixed, open=len(plan) - fixed)
    return inspection


def hazard_to_case(hazard: PlacesHazard, actor) -> Case:
    """"发现隐患 → 上报事件": a case of the hazard category in the place's grid, at its address and
    coordinates, with the hazard's photos; linked to the hazard, never twice (a second tap, or two
    at once, is refused and leaves no case)."""
    from portal.cases.services import report

    if hazard.case_id is not None:
        raise DomainError(_("这个隐患已经上报为事件。"))
    if hazard.rectified_on is not None:
        raise DomainError(_("已整改的隐患不用上报。"))
    place = hazard.place
    what = item_label(place.kind, hazard.item)
    case = report(place.grid, category="hazard",
                  title=_("%(place)s：%(what)s", place=place.name, what=what)[:100],
                  description=_("%(kind)s“%(place)s”安全检查(%(d)s)发现隐患：%(text)s。整改期限 "
                                "%(deadline)s。", kind=kind_label(place.kind), place=place.name,
                                d=hazard.inspection.inspected_on.isoformat(),
                                text=hazard.description, deadline=hazard.deadline.isoformat()),
                  source="patrol", reporter=actor, address=place.address or place.name,
                  latitude=place.latitude, longitude=place.longitude,
                  photos=[photo.filename for photo in hazard.photos])
    # the link is claimed by a conditional write: of two reports at once, one finds it taken
    claimed = cast(CursorResult, db.session.execute(
        update(PlacesHazard).where(PlacesHazard.id == hazard.id, PlacesHazard.case_id.is_(None))
        .values(case_id=case.id).execution_options(synchronize_session=False)))
    if claimed.rowcount != 1:
        raise DomainError(_("这个隐患已经上报为事件。"))
    hazard.case_id = case.id
    audit.record("places.hazard_case", hazard, scope_code=place.grid.code, user=actor,
                 place=place.name, case=case.number)
    return case


def reveal_phone(place: PlacesPlace, actor) -> None:
    """Someone looked at the full contact phone: written down."""
    audit.record("places.view_phone", place, scope_code=place.grid.code, user=actor,
                 name=place.name)
