"""Who did what to which record, and who looked at sensitive data.

Entries are written in the same transaction as the change they describe, so a rolled-back change
leaves no audit entry behind and a committed one always has its entry.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from flask import has_request_context, request
from flask_login import current_user

from portal.audit.models import AuditEntry
from portal.extensions import db

if TYPE_CHECKING:
    from portal.auth.models import User


def record(action: str, obj: Any = None, *, scope_code: str | None = None,
           user: User | None = None, **detail: Any) -> AuditEntry:
    """Add an audit entry to the current session (the caller commits)."""
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user
    entry = AuditEntry(
        action=action,
        user_id=getattr(user, "id", None),
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=str(obj.id) if obj is not None and getattr(obj, "id", None) is not None else None,
        scope_code=scope_code,
        detail=json.dumps(detail, ensure_ascii=False, default=str) if detail else None,
        address=request.remote_addr if has_request_context() else None,
    )
    db.session.add(entry)
    return entry
