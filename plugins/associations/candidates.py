"""Finding a villager to enrol in an association, without the population register.

An association officer holds no ``people.view`` (least privilege, docs/permissions.md): they need
the village's residents only to pick a new member. So this search is the association's own: it
looks only at the association's village, only at residents who live there now, only by name or
pinyin (never by ID number or phone: digits would make it an oracle for masked numbers), and it
answers only what telling two namesakes apart needs: the name, the base grid and the masked ID
number. No address, phone, household or care category leaves the register this way.
"""
from dataclasses import dataclass

from sqlalchemy import func, or_, select

from portal.extensions import db
from portal.grids.models import Grid
from portal.people.masking import mask_id
from portal.people.models import Resident
from portal.people.search import LATIN, starts_with
from portal.tenancy import in_subtree

from .models import AssociationsMember

#: Longest name fragment searched (a Chinese name is 2-4 characters; 16 leaves room for others).
MAX_QUERY = 16


@dataclass(frozen=True)
class Candidate:
    id: int
    name: str
    grid_name: str
    masked_id: str


def _villagers(association):
    """Residents living now in the association's village (its grids' codes start with the
    village's), who are not current members."""
    current = select(AssociationsMember.resident_id).where(
        AssociationsMember.association_id == association.id, AssociationsMember.left_on.is_(None))
    return (select(Resident, Grid.name).join(Grid, Grid.id == Resident.grid_id)
            # module on or off is settled: the association's own village, whose page is gated
            .where(in_subtree(Grid.code, association.grid),
                   Resident.left_at.is_(None), Resident.id.not_in(current)))


def search(association, q: str, limit: int = 20) -> list[Candidate] | None:
    """Villagers matching a name fragment or pinyin; None when ``q`` is not a name (digits and
    other searches are refused, with a message from the caller)."""
    q = (q or "").strip()
    if not q:
        return []
    if len(q) > MAX_QUERY or any(ch.isdigit() for ch in q):
        return None
    query = _villagers(association)
    if LATIN.match(q):
        key = q.lower()
        query = query.where(or_(starts_with(Resident.name_initials, key),
                                starts_with(Resident.name_pinyin, key)))
    else:
        query = query.where(Resident.name.contains(q, autoescape=True))
    rows = db.session.execute(query.order_by(func.lower(Resident.name_pinyin), Resident.id)
                              .limit(limit)).all()
    return [Candidate(r.id, r.name, grid_name, mask_id(r.id_number)) for r, grid_name in rows]


def villager(association, resident_id) -> Resident | None:
    """The resident to enrol, if they live now in the association's village."""
    if not resident_id:
        return None
    resident = db.session.get(Resident, resident_id)
    if resident is None or resident.left_at is not None:
        return None
    if not in_subtree(resident.grid.code, association.grid):
        return None
    return resident
