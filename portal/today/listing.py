"""items_for(user): the today list of one user, whatever their role; as_text(user): the same,
short, as plain text for a daily digest (SMS or e-mail)."""
from __future__ import annotations

from flask_babel import gettext as _

from portal.grids.models import GRID, SPECIAL
from portal.permissions import can
from portal.plugins import host
from portal.timeutil import local_today
from portal.today import casework, fieldwork, residents
from portal.today.items import TodayItem


def _core_items(user) -> list[TodayItem | None]:
    if user.role == "resident":
        return [residents.reported_cases(user)]
    items: list[TodayItem | None] = []
    at_grid = user.scope.level in (GRID, SPECIAL)
    if can(user, "cases.view"):
        if at_grid:  # a grid worker (or other staff of one grid): their own cases and notices
            items += [casework.notices(user, only_mine=True), casework.grid_cases(user)]
            if can(user, "cases.handle"):
                items.append(casework.approvals(user))
        else:
            items += casework.for_official(user)
    if at_grid:
        items.append(fieldwork.visits(user))
    items += [fieldwork.key_persons(user), fieldwork.unstaffed(user)]
    return items


def items_for(user) -> list[TodayItem]:
    """What ``user`` must do today: the core's items for their role and the items of the
    modules switched on in their town (the ``today_items`` hook), in page order. Empty items
    are left out."""
    if user is None or not getattr(user, "is_authenticated", False) or user.scope is None:
        return []
    items = [item for item in _core_items(user) if item is not None and item.count]
    for item in host().collect(user.scope, "today_items", user=user, scope=user.scope):
        if isinstance(item, TodayItem) and item.count:
            items.append(item)
    return sorted(items, key=lambda item: (item.order, item.key))


#: Rows named in the digest per item: it is read on a phone's lock screen.
TEXT_ROWS = 3


def as_text(user, *, base_url: str = "", rows: int = TEXT_ROWS) -> str:
    """The today list as short plain text, e.g. for the 07:30 digest::

        今日工作 2026-12-01
        · 督办 1
          - 路灯不亮（430624001-20261201-001）
        · 待走访 5（逾期 3）

    Links are made absolute with ``base_url`` (the site's address) when given. Empty string
    when there is nothing to do (no digest is worth sending)."""
    items = items_for(user)
    if not items:
        return ""
    lines = [_("今日工作 %(day)s", day=local_today().isoformat())]
    for item in items:
        line = f"· {item.label} {item.count}"
        if item.note:
            line += f"（{item.note}）"
        if base_url and item.url:
            line += f" {base_url.rstrip('/')}{item.url}"
        lines.append(line)
        if item.urgency == "red":  # name the late ones; the rest wait for the page
            lines += [f"  - {row.label}" for row in item.rows[:rows]]
    return "\n".join(lines)
