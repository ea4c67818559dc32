"""API keys for Open311 clients, issued per town. Only a hash is stored: the key is shown once."""
import hashlib
import secrets

from portal import audit
from portal.cases.models import ApiKey
from portal.extensions import db
from portal.grids.models import Grid
from portal.timeutil import utcnow


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue(town: Grid, label: str, actor=None) -> tuple[ApiKey, str]:
    key = secrets.token_urlsafe(24)
    row = ApiKey(town_id=town.id, label=label.strip() or "open311", key_hash=_hash(key),
                 prefix=key[:6])
    db.session.add(row)
    db.session.flush()
    audit.record("open311.key_issue", row, scope_code=town.code, user=actor, label=row.label)
    return row, key


def town_for_key(key: str | None) -> Grid | None:
    if not key:
        return None
    row = db.session.scalar(db.select(ApiKey).filter_by(key_hash=_hash(key)))
    return row.town if row is not None and row.revoked_at is None else None


def revoke(row: ApiKey, actor=None) -> None:
    row.revoked_at = utcnow()
    audit.record("open311.key_revoke", row, scope_code=row.town.code, user=actor)
