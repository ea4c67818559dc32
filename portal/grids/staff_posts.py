"""The posts a grid's notice board knows (一长三员 and more), and each town's own list.

Every town has the built-in posts. The articles add the 五员 (宣传员、调解员、护林护田员、文明劝导员),
楼栋长, 治安中心户长, 社区民警 and 党员中心户: a town ticks those it uses (setting
``grids.extra_posts``) and may add its own by label. A town's own post gets a code made from its
label, so the same label always comes back as the same code: staff saved under it stay on it if
the town removes the post and adds it again.

This module is the one place a post's label comes from: the staff form's choices, the grid page,
the public notice board and the printed poster all ask it. A staff member also keeps the label
their post had when saved (GridStaff.post_label): a post the town has since removed, or a grid
moved to another town, still shows its words, never its code.
"""
from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _, lazy_gettext as _l

from portal.errors import DomainError
from portal.settings import get_setting, set_setting
from portal.tenancy import town_of

if TYPE_CHECKING:
    from portal.grids.models import Grid, GridStaff

SETTING = "grids.extra_posts"

#: Every town's posts (一长三员 and the resident representative), in the board's order.
BUILT_IN = {
    "leader": _l("网格长"), "worker": _l("网格员"), "info_officer": _l("信息员"),
    "instructor": _l("网格指导员"), "liaison": _l("网格联络员"), "representative": _l("居民代表"),
}

#: The articles' further posts, offered as ready choices a town ticks (fixed codes, so a
#: translation follows the reader's language).
READY = {
    "propaganda": _l("宣传员"), "mediation": _l("调解员"), "forest_guard": _l("护林护田员"),
    "civility": _l("文明劝导员"), "building_head": _l("楼栋长"),
    "security_head": _l("治安中心户长"), "police": _l("社区民警"),
    "party_household": _l("党员中心户"),
}

#: A town's own posts: prefix of their generated codes, and limits that keep the select usable.
OWN_PREFIX = "own_"
MAX_OWN = 20
MAX_LABEL = 16

#: What a code no list knows shows as (never the code itself).
UNKNOWN = _l("其他岗位")


def own_code(label: str) -> str:
    """The stable code of a town's own post: the same label gives the same code."""
    return OWN_PREFIX + hashlib.sha1(label.encode("utf-8")).hexdigest()[:10]


def town_posts(town: Grid | None) -> list[dict[str, str]]:
    """The town's extra posts as stored: [{"code": ..., "label": ...}] in its order."""
    stored = get_setting(town_of(town) if town is not None else None, SETTING, [])
    return [p for p in stored if isinstance(p, dict) and p.get("code") and p.get("label")]


def _label_of(code: str, stored: dict[str, str]) -> str:
    if code in BUILT_IN:
        return str(BUILT_IN[code])
    if code in READY:
        return str(READY[code])
    return stored.get(code, "")


def posts_for(node: Grid | None) -> list[tuple[str, str]]:
    """(code, label) of every post a staff member may hold in ``node``'s town: the built-in
    ones, then the town's ticked and own posts."""
    extra = town_posts(node)
    stored = {p["code"]: p["label"] for p in extra}
    return [*((code, str(label)) for code, label in BUILT_IN.items()),
            *((p["code"], _label_of(p["code"], stored)) for p in extra)]


def stored_label(code: str, node: Grid | None) -> str | None:
    """What a staff record keeps beside a post code: the label of a town's extra post (None for
    a built-in one, whose label follows the reader's language)."""
    if code in BUILT_IN:
        return None
    return dict(posts_for(node)).get(code)


class PostLabels(dict):
    """code -> label for one town, which never answers with a code: a post the town no longer
    lists falls back to the label a staff record kept, then to "其他岗位". Templates index it as
    ``POST_LABELS[s.post]``."""

    def __init__(self, node: Grid | None, staff: list[GridStaff] | tuple = ()):
        super().__init__(posts_for(node))
        for member in staff:
            if member.post not in self and member.post_label:
                self[member.post] = member.post_label

    def __missing__(self, code: str) -> str:
        return _label_of(code, {}) or str(UNKNOWN)


def label_for(staff: GridStaff) -> str:
    """One staff member's post in words."""
    if staff.post in BUILT_IN:
        return str(BUILT_IN[staff.post])
    current = dict(posts_for(staff.grid)).get(staff.post)
    return current or staff.post_label or _label_of(staff.post, {}) or str(UNKNOWN)


def check_post(code: str | None, node: Grid | None, keep: str | None = None) -> str:
    """``code`` if a staff member of ``node`` may hold it (``keep``: the post the record already
    has, kept even when the town has since removed it); DomainError on the field otherwise."""
    if code and (code == keep or code in dict(posts_for(node))):
        return code
    raise DomainError(_("请从列表中选择职务。"), "post")


def parse_own(text: str | None) -> list[str]:
    """A town's own post labels, one a line: trimmed, blanks and repeats dropped."""
    seen: list[str] = []
    for line in (text or "").splitlines():
        label = line.strip()
        if label and label not in seen:
            seen.append(label)
    return seen


def build_posts(ready: list[str], own: list[str]) -> list[dict[str, str]]:
    """The setting's value from the ticked ready codes and the own labels, or DomainError naming
    the field at fault."""
    unknown = [code for code in ready if code not in READY]
    if unknown:
        raise DomainError(_("请从列表中选择岗位。"), "ready")
    taken = {str(label) for label in (*BUILT_IN.values(), *READY.values())}
    for label in own:
        if len(label) > MAX_LABEL:
            raise DomainError(_("岗位名称“%(label)s”太长，最多%(n)d个字。", label=label,
                                n=MAX_LABEL), "own")
        if label in taken:
            raise DomainError(_("“%(label)s”已在固定岗位或可选岗位中，请直接勾选。",
                                label=label), "own")
    if len(own) > MAX_OWN:
        raise DomainError(_("自定义岗位最多%(n)d个。", n=MAX_OWN), "own")
    return ([{"code": code, "label": str(READY[code])} for code in READY if code in ready]
            + [{"code": own_code(label), "label": label} for label in own])


def set_town_posts(town: Grid, ready: list[str], own: list[str], actor: Any = None) -> None:
    from portal import audit

    posts = build_posts(ready, own)
    before = [p["label"] for p in town_posts(town)]
    set_setting(town, SETTING, posts)
    audit.record("settings.staff_posts", town, scope_code=town.code, user=actor,
                 before=before, value=[p["label"] for p in posts])
