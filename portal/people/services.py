"""Changes to the register. Each checks its rule, writes the audit entry (the register's history)
and tells the modules; the caller commits, so a refused change leaves nothing behind."""
from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _

from portal import audit
from portal.errors import DomainError
from portal.extensions import db
from portal.grids.models import GRID, SPECIAL, Grid
from portal.people.identity import from_id_number, pinyin_keys, reversed_digits
from portal.people.models import (CARE_CATEGORIES, COLOURS, LEFT_REASONS, RELATIONS, RESIDENCE,
                                  House, Household, Resident, ResidentCare)
from portal.plugins import host
from portal.timeutil import utcnow
from portal.validators import (id_number_problem, is_code, is_phone, normalise_id_number,
                               normalise_phone, typed)

if TYPE_CHECKING:
    from portal.auth.models import User


def _check_grid(grid: Grid) -> None:
    if grid.level not in (GRID, SPECIAL) or not grid.active:
        raise DomainError(_("住户只能登记在未撤销的基础网格或专属网格中。"), "grid")


def house_for(grid: Grid, address: str, building: str | None = None) -> House:
    """The house (房屋) at ``address`` in the grid, created on first use: "人进户、户进房"."""
    house = db.session.scalar(db.select(House).filter_by(grid_id=grid.id, address=address))
    if house is None:
        house = House(grid_id=grid.id, address=address, building=building or None)
        db.session.add(house)
        db.session.flush()
    elif building and house.building != building:
        house.building = building
    return house


def add_household(grid: Grid, address: str, *, number: str | None = None,
                  colour: str | None = None, building: str | None = None,
                  actor: User | None = None) -> Household:
    _check_grid(grid)
    address = (address or "").strip()
    if not address:
        raise DomainError(_("请填写住址。"), "address")
    if colour not in (None, *COLOURS):
        raise DomainError(_("关注颜色只能是红、黄、绿或不设。"), "colour")
    number = _clean_number(number)
    if number and db.session.scalar(db.select(Household.id).filter_by(grid_id=grid.id,
                                                                       number=number)):
        raise DomainError(_("本网格已有户编号 %(number)s。", number=number), "number")
    household = Household(grid_id=grid.id, address=address, number=number or _next_number(grid),
                          colour=colour, house_id=house_for(grid, address, building).id)
    db.session.add(household)
    db.session.flush()
    audit.record("household.create", household, scope_code=grid.code, user=actor,
                 address=address)
    return household


def _clean_number(number: str | None) -> str | None:
    """A household number as stored: NFKC ("００１" is "001"), then ASCII letters, digits and "-"
    only, so that the per-grid uniqueness check cannot be got round with look-alike digits."""
    number = typed(number) or None
    if number and not is_code(number):
        raise DomainError(_("户编号只能由数字0-9、字母和“-”组成。"), "number")
    return number


def _next_number(grid: Grid) -> str:
    """The next free household number of a grid (户编号), so that every household can be matched
    by an import even when it was registered by hand."""
    numbers = db.session.scalars(db.select(Household.number).where(
        Household.grid_id == grid.id, Household.number.is_not(None)))
    highest = max((int(n) for n in numbers if n.isascii() and n.isdigit()), default=0)
    return f"{highest + 1:03d}"


def set_search_keys(resident: Resident) -> None:
    resident.name_pinyin, resident.name_initials = pinyin_keys(resident.name)
    resident.id_reversed = reversed_digits(resident.id_number)
    resident.phone_reversed = reversed_digits(resident.phone)


def _clean_identity(resident: Resident | None, id_number: str | None,
                    phone: str | None) -> tuple[str | None, str | None]:
    # normalised before the uniqueness check, so that 43０６２４… is the same number as 430624…
    id_number = normalise_id_number(id_number or "") or None
    if id_number:
        problem = id_number_problem(id_number)
        if problem:
            from portal.forms import ID_PROBLEMS

            raise DomainError(str(ID_PROBLEMS[problem]), "id_number")
        other = db.session.scalar(db.select(Resident.id).filter_by(id_number=id_number))
        if other and (resident is None or other != resident.id):
            raise DomainError(_("身份证号 %(id)s 已登记在其他居民名下。", id=id_number),
                              "id_number")
    phone = normalise_phone(phone or "") or None
    if phone and not is_phone(phone):
        raise DomainError(_("请输入有效的手机号(11位)或座机号(如 0730-1234567)。"), "phone")
    return id_number, phone


def current_head(household_id: int, *, besides: int | None = None) -> Resident | None:
    """The household's current head as the database has it (another than ``besides``)."""
    query = db.select(Resident).where(Resident.household_id == household_id,
                                      Resident.relation == "head", Resident.left_at.is_(None))
    if besides is not None:
        query = query.where(Resident.id != besides)
    return db.session.scalars(query.order_by(Resident.id).limit(1)).first()


