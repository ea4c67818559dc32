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


def set_setting(town: Grid, key: str, value: Any) -> None:
    row = db.session.scalar(db.select(TownSetting).filter_by(town_id=town.id, key=key))
    if row is None:
        row = TownSetting(town_id=town.id, key=key, value="")
        db.session.add(row)
    row.value = json.dumps(value, ensure_ascii=False)
