"""The tenancy's per-request memory: which towns have which modules on, the towns found by code,
the plugin host's per-town hook callers. One request asks these many times (menus, cards, every
list's condition); each is worked out once. Outside a request nothing is kept."""
from __future__ import annotations

from flask import g, has_request_context

_KEY = "_portal_tenancy"


def request_cache(name: str) -> dict:
    """The dict kept under ``name`` for this request (a fresh, unkept one outside a request)."""
    if not has_request_context():
        return {}
    return g.setdefault(_KEY, {}).setdefault(name, {})


def forget_modules() -> None:
    """Drop what this request remembered about switched modules: called when one is switched,
    so the rest of the request (and the hook calls it makes) sees the new state."""
    if has_request_context():
        g.pop(_KEY, None)
