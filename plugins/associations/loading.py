"""The associations a user may open (everyone in the village sees its associations) and may run."""
from flask import abort
from flask_login import current_user

from portal.permissions import can
from portal.scoping import scoped_near
from portal.timeutil import local_today

from .models import AssociationsAssociation


def scoped_association(association_id) -> AssociationsAssociation:
    """A village's association is seen by everyone in the village, grid workers included."""
    return scoped_near(AssociationsAssociation, association_id, lambda a: a.grid.code)


def running(association) -> AssociationsAssociation:
    """403 unless the user may run this association (an admin over it, or one of its
    officers)."""
    if not can(current_user, "associations.run", association):
        abort(403)
    return association


def this_year() -> int:
    return local_today().year
