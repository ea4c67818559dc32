"""Information completeness (信息采集率): per grid, the share of households and residents whose
required fields are filled, against the town's target.

A town chooses the required fields (setting ``people.required_fields``) among those below and
its target share. A record is complete when none of its town's required fields is missing; a
grid's share counts its current households and residents together (moved out and left are not
counted). Every figure is one GROUP BY per town over the grids of the scope, never a loop over
residents. The list of what is missing names the fields only: an ID number or a phone is never
shown here.

A household's colour is not offered: NULL there means an ordinary household (no attention
colour), not an unfilled field.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import and_, case, exists, func, literal, or_, select

from portal.errors import DomainError
from portal.extensions import db
from portal.grids.models import GRID, SPECIAL, Grid
from portal.grids.size_standards import towns_under
from portal.pagination import Page, paginate
from portal.people.models import Household, Resident
from portal.settings import get_setting, set_setting, stored_settings
from portal.tenancy import in_subtree

SETTING = "people.required_fields"
HOUSEHOLD_FIELDS = {"house": _l("房屋"), "head": _l("户主"), "phone": _l("联系电话")}
RESIDENT_FIELDS = {"id_number": _l("身份证号"), "phone": _l("手机号"),
                   "birth_date": _l("出生日期"), "sex": _l("性别")}
DEFAULT_REQUIRED = {"households": ["house", "head"], "residents": ["id_number", "phone"],
                    "target": 95}


def _blank(column: Any) -> Any:
    return or_(column.is_(None), column == "")


def _household_missing(name: str) -> Any:
    """SQL: the current household lacks field ``name``."""
    if name == "house":
        return Household.house_id.is_(None)
    member = and_(Resident.household_id == Household.id, Resident.left_at.is_(None))
    if name == "head":
        return ~exists().where(member, Resident.relation == "head")
    # "phone": a way to reach the household, a current member with a phone
    return ~exists().where(member, Resident.phone.is_not(None), Resident.phone != "")


def _resident_missing(name: str) -> Any:
    return _blank(getattr(Resident, name))


MISSING = {"households": _household_missing, "residents": _resident_missing}
LABELS = {"households": HOUSEHOLD_FIELDS, "residents": RESIDENT_FIELDS}


def required_fields(town: Grid | None) -> dict[str, Any]:
    """{"households": [...], "residents": [...], "target": percent} of the town (the defaults
    above a town)."""
    return get_setting(town, SETTING, DEFAULT_REQUIRED)


def set_required_fields(town: Grid, households: list[str], residents: list[str], target: int,
                        actor=None) -> None:
    from portal import audit

    if not households and not residents:
        raise DomainError(_("请至少选择一项必填信息。"), "residents")
    if not 0 <= target <= 100:
        raise DomainError(_("目标应在0到100之间。"), "target")
    value = {"households": [f for f in HOUSEHOLD_FIELDS if f in households],
             "residents": [f for f in RESIDENT_FIELDS if f in residents], "target": target}
    set_setting(town, SETTING, value)
    audit.record("settings.required_fields", town, scope_code=town.code, user=actor, value=value)


def _incomplete(kind: str, fields: list[str]) -> Any:
    """SQL: the record lacks one of ``fields`` (false when nothing is required)."""
    known = [f for f in fields if f in LABELS[kind]]
    return or_(*(MISSING[kind](f) for f in known)) if known else literal(False)


@dataclass
class GridShare:
    grid: Grid
    target: int
    households: int = 0
    households_complete: int = 0
    residents: int = 0
    residents_complete: int = 0

    @property
    def records(self) -> int:
        return self.households + self.residents

    @property
    def complete(self) -> int:
        return self.households_complete + self.residents_complete

    @property
    def share(self) -> float | None:
        """Complete records in % (None: nothing registered)."""
        return round(100 * self.complete / self.records, 1) if self.records else None

    @property
    def below_target(self) -> bool:
        return self.share is not None and self.share < self.target


def _town_settings(towns: list[Grid]) -> dict[int, dict[str, Any]]:
    stored = stored_settings(towns, SETTING)
    return {town.id: {**DEFAULT_REQUIRED, **stored.get(town.id, {})} for town in towns}


def _base_grids(scope: Grid) -> Any:
    return (Grid.level.in_((GRID, SPECIAL)), Grid.retired_at.is_(None),
            in_subtree(Grid.code, scope))


def _count(shares: dict[int, GridShare], rules: dict[str, Any]) -> None:
    """Fill ``shares`` (grid id -> its figures, grids of one town) from two GROUP BY queries."""
    ids = list(shares)
    for model, kind, gone in ((Household, "households", Household.moved_out_at),
                              (Resident, "residents", Resident.left_at)):
        lacking = _incomplete(kind, rules[kind])
        for grid_id, total, complete in db.session.execute(
                select(model.grid_id, func.count(), func.sum(case((lacking, 0), else_=1)))
                .where(model.grid_id.in_(ids), gone.is_(None))
                .group_by(model.grid_id)):
            setattr(shares[grid_id], kind, int(total))
            setattr(shares[grid_id], f"{kind}_complete", int(complete or 0))


def _worst_first(shares: list[GridShare]) -> list[GridShare]:
    return sorted(shares, key=lambda s: (s.share is None, s.share or 0, s.grid.code))


def grid_shares(scope: Grid) -> list[GridShare]:
    """Every active base grid under ``scope`` with its figures, worst share first (grids with
    nothing registered last): two GROUP BY queries per town."""
    towns = towns_under(scope)
    settings = _town_settings(towns)
    shares: list[GridShare] = []
    for town in towns:
        rules = settings[town.id]
        grids = {grid.id: GridShare(grid, int(rules["target"])) for grid in db.session.scalars(
            select(Grid).where(*_base_grids(scope), in_subtree(Grid.code, town))
            .order_by(Grid.code))}
        if grids:
            _count(grids, rules)
            shares.extend(grids.values())
    return _worst_first(shares)


def shares_of(grid_ids: list[int]) -> dict[int, float]:
    """grid id -> share of complete records in % (0-100) under its own town's rules, for the
    grids that have any record (the best-grid contest's measure)."""
    from portal.tenancy import town_of

    if not grid_ids:
        return {}
    by_town: dict[int, tuple[Grid | None, dict[int, GridShare]]] = {}
    for grid in db.session.scalars(select(Grid).where(Grid.id.in_(grid_ids))):
        town = town_of(grid)
        entry = by_town.setdefault(town.id if town else 0, (town, {}))
        entry[1][grid.id] = GridShare(grid, 0)
    result: dict[int, float] = {}
    for town, grids in by_town.values():
        _count(grids, required_fields(town))
        result.update({gid: s.share for gid, s in grids.items() if s.share is not None})
    return result


@dataclass
class ScopeShare:
    households: int
    residents: int
    complete: int
    #: the towns' target when they agree, else None
    target: int | None

    @property
    def records(self) -> int:
        return self.households + self.residents

    @property
    def share(self) -> float | None:
        return round(100 * self.complete / self.records, 1) if self.records else None

    @property
    def below_target(self) -> bool:
        return self.share is not None and self.target is not None and self.share < self.target


def scope_share(scope: Grid, shares: list[GridShare] | None = None) -> ScopeShare:
    """The scope's figures: the sum of its grids'."""
    shares = grid_shares(scope) if shares is None else shares
    targets = {s.target for s in shares}
    if not targets:  # nothing to count: the town's own target still shows
        towns = towns_under(scope)
        targets = {int(required_fields(towns[0])["target"])} if len(towns) == 1 else set()
    return ScopeShare(sum(s.households for s in shares), sum(s.residents for s in shares),
                      sum(s.complete for s in shares),
                      targets.pop() if len(targets) == 1 else None)


@dataclass
class MissingRow:
    id: int
    label: str
    #: the keys of the required fields it lacks
    fields: list[str]


def missing(grid: Grid, kind: str, size: int = 50) -> tuple[Page, list[str]]:
    """This request's page of the current households (``kind`` "households") or residents of
    ``grid`` lacking a required field of its town, each with the keys of the fields it lacks;
    and the required fields. Values are never read: only whether each is missing."""
    from portal.tenancy import town_of

    fields = [f for f in required_fields(town_of(grid))[kind] if f in LABELS[kind]]
    if not fields:
        return Page(rows=[], number=1, has_more=False, total=0, size=size), fields
    flags = [case((MISSING[kind](f), 1), else_=0).label(f) for f in fields]
    if kind == "households":
        query = (select(Household.id, Household.address, *flags)
                 .where(Household.grid_id == grid.id, Household.moved_out_at.is_(None))
                 .order_by(Household.number, Household.id))
    else:
        query = (select(Resident.id, Resident.name, *flags)
                 .where(Resident.grid_id == grid.id, Resident.left_at.is_(None))
                 .order_by(Resident.household_id, Resident.id))
    page = paginate(query.where(_incomplete(kind, fields)), size, count=True, rows=True)
    rows = [MissingRow(row[0], row[1], [f for f, flag in zip(fields, row[2:]) if flag])
            for row in page.rows]
    return Page(rows=rows, number=page.number, has_more=page.has_more, total=page.total,
                size=size), fields