def _refuse_second_head(household_id: int, resident_id: int | None) -> None:
    """One head per household: a second is refused, with the way to change the head."""
    head = current_head(household_id, besides=resident_id)
    if head is not None:
        raise DomainError(_("这一户已有户主%(name)s，一户只能有一位户主。要更换户主，请在这一户的"
                            "页面点“更换户主”。", name=head.name), "relation")


def _apply(resident: Resident, *, name: str, relation: str, id_number: str | None,
           phone: str | None, residence: str, party_member: bool,
           care: Iterable[str]) -> None:
    name = (name or "").strip()
    if not name or len(name) > 32:
        raise DomainError(_("请填写姓名(不超过32个字)。"), "name")
    if relation not in RELATIONS:
        raise DomainError(_("请选择与户主的关系。"), "relation")
    if relation == "head" and resident.left_at is None:
        _refuse_second_head(resident.household_id, resident.id)
    if residence not in RESIDENCE:
        raise DomainError(_("请选择户籍情况。"), "residence")
    unknown = set(care or ()) - set(CARE_CATEGORIES)
    if unknown:
        raise DomainError(_("未知的关爱类别：%(c)s", c="、".join(sorted(unknown))), "care")
    id_number, phone = _clean_identity(resident if resident.id else None, id_number, phone)
    resident.name, resident.relation, resident.residence = name, relation, residence
    resident.id_number, resident.phone, resident.party_member = id_number, phone, bool(party_member)
    if id_number:
        resident.sex, resident.birth_date = from_id_number(id_number)
    wanted = set(care or ())
    resident.care = [c for c in resident.care if c.category in wanted] + [
        ResidentCare(category=c) for c in sorted(wanted - {c.category for c in resident.care})]
    set_search_keys(resident)


def add_resident(household: Household, name: str, relation: str | None = None,
                 actor: User | None = None, *, id_number: str | None = None,
                 phone: str | None = None, residence: str = "local",
                 party_member: bool = False, care: Iterable[str] = ()) -> Resident:
    """Register a resident and tell the modules switched on for their town. Without a
    ``relation`` the first member is the head and a later one "other" (a form always asks)."""
    if relation is None:
        relation = "other" if current_head(household.id) else "head"
    resident = Resident(household_id=household.id, grid_id=household.grid_id)
    with db.session.no_autoflush:
        _apply(resident, name=name, relation=relation, id_number=id_number, phone=phone,
               residence=residence, party_member=party_member, care=care)
    db.session.add(resident)
    db.session.flush()
    audit.record("resident.create", resident, scope_code=household.grid.code, user=actor,
                 name=resident.name, household=household.id)
    host().notify(household.grid, "resident_created", resident=resident, actor=actor)
    return resident


def update_resident(resident: Resident, actor: User | None = None, **values: Any) -> Resident:
    before = _snapshot(resident)
    with db.session.no_autoflush:
        _apply(resident, **{**_editable(resident), **values})
    after = _snapshot(resident)
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if changes:
        audit.record("resident.update", resident, scope_code=resident.grid.code, user=actor,
                     changes=changes)
    return resident


def _editable(resident: Resident) -> dict[str, Any]:
    return {"name": resident.name, "relation": resident.relation,
            "id_number": resident.id_number, "phone": resident.phone,
            "residence": resident.residence, "party_member": resident.party_member,
            "care": resident.care_categories}


def _snapshot(resident: Resident) -> dict[str, Any]:
    data = _editable(resident)
    # the audit keeps that an identifier changed, not the identifier itself
    for key in ("id_number", "phone"):
        data[key] = "****" + data[key][-4:] if data[key] else None
    return data


def update_household(household: Household, actor: User | None = None, *,
                     address: str | None = None, colour: str | None = "keep",
                     number: str | None = "keep", building: str | None = "keep") -> Household:
    changes: dict[str, list[str | None]] = {}
    if address is not None and address.strip() and address.strip() != household.address:
        changes["address"] = [household.address, address.strip()]
        household.address = address.strip()
    if changes or (building != "keep" and (building or None) !=
                   (household.house.building if household.house else None)):
        old_building = household.house.building if household.house else None
        kept = old_building if building == "keep" else building
        household.house = house_for(household.grid, household.address, kept)
        if kept != old_building:
            changes["building"] = [old_building, kept or None]
    if colour != "keep" and colour != household.colour:
        if colour not in (None, *COLOURS):
            raise DomainError(_("关注颜色只能是红、黄、绿或不设。"), "colour")
        changes["colour"] = [household.colour, colour]
        household.colour = colour
    if number != "keep":
        number = _clean_number(number)
    if number != "keep" and (number or None) != household.number:
        if number and db.session.scalar(db.select(Household.id).where(
                Household.grid_id == household.grid_id, Household.number == number,
                Household.id != household.id)):
            raise DomainError(_("本网格已有户编号 %(number)s。", number=number), "number")
        changes["number"] = [household.number, number or None]
        household.number = number or None
    if changes:
        audit.record("household.update", household, scope_code=household.grid.code, user=actor,
                     changes=changes)
    return household


