"""Loading register records only inside the user's scope: anything else is a 404."""
from flask import abort
from flask_login import current_user

from portal.extensions import db
from portal.grids.models import Grid
from portal.people.models import Household, KeyPerson, Resident


def _in_scope(grid_id: int) -> bool:
    code = db.session.scalar(db.select(Grid.code).where(Grid.id == grid_id))
    return code is not None and code.startswith(current_user.scope.code)


def scoped_household(household_id: int) -> Household:
    household = db.session.get(Household, household_id)
    if household is None or not _in_scope(household.grid_id):
        abort(404)
    return household


def scoped_resident(resident_id: int) -> Resident:
    resident = db.session.get(Resident, resident_id)
    if resident is None or not _in_scope(resident.grid_id):
        abort(404)
    return resident


def scoped_key_person(entry_id: int) -> KeyPerson:
    entry = db.session.get(KeyPerson, entry_id)
    if entry is None or not _in_scope(entry.resident.grid_id):
        abort(404)
    return entry


def scoped_grid_arg(value) -> Grid | None:
    """A ``grid`` query argument narrowed to the user's scope (404 outside it)."""
    if not value:
        return None
    from portal.grids.services import get_scoped_grid

    from portal.request_guard import parse_id

    grid_id = parse_id(value)
    if grid_id is None:
        abort(404)
    return get_scoped_grid(current_user, grid_id)
