"""Per-town settings: rules a town may tune (visit intervals, later case deadlines), with the
defaults in code. Stored as JSON so a new setting needs no migration."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from portal.extensions import db
from portal.settings.models import TownSetting

if TYPE_CHECKING:
    from portal.grids.models import Grid


def get_setting(town: Grid | None, key: str, default: Any) -> Any:
    """The town's value merged over ``default`` (for dicts), or ``default`` when unset."""
    if town is None:
        return default
    row = db.session.scalar(db.select(TownSetting).filter_by(town_id=town.id, key=key))
    if row is None:
        return default
    value = json.loads(row.value)
    return {**default, **value} if isinstance(default, dict) else value


def stored_settings(towns: list[Grid], key: str) -> dict[int, Any]:
    """town id -> the stored value of ``key`` (as saved, not merged) for each of ``towns`` that
    has one, in one query."""
    if not towns:
        return {}
    rows = db.session.execute(db.select(TownSetting.town_id, TownSetting.value).where(
        TownSetting.key == key, TownSetting.town_id.in_([town.id for town in towns])))
    return {town_id: json.loads(value) for town_id, value in rows}


def set_setting(town: Grid, key: str, value: Any) -> None:
    row = db.session.scalar(db.select(TownSetting).filter_by(town_id=town.id, key=key))
    if row is None:
        row = TownSetting(town_id=town.id, key=key, value="")
        db.session.add(row)
    row.value = json.dumps(value, ensure_ascii=False)
