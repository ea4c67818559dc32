"""The population register (人、户、房): houses in grids, households in houses, residents in
households, the visits grid workers owe them, and the permission-gated key-person register.

Nothing here is deleted: households move out, residents leave (deceased or moved away), and every
change is in the audit log with who and when.
"""
from datetime import date, datetime
from typing import Any

from sqlalchemy import (Date, ForeignKey, Index, String, Text, UniqueConstraint, and_, event,
                        func, inspect, or_, select, text)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.grids.models import Grid
from portal.timeutil import local_today, utcnow

#: Attention colours (民情档案"三色"): red = special attention, yellow = key, green = general.
COLOURS = ("red", "yellow", "green")
#: Relation to the head of household.
RELATIONS = ("head", "spouse", "child", "parent", "grandchild", "grandparent", "sibling",
             "child_in_law", "other")
#: Household registration (户籍) against actual residence.
RESIDENCE = ("local", "registered_away", "non_registered")
#: Care categories the articles name; several may apply to one resident.
CARE_CATEGORIES = ("elderly_alone", "empty_nest", "disabled", "in_difficulty", "left_behind_child",
                   "left_behind_woman", "left_behind_elder", "low_income", "veteran")
#: Why a resident left the register.
LEFT_REASONS = ("deceased", "moved_away")
#: The five categories of key persons (五类重点人员).
KEY_CATEGORIES = ("petitioner", "released_prisoner", "drug_user", "mental_illness",
                  "community_correction")


