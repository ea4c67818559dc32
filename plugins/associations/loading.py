"""The associations a user may run (which they may open is their model's scope declaration:
portal.tenancy.load_scoped)."""
from flask import abort
from flask_login import current_user

from portal.permissions import can
from portal.timeutil import local_today

from .models import AssociationsAssociation


def running(association) -> AssociationsAssociation:
    """403 unless the user may run this association (an admin over it, or one of its
    officers)."""
    if not can(current_user, "associations.run", association):
        abort(403)
    return association


def this_year() -> int:
    return local_today().year
