"""What the rentals pages do to the records: let a house, add and end tenants, attach the
landlord's responsibility letter, end a letting, and record a registered resident living
elsewhere (户在人不在). Each writes its audit entry; a refusal is a DomainError naming the field,
raised before anything is written."""
from datetime import date

from flask_babel import gettext as _

from portal import audit
from portal.errors import DomainError
from portal.extensions import db
from portal.people.models import Resident
from portal.timeutil import local_today
from portal.uploads import UploadError, prepare_optional, store_at_commit

from .models import RentalsAway, RentalsLetting, RentalsTenant


def let_house(landlord: Resident, *, started_on: date, actor=None, address: str | None = None,
              rooms: int | None = None, note: str | None = None) -> RentalsLetting:
    if landlord.left_at is not None:
        raise DomainError(_("该居民已迁出或去世，不能作为房东。"), field="landlord")
    household = landlord.household
    letting = RentalsLetting(household_id=household.id, landlord_id=landlord.id,
                             grid_id=household.grid_id, address=address or household.address,
                             rooms=rooms, started_on=started_on, note=note or None,
                             created_by_id=getattr(actor, "id", None))
    db.session.add(letting)
    db.session.flush()
    audit.record("rentals.let", letting, scope_code=household.grid.code, user=actor,
                 address=letting.address, rooms=rooms)
    return letting


def add_tenant(letting: RentalsLetting, *, name: str, moved_in_on: date, actor=None,
               id_number: str | None = None, phone: str | None = None,
               registration_number: str | None = None, registered_on: date | None = None,
               registration_expires_on: date | None = None) -> RentalsTenant:
    if letting.ended_on is not None:
        raise DomainError(_("这处出租房屋已停止出租，不能再登记租客。"), field="name")
    if moved_in_on < letting.started_on:
        raise DomainError(_("入住日期不能早于起租日期 %(d)s。", d=letting.started_on.isoformat()),
                          field="moved_in_on")
    if registration_expires_on and registered_on and registration_expires_on <= registered_on:
        raise DomainError(_("有效期应晚于登记日期。"), field="registration_expires_on")
    if registration_number and not registration_expires_on:
        raise DomainError(_("有暂住登记编号时请填写有效期。"), field="registration_expires_on")
    # a tenant who is a registered resident is linked by their ID number (never shown)
    resident = db.session.query(Resident).filter_by(id_number=id_number).one_or_none() \
        if id_number else None
    tenant = RentalsTenant(letting=letting, name=name, id_number=id_number or None,
                           phone=phone or None, resident_id=resident.id if resident else None,
                           moved_in_on=moved_in_on,
                           registration_number=registration_number or None,
                           registered_on=registered_on,
                           registration_expires_on=registration_expires_on)
    db.session.add(tenant)
    db.session.flush()
    # the audit names the tenant, never their ID number or phone
    audit.record("rentals.tenant_add", tenant, scope_code=letting.grid.code, user=actor,
                 name=name, letting=letting.id, expires=registration_expires_on)
    return tenant


def end_tenant(tenant: RentalsTenant, on: date, actor=None) -> RentalsTenant:
    """The tenant moved out: ended with the day, never deleted (the stay stays on record)."""
    if tenant.left_on is not None:
        raise DomainError(_("该租客已经搬离。"), field="on")
    if on < tenant.moved_in_on:
        raise DomainError(_("搬离日期不能早于入住日期 %(d)s。", d=tenant.moved_in_on.isoformat()),
                          field="on")
    if on > local_today():
        raise DomainError(_("搬离日期不能晚于今天。"), field="on")
    tenant.left_on = on
    audit.record("rentals.tenant_end", tenant, scope_code=tenant.letting.grid.code, user=actor,
                 name=tenant.name, on=on)
    return tenant


def end_letting(letting: RentalsLetting, on: date, actor=None) -> RentalsLetting:
    """The house is no longer let: its tenants still living there are ended the same day."""
    if letting.ended_on is not None:
        raise DomainError(_("这处房屋已经停止出租。"), field="on")
    if on < letting.started_on or on > local_today():
        raise DomainError(_("停租日期应在起租日期和今天之间。"), field="on")
    for tenant in letting.tenants:
        if tenant.left_on is None:
            tenant.left_on = max(on, tenant.moved_in_on)
    letting.ended_on = on
    audit.record("rentals.end", letting, scope_code=letting.grid.code, user=actor, on=on)
    return letting


def attach_letter(letting: RentalsLetting, file, actor=None) -> RentalsLetting:
    """The photo of the landlord's signed responsibility letter: checked now, written at commit."""
    try:
        photo = prepare_optional(file)
    except UploadError as error:
        raise DomainError(str(error), field="letter") from error
    if photo is None:
        raise DomainError(_("请选择责任书照片。"), field="letter")
    letting.letter = photo.name
    audit.record("rentals.letter", letting, scope_code=letting.grid.code, user=actor)
    store_at_commit(photo)
    return letting


def record_away(resident: Resident, *, place: str, since: date, reason: str | None = None,
                actor=None) -> RentalsAway:
    if resident.left_at is not None:
        raise DomainError(_("该居民已迁出或去世。"), field="place")
    if since > local_today():
        raise DomainError(_("外出日期不能晚于今天。"), field="since")
    current = db.session.query(RentalsAway).filter_by(resident_id=resident.id,
                                                      ended_on=None).first()
    if current is not None:
        raise DomainError(_("该居民已登记为外出(%(place)s)，请先结束那条记录。",
                            place=current.place), field="place")
    away = RentalsAway(resident_id=resident.id, place=place, since=since, reason=reason or None)
    db.session.add(away)
    db.session.flush()
    audit.record("rentals.away", away, scope_code=resident.grid.code, user=actor,
                 name=resident.name, place=place, since=since)
    return away


def end_away(away: RentalsAway, on: date, actor=None) -> RentalsAway:
    """The resident came back (or lives here again): ended, kept on record."""
    if away.ended_on is not None:
        raise DomainError(_("这条外出记录已经结束。"), field="on")
    if on < away.since or on > local_today():
        raise DomainError(_("返回日期应在外出日期和今天之间。"), field="on")
    away.ended_on = on
    audit.record("rentals.away_end", away, scope_code=away.resident.grid.code, user=actor,
                 name=away.resident.name, on=on)
    return away
