from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app

from portal import audit, tenancy
from portal.errors import DomainError
from portal.extensions import db
from portal.grids.models import TOWN, Grid
from portal.modules.models import TownModule
from portal.timeutil import utcnow

if TYPE_CHECKING:
    from portal.auth.models import User


def enabled_modules(scope: Grid) -> set[str]:
    """Names switched on for the town of ``scope``; for a county, those on in any of its towns."""
    return tenancy.modules_on(scope)


def set_module(town: Grid, name: str, enabled: bool, actor: User | None = None) -> TownModule:
    """Switch a module for a town, audited; the caller commits."""
    from portal.plugins import host

    plugins = host()
    if town.level != TOWN:
        raise DomainError("模块只能按镇(街道)开关 / modules are switched per town")
    if name not in plugins.optional:
        raise DomainError(f"没有名为 {name} 的可用模块 / no loaded module named {name}")
    row = db.session.scalar(db.select(TownModule).filter_by(town_id=town.id, name=name))
    if row is None:
        row = TownModule(town_id=town.id, name=name, enabled=False)
        db.session.add(row)
    if row.enabled == enabled:
        return row
    row.enabled = enabled
    row.changed_at = utcnow()
    row.changed_by_id = getattr(actor, "id", None)
    audit.record("module.enable" if enabled else "module.disable", town, scope_code=town.code,
                 user=actor, module=name)
    db.session.flush()
    tenancy.forget_modules()
    # Tell the module itself even when it was just switched off, so it can tidy up.
    module = plugins.optional[name]
    caller = plugins.pm.subset_hook_caller("module_switched", remove_plugins=[
        p for p in plugins.optional.values() if p is not module])
    caller(town=town, name=name, enabled=enabled, actor=actor)
    current_app.logger.info("module %s %s for town %s", name, "on" if enabled else "off", town.code)
    return row


def module_states(town: Grid) -> dict[str, TownModule]:
    rows = db.session.scalars(db.select(TownModule).filter_by(town_id=town.id))
    return {row.name: row for row in rows}
