"""Rental houses and the floating population (出租房屋与流动人口): a house let to tenants
(``RentalsLetting``) with its tenants (``RentalsTenant``, who may not be registered residents) and
their registration of temporary residence (暂住登记); and the registered residents living
elsewhere (户在人不在, ``RentalsAway``). Nothing is deleted: a tenant who leaves, a letting that
ends and a resident who comes back are ended with a date."""
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.grids.models import Grid
from portal.people.models import Household, Resident
from portal.timeutil import utcnow


class RentalsLetting(db.Model):
    """A house (the landlord's household's) let to tenants, from ``started_on`` to ``ended_on``."""

    __tablename__ = "rentals_lettings"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "grid.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The landlord's household: the house let is theirs.
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    #: The landlord, a member of that household.
    landlord_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)
    #: Denormalised from the household so that lists and counts are scoped without a join.
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    #: Where the let rooms are (the household's address unless typed otherwise).
    address: Mapped[str] = mapped_column(String(128))
    rooms: Mapped[int | None] = mapped_column(Integer)
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date, index=True)
    #: The landlord's signed responsibility letter (治安责任书), as a photo of the paper
    #: (portal.uploads keeps photos only: a PDF is not accepted in this first version).
    letter: Mapped[str | None] = mapped_column(String(64), info={"upload": "photos"})
    note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    grid: Mapped[Grid] = relationship()
    household: Mapped[Household] = relationship()
    landlord: Mapped[Resident | None] = relationship()
    tenants: Mapped[list["RentalsTenant"]] = relationship(back_populates="letting",
                                                          order_by="RentalsTenant.id")


class RentalsTenant(db.Model):
    """A person living in a let house. ``left_on`` ends the stay; the row is never deleted. The
    ID number is stored for the police's registration but shown masked everywhere (no page shows
    it in full in this first version)."""

    __tablename__ = "rentals_tenants"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "letting.grid.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    letting_id: Mapped[int] = mapped_column(ForeignKey("rentals_lettings.id"), index=True)
    name: Mapped[str] = mapped_column(String(32))
    id_number: Mapped[str | None] = mapped_column(String(18))
    phone: Mapped[str | None] = mapped_column(String(20))
    #: When the tenant is a registered resident of the portal (moved within the county).
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)
    moved_in_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date, index=True)
    #: 暂住登记: its number, when it was made and when it expires.
    registration_number: Mapped[str | None] = mapped_column(String(32))
    registered_on: Mapped[date | None] = mapped_column(Date)
    registration_expires_on: Mapped[date | None] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    letting: Mapped[RentalsLetting] = relationship(back_populates="tenants")
    resident: Mapped[Resident | None] = relationship()


class RentalsAway(db.Model):
    """A registered resident living elsewhere (户在人不在): where, since when, why; ``ended_on``
    when they came back (or the record was closed)."""

    __tablename__ = "rentals_away"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "resident.grid.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    #: Where they live now (a city, an address).
    place: Mapped[str] = mapped_column(String(200))
    since: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(String(200))
    ended_on: Mapped[date | None] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    resident: Mapped[Resident] = relationship()