class House(db.Model):
    """A dwelling (房屋) in a building (楼栋) or at a hamlet address."""

    __tablename__ = "houses"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "grid.code"
    __table_args__ = (UniqueConstraint("grid_id", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    #: Building name or number (楼栋); NULL for a house in a hamlet.
    building: Mapped[str | None] = mapped_column(String(64))
    #: The full address as residents say it, unique within the grid.
    address: Mapped[str] = mapped_column(String(128))

    grid: Mapped[Grid] = relationship()


class Household(db.Model):
    __tablename__ = "households"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "grid.code"
    __table_args__ = (
        UniqueConstraint("grid_id", "number"),
        #: Counting a scope's current households reads this index alone (county scale).
        Index("ix_households_grid_active", "grid_id", "moved_out_at"),
        #: Counting a scope's overdue households reads this index alone (portal.people.visit_due).
        Index("ix_households_grid_visit_due", "grid_id", "visit_due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    house_id: Mapped[int | None] = mapped_column(ForeignKey("houses.id"), index=True)
    #: Household number (户编号) within the grid: what an import matches on.
    number: Mapped[str | None] = mapped_column(String(32))
    #: House number, hamlet or building address as the residents say it.
    address: Mapped[str] = mapped_column(String(128))
    #: Attention colour, one of COLOURS; NULL for an ordinary household.
    colour: Mapped[str | None] = mapped_column(String(8), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Households leave the register by moving out, never by deletion.
    moved_out_at: Mapped[datetime | None] = mapped_column()
    #: The day of its latest visit (NULL: never visited), kept by the visits' own writes (below)
    #: so that a dashboard or a due list reads one column instead of every visit of the county.
    last_visited_on: Mapped[date | None] = mapped_column(Date)
    #: The day its next visit is due (NULL once moved out), kept by portal.people.visit_due.
    visit_due_on: Mapped[date | None] = mapped_column(Date)

    grid: Mapped[Grid] = relationship()
    house: Mapped[House | None] = relationship()
    members: Mapped[list["Resident"]] = relationship(back_populates="household",
                                                     order_by="Resident.id")
    visits: Mapped[list["Visit"]] = relationship(back_populates="household",
                                                 order_by="Visit.visited_on.desc()")

    @property
    def active_members(self) -> list["Resident"]:
        return [m for m in self.members if m.left_at is None]

    @property
    def head(self) -> "Resident | None":
        return next((m for m in self.active_members if m.relation == "head"), None)


class Resident(db.Model):
    __tablename__ = "residents"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "grid.code"
    __table_args__ = (
        Index("ix_residents_name_initials", "name_initials"),
        Index("ix_residents_name_pinyin", "name_pinyin"),
        Index("ix_residents_id_reversed", "id_reversed"),
        Index("ix_residents_phone_reversed", "phone_reversed"),
        #: Counting a scope's current residents reads this index alone (county scale).
        Index("ix_residents_grid_active", "grid_id", "left_at"),
        #: One head per household among its current members (portal.people.services refuses a
        #: second with a message; the database refuses it whatever writes).
        Index("uq_residents_one_head", "household_id", unique=True,
              sqlite_where=text("relation = 'head' AND left_at IS NULL"),
              postgresql_where=text("relation = 'head' AND left_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    #: Denormalised from the household so that counts and scoping need no join.
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    name: Mapped[str] = mapped_column(String(32))
    #: One of RELATIONS.
    relation: Mapped[str] = mapped_column(String(16), default="head")
    #: "M" or "F"; derived from the ID number when there is one.
    sex: Mapped[str | None] = mapped_column(String(1))
    #: Derived from the ID number when there is one.
    birth_date: Mapped[date | None] = mapped_column(Date)
    #: 18-character resident ID number (GB 11643), unique across the portal.
    id_number: Mapped[str | None] = mapped_column(String(18), unique=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    #: One of RESIDENCE.
    residence: Mapped[str] = mapped_column(String(16), default="local")
    party_member: Mapped[bool] = mapped_column(default=False)
    #: Search keys kept with the row: full pinyin, initials ("zsf" for 张三丰), and the ID number
    #: and phone reversed, so "the last digits" is an indexed prefix search.
    name_pinyin: Mapped[str | None] = mapped_column(String(128))
    name_initials: Mapped[str | None] = mapped_column(String(32))
    id_reversed: Mapped[str | None] = mapped_column(String(18))
    phone_reversed: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Set when the resident dies or moves away; they stay in the register's history.
    left_at: Mapped[datetime | None] = mapped_column()
    #: One of LEFT_REASONS.
    left_reason: Mapped[str | None] = mapped_column(String(16))

    household: Mapped[Household] = relationship(back_populates="members")
    grid: Mapped[Grid] = relationship()
    care: Mapped[list["ResidentCare"]] = relationship(cascade="all, delete-orphan",
                                                      back_populates="resident")

    @property
    def care_categories(self) -> list[str]:
        return sorted(c.category for c in self.care)

    @property
    def age(self) -> int | None:
        if not self.birth_date:
            return None
        today = local_today()
        return today.year - self.birth_date.year - (
            (today.month, today.day) < (self.birth_date.month, self.birth_date.day))


class ResidentCare(db.Model):
    """One care category of a resident (elderly living alone, disabled, left-behind child ...)."""

    __tablename__ = "resident_care"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "resident.grid.code"
    __table_args__ = (UniqueConstraint("resident_id", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    #: One of CARE_CATEGORIES.
    category: Mapped[str] = mapped_column(String(24), index=True)

    resident: Mapped[Resident] = relationship(back_populates="care")


class Visit(db.Model):
    """A grid worker's visit to a household (走访)."""

    __tablename__ = "visits"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "grid.code"
    __table_args__ = (Index("ix_visits_household_date", "household_id", "visited_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    #: The household's grid at the time of the visit.
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    visited_on: Mapped[date] = mapped_column(Date)
    #: What the visitor found.
    found: Mapped[str] = mapped_column(Text)
    #: What has to happen next, if anything.
    follow_up: Mapped[str | None] = mapped_column(Text)
    #: Where the visit took place (WGS84), from "使用当前位置" or a photo's GPS; optional.
    latitude: Mapped[float | None] = mapped_column()
    longitude: Mapped[float | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Made on the phone for a visit kept offline (portal/offline/replay.py): the upload sent
    #: again finds this visit instead of recording a second one.
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    household: Mapped[Household] = relationship(back_populates="visits")
    grid: Mapped[Grid] = relationship()
    user = relationship("User")
    photos: Mapped[list["VisitPhoto"]] = relationship(back_populates="visit", lazy="selectin",
                                                      order_by="VisitPhoto.id")


def _latest_visit(household_id: Any) -> Any:
    return (select(func.max(Visit.visited_on)).where(Visit.household_id == household_id)
            .scalar_subquery())


@event.listens_for(Visit, "after_insert")
def _visit_added(mapper: Any, connection: Connection, visit: Visit) -> None:
    """In the visit's own transaction: the household's last visit is this one if it is later.
    One conditional UPDATE, so that two visits saved at once cannot lose the later day."""
    households = Household.__table__
    connection.execute(households.update().where(
        households.c.id == visit.household_id,
        or_(households.c.last_visited_on.is_(None),
            households.c.last_visited_on < visit.visited_on))
        .values(last_visited_on=visit.visited_on))


@event.listens_for(Visit, "after_update")
def _visit_edited(mapper: Any, connection: Connection, visit: Visit) -> None:
    """A visit moved to another day or household: the latest is looked up again (an edit of its
    text changes nothing here)."""
    changed: Any = inspect(visit).attrs
    if changed.visited_on.history.has_changes() or changed.household_id.history.has_changes():
        _look_up_again(connection, visit)


@event.listens_for(Visit, "after_delete")
def _visit_removed(mapper: Any, connection: Connection, visit: Visit) -> None:
    _look_up_again(connection, visit)


def _look_up_again(connection: Connection, visit: Visit) -> None:
    households = Household.__table__
    moved_from: tuple = tuple(inspect(visit).attrs.household_id.history.deleted or ())
    for household_id in {visit.household_id, *moved_from} - {None}:
        connection.execute(households.update().where(households.c.id == household_id)
                           .values(last_visited_on=_latest_visit(household_id)))


def refresh_last_visits(*, unset_only: bool = False) -> None:
    """Set the households' last visit from their visits (with ``unset_only``, only where none is
    set yet: households just written in bulk): after visits written without the ORM (the scaled
    demo), whose events do not run."""
    households = Household.__table__
    statement = households.update().values(last_visited_on=_latest_visit(households.c.id))
    if unset_only:
        statement = statement.where(households.c.last_visited_on.is_(None))
    db.session.execute(statement)


def stale_last_visits() -> list[int]:
    """Households whose last visit is not the latest of their visits (none, when every write
    went through the ORM or was followed by refresh_last_visits)."""
    latest = _latest_visit(Household.id)
    return list(db.session.scalars(select(Household.id).where(
        or_(and_(Household.last_visited_on.is_(None), latest.is_not(None)),
            Household.last_visited_on.is_distinct_from(latest)))))


class VisitPhoto(db.Model):
    """A photo taken on a visit (served scoped by visits.photo)."""

    __tablename__ = "visit_photos"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "visit.grid.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    #: File name in the instance upload folder (re-encoded JPEG; ``info``: `portal uploads
    #: clean` keeps the files such columns name).
    filename: Mapped[str] = mapped_column(String(64), info={"upload": "photos"})

    visit: Mapped[Visit] = relationship(back_populates="photos")


class KeyPerson(db.Model):
    """An entry of the key-person register (重点人员): highly sensitive, permission-gated, every
    view audited."""

    __tablename__ = "key_persons"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "resident.grid.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    #: One of KEY_CATEGORIES.
    category: Mapped[str] = mapped_column(String(24))
    #: Warning light for the control period: "red" (in control, watch closely) or "green".
    light: Mapped[str] = mapped_column(String(8), default="red")
    #: End of the control period; past it the light turns green by itself.
    control_until: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Entries are closed, never deleted.
    closed_at: Mapped[datetime | None] = mapped_column()

    resident: Mapped[Resident] = relationship()

    @property
    def scope_code(self) -> str:
        return self.resident.grid.code

    @property
    def current_light(self) -> str:
        if self.control_until and self.control_until < local_today():
            return "green"
        return self.light


# The events that keep each household's visit due day must listen wherever these are written.
from portal.people import visit_due as _visit_due  # noqa: E402,F401
# and so must those that keep each grid's households and residents counts.
from portal.people import grid_counts as _grid_counts  # noqa: E402,F401
