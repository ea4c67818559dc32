"""Removing a plugin from a database (``portal plugins remove NAME``), before its folder goes.

What the plugin left in the database goes with it: its Alembic branch is downgraded to base (its
tables dropped, its line in ``alembic_version`` removed, so ``portal db upgrade`` works once the
plugin is no longer installed) and every town's switch for it is deleted. Users holding one of
its roles are not touched: the removal is refused until they have another role, since a login
without a known role can do nothing and nobody should be locked out by surprise.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import delete, select

from portal.extensions import db


class RemovalRefused(Exception):
    """The plugin cannot be removed as things are; the message says what to do."""


@dataclass
class Removal:
    name: str
    downgraded: bool = False
    dropped_tables: list[str] = field(default_factory=list)
    switches_deleted: int = 0


def holders_of_roles(name: str) -> dict[str, list[str]]:
    """role -> usernames of the users holding a role the plugin ``name`` declared."""
    from portal.auth.models import User
    from portal.plugins import host

    roles = [role for role, owner in host().role_owner.items() if owner == name]
    found: dict[str, list[str]] = {}
    for username, role in db.session.execute(
            select(User.username, User.role).where(User.role.in_(roles)).order_by(User.username)):
        found.setdefault(role, []).append(username)
    return found


def remove_plugin(name: str) -> Removal:
    """Take the plugin ``name`` (still installed: its migrations are needed) out of the database."""
    from portal.modules.models import TownModule
    from portal.plugins import host

    plugins = host()
    if name not in plugins.optional:
        raise RemovalRefused(
            f"模块 {name} 未安装或加载失败：请在删除其文件夹之前执行本命令。 / plugin {name} is not "
            "loaded: run this before deleting its folder (its migrations are needed).")
    holders = holders_of_roles(name)
    if holders:
        listed = "; ".join(f"{role}: {', '.join(users)}" for role, users in holders.items())
        raise RemovalRefused(
            f"仍有用户持有模块 {name} 的角色（{listed}）：请先在“用户管理”中为他们换一个角色或删除账号，"
            f"再删除模块。 / users still hold roles of {name} ({listed}): give them another role "
            "(admin › users) or delete them first.")
    db.session.commit()  # nothing of ours may hold a lock while Alembic changes the schema
    removal = Removal(name)
    if name in plugins.migrations:
        import flask_migrate

        flask_migrate.downgrade(revision=f"{name}@base")
        removal.downgraded = True
    else:
        removal.dropped_tables = _drop_tables(name)
    result = db.session.execute(delete(TownModule).where(TownModule.name == name))
    removal.switches_deleted = result.rowcount or 0  # type: ignore[attr-defined]  # a DELETE's CursorResult
    db.session.commit()
    return removal


def _drop_tables(name: str) -> list[str]:
    """A plugin without migrations had its tables made by ``create_all``: drop those."""
    prefix = name + "_"
    tables = [t for t in reversed(db.metadata.sorted_tables) if t.name.startswith(prefix)]
    for table in tables:
        table.drop(db.engine, checkfirst=True)
    return [t.name for t in tables]
