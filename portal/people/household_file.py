"""The household file (一户一档): everything about one household gathered once, for its page and
for the printed file alike, so the two never show different things (nor different masks).

Members, visits, cases and key-person flags are read with a fixed number of queries whatever the
household's size; each module's part comes from the ``household_file_parts`` hook, asked only of
the modules on in the household's town, each part checking the user's permission itself.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from portal.documents import A4, DocumentType, Period
from portal.extensions import db
from portal.grids.models import GRID, SPECIAL, VILLAGE
from portal.people.models import Household, KeyPerson, Resident, Visit
from portal.permissions import can

#: Visits shown unless all are asked for: the latest ones tell the household's story.
LATEST_VISITS = 10
#: Cases shown, latest first: a household with more is rare, and the list links to each.
LATEST_CASES = 20


@dataclass
class HouseholdFile:
    household: Household
    members: list[Resident]
    visits: list[Visit]
    visit_count: int
    #: None when the user may not read cases (the section is left out, not shown empty).
    cases: list[Any] | None
    case_count: int
    #: resident id -> open key-person entries; None when the user may not see the register.
    key_persons: dict[int, list[KeyPerson]] | None
    #: portal.plugins.Card of the modules on in the household's town, in order.
    parts: list[Any] = field(default_factory=list)

    @property
    def flagged(self) -> int:
        return sum(len(entries) for entries in (self.key_persons or {}).values())


def gather(household: Household, user, *, all_visits: bool = False) -> HouseholdFile:
    """The household's file as ``user`` may see it (the household is already loaded in the
    user's scope)."""
    from portal.plugins import host

    members = list(db.session.scalars(
        select(Resident).where(Resident.household_id == household.id)
        .options(selectinload(Resident.care)).order_by(Resident.left_at.is_not(None), Resident.id)))
    visits_query = (select(Visit).where(Visit.household_id == household.id)
                    .options(joinedload(Visit.user))
                    .order_by(Visit.visited_on.desc(), Visit.id.desc()))
    if not all_visits:
        visits_query = visits_query.limit(LATEST_VISITS)
    visits = list(db.session.scalars(visits_query))
    visit_count = len(visits) if all_visits or len(visits) < LATEST_VISITS else int(
        db.session.scalar(select(func.count(Visit.id)).where(
            Visit.household_id == household.id)) or 0)
    cases, case_count = _cases(household, user)
    key_persons = _key_persons(household) if can(user, "people.key_persons") else None
    parts = host().collect(household.grid, "household_file_parts", household=household, user=user)
    return HouseholdFile(household, members, visits, visit_count, cases, case_count,
                         key_persons, parts)


def _cases(household: Household, user) -> tuple[list[Any] | None, int]:
    from portal.cases.models import Case

    if not can(user, "cases.view"):
        return None, 0
    found = list(db.session.scalars(
        select(Case).where(Case.household_id == household.id)
        .order_by(Case.created_at.desc(), Case.id.desc()).limit(LATEST_CASES + 1)))
    if len(found) <= LATEST_CASES:
        return found, len(found)
    total = db.session.scalar(select(func.count(Case.id)).where(
        Case.household_id == household.id)) or 0
    return found[:LATEST_CASES], int(total)


def _key_persons(household: Household) -> dict[int, list[KeyPerson]]:
    entries = db.session.scalars(
        select(KeyPerson).join(Resident, Resident.id == KeyPerson.resident_id)
        .where(Resident.household_id == household.id, KeyPerson.closed_at.is_(None))
        .order_by(KeyPerson.id))
    flags: dict[int, list[KeyPerson]] = {}
    for entry in entries:
        flags.setdefault(entry.resident_id, []).append(entry)
    return flags


def audit_key_persons(file: HouseholdFile, user) -> None:
    """Seeing someone flagged is a view of the key-person register, audited as its list is
    (the caller commits)."""
    from portal import audit

    if file.flagged:
        audit.record("keyperson.view_list", file.household,
                     scope_code=file.household.grid.code, user=user, count=file.flagged)


# ---------------------------------------------------------------- the printed file


def document_context(household: Household, period: Period | None) -> dict:
    from flask_login import current_user

    from portal.documents.letters import issuer_of

    file = gather(household, current_user, all_visits=False)
    audit_key_persons(file, current_user)  # the documents view commits what it printed
    return {"file": file, "household": household, "issuer": issuer_of(household.grid)}


def _households_under(node) -> list[Household]:
    """A village's or a grid's current households, in the letters' order (a batch of files)."""
    from portal.documents.letters import households_under

    return households_under(node)


TYPES = (
    DocumentType(
        "household_file", _l("一户一档"), Household, "people.view",
        "documents/household_file.html", document_context,
        lambda household, period: _("%(address)s 一户一档", address=household.address),
        size=A4, sensitive=True, offered="record", batch=_households_under,
        batch_levels=(VILLAGE, GRID, SPECIAL),
        description=_l("一户的成员、房屋、走访、事件和各模块情况，身份证号和电话遮挡显示；A4。"
                       "可按村或网格批量打印。")),
)
