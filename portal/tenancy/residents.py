"""The link from a login to the resident of the register it is: a resident's login carries the
resident's ID number (unique in both tables). Written once, so every module finds the same
person the same way."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from portal.people.models import Resident


def resident_of(user: Any) -> Resident | None:
    """The register's resident that the login ``user`` is, matched by ID number (whether they
    still live here is the caller's question); None for a login without an ID number. Which
    roles may act as their resident is each page's permission, not this link's."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.id_number:
        return None
    from portal.extensions import db
    from portal.people.models import Resident

    return db.session.scalar(db.select(Resident).filter_by(id_number=user.id_number))