def move_household(household: Household, grid: Grid, actor: User | None = None) -> Household:
    """Move a household (and its current members) to another grid; the old grid stays in the
    audit log."""
    _check_grid(grid)
    if grid.id == household.grid_id:
        raise DomainError(_("该户已在这个网格。"), "grid")
    old, old_number = household.grid, household.number
    if household.number and db.session.scalar(db.select(Household.id).filter_by(
            grid_id=grid.id, number=household.number)):
        household.number = _next_number(grid)  # numbers are per grid: take the next free one
    household.grid_id = grid.id
    household.house = house_for(grid, household.address)
    for member in household.active_members:
        member.grid_id = grid.id
    db.session.flush()
    db.session.expire(household, ["grid"])
    moved: dict[str, str | None] = {"old_grid": old.code, "new_grid": grid.code}
    if household.number != old_number:
        moved.update(old_number=old_number, new_number=household.number)
    audit.record("household.move", household, scope_code=grid.code, user=actor, **moved)
    audit.record("household.move_out", household, scope_code=old.code, user=actor, **moved)
    return household


def move_resident(resident: Resident, household: Household, relation: str,
                  actor: User | None = None) -> Resident:
    if resident.left_at is not None:
        raise DomainError(_("该居民已注销，不能迁移。"))
    if household.id == resident.household_id:
        raise DomainError(_("该居民已在这一户。"), "household")
    if household.moved_out_at is not None:
        raise DomainError(_("目标户已迁出。"), "household")
    if relation not in RELATIONS:
        raise DomainError(_("请选择与户主的关系。"), "relation")
    if relation == "head":
        _refuse_second_head(household.id, resident.id)
    old = resident.household
    resident.household = household
    resident.grid_id = household.grid_id
    resident.relation = relation
    db.session.flush()
    db.session.expire(resident, ["grid"])
    audit.record("resident.move", resident, scope_code=household.grid.code, user=actor,
                 old_household=old.id, new_household=household.id, old_grid=old.grid.code)
    return resident


def mark_left(resident: Resident, reason: str, actor: User | None = None) -> Resident:
    if reason not in LEFT_REASONS:
        raise DomainError(_("请选择注销原因。"), "reason")
    if resident.left_at is not None:
        raise DomainError(_("该居民已注销。"))
    resident.left_at = utcnow()
    resident.left_reason = reason
    audit.record("resident.leave", resident, scope_code=resident.grid.code, user=actor,
                 reason=reason)
    return resident


def move_out_household(household: Household, actor: User | None = None) -> Household:
    if household.moved_out_at is not None:
        raise DomainError(_("该户已迁出。"))
    now = utcnow()
    household.moved_out_at = now
    for member in household.active_members:
        member.left_at, member.left_reason = now, "moved_away"
    audit.record("household.leave", household, scope_code=household.grid.code, user=actor)
    return household


def change_head(household: Household, new_head: Resident, old_relation: str | None,
                actor: User | None = None) -> Resident:
    """Make ``new_head`` (a current member) the head of the household; the old head, if any,
    takes ``old_relation``. One step, audited; the caller commits."""
    if household.moved_out_at is not None:
        raise DomainError(_("该户已迁出。"))
    if new_head.household_id != household.id or new_head.left_at is not None:
        raise DomainError(_("新户主须是这一户的现有成员。"), "resident")
    if new_head.relation == "head":
        raise DomainError(_("%(name)s已是户主。", name=new_head.name), "resident")
    old = current_head(household.id)
    if old is not None:
        if old_relation is None or old_relation not in RELATIONS or old_relation == "head":
            raise DomainError(_("请选择原户主%(name)s改为什么关系。", name=old.name),
                              "old_relation")
        old.relation = old_relation
        db.session.flush()  # the old head steps down first: one head at every moment
    was = new_head.relation
    new_head.relation = "head"
    db.session.flush()
    audit.record("household.change_head", household, scope_code=household.grid.code, user=actor,
                 new_head=new_head.id, new_head_name=new_head.name, new_head_was=was,
                 old_head=old.id if old else None, old_head_name=old.name if old else None,
                 old_head_now=old_relation if old else None)
    return new_head
