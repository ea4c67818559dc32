from portal.extensions import db
from portal.people.models import Household, Resident
from portal.plugins import host


def add_household(grid, address: str) -> Household:
    household = Household(grid=grid, address=address)
    db.session.add(household)
    return household


def add_resident(household: Household, name: str, relation: str = "head", actor=None) -> Resident:
    """Register a resident and tell the modules switched on for their town."""
    resident = Resident(household=household, grid=household.grid, name=name, relation=relation)
    db.session.add(resident)
    db.session.flush()
    host().notify(household.grid, "resident_created", resident=resident, actor=actor)
    return resident
