"""Grid size standards (网格划分标准): how many households a base grid should hold.

The articles: a grid of about 300 households or 1,000 people, between 100 and 500 households;
a grid under 100 households is merged into its neighbour. A town tunes the range (setting
``grids.size_standard``); grids outside it are listed with a suggestion. The range never refuses
a grid: mountain hamlets and industrial parks have good reasons to be small, and the town
decides.

Only the town's residential base grids (level ``grid``) are measured: a special grid (an
industrial park, a school) is drawn around a place, not around households. The counts are the
grids' kept counts (portal.people.grid_counts), so a county's 1,300 grids cost one query per
town.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import or_, select

from portal.errors import DomainError
from portal.extensions import db
from portal.grids.models import GRID, TOWN, Grid
from portal.settings import get_setting, set_setting, stored_settings
from portal.tenancy import in_subtree, town_of

SETTING = "grids.size_standard"
DEFAULT_SIZE = {"min_households": 100, "max_households": 500, "target_households": 300,
                "merge_below": 100}

#: suggestion key -> what the list says
SUGGESTIONS = {
    "merge": _l("建议合并到相邻网格"),
    "small": _l("偏小，可调整边界并入部分住户"),
    "split": _l("偏大，建议拆分"),
}


def size_standard(town: Grid | None) -> dict[str, int]:
    """The town's range over the articles' defaults (the defaults above a town)."""
    return get_setting(town, SETTING, DEFAULT_SIZE)


def check_standard(values: dict[str, int]) -> dict[str, int]:
    """The range as stored, or DomainError naming the field that makes it inconsistent."""
    values = {key: int(values[key]) for key in DEFAULT_SIZE}
    if any(value < 0 for value in values.values()):
        raise DomainError(_("户数不能为负数。"), "min_households")
    if values["min_households"] > values["max_households"]:
        raise DomainError(_("下限不能大于上限。"), "max_households")
    if not values["min_households"] <= values["target_households"] <= values["max_households"]:
        raise DomainError(_("标准户数应在下限和上限之间。"), "target_households")
    if values["merge_below"] > values["min_households"]:
        raise DomainError(_("合并线不能高于下限。"), "merge_below")
    return values


def set_size_standard(town: Grid, values: dict[str, int], actor=None) -> None:
    from portal import audit

    values = check_standard(values)
    set_setting(town, SETTING, values)
    audit.record("settings.grid_size", town, scope_code=town.code, user=actor, value=values)


def suggestion(households: int, standard: dict[str, int]) -> str | None:
    """The suggestion key for a grid of ``households`` (None: within the range)."""
    if households < standard["merge_below"]:
        return "merge"
    if households < standard["min_households"]:
        return "small"
    if households > standard["max_households"]:
        return "split"
    return None


@dataclass
class OutsideRow:
    grid: Grid
    town_name: str
    households: int
    people: int
    suggestion: str
    standard: dict[str, int]

    @property
    def suggestion_label(self) -> str:
        return str(SUGGESTIONS[self.suggestion])


def towns_under(scope: Grid) -> list[Grid]:
    """The towns whose grids lie under ``scope``: itself or the one above for a town or below,
    every active town for a county."""
    if scope.level == "county":
        return list(db.session.scalars(select(Grid).where(
            Grid.level == TOWN, Grid.retired_at.is_(None), in_subtree(Grid.code, scope))
            .order_by(Grid.code)))
    town = town_of(scope)
    return [town] if town is not None else []


def grids_outside(scope: Grid) -> list[OutsideRow]:
    """The base grids under ``scope`` whose household count lies outside their town's range,
    smallest first within each town: one query per town, on the kept counts."""
    towns = towns_under(scope)
    stored = stored_settings(towns, SETTING)
    rows: list[OutsideRow] = []
    for town in towns:
        standard = {**DEFAULT_SIZE, **stored.get(town.id, {})}
        households = Grid.households_count
        query = (select(Grid).where(
            in_subtree(Grid.code, scope), in_subtree(Grid.code, town), Grid.level == GRID,
            Grid.retired_at.is_(None),
            or_(households < standard["min_households"],
                households < standard["merge_below"],
                households > standard["max_households"]))
            .order_by(households, Grid.code))
        for grid in db.session.scalars(query):
            kind = suggestion(grid.households_count, standard)
            if kind is not None:
                rows.append(OutsideRow(grid, town.name, grid.households_count,
                                       grid.residents_count, kind, standard))
    return rows
