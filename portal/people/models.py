"""The population register's spine: households in grids and residents in households.

The foundation keeps only what the grid tree needs to count people under each node; the register
(ID numbers, care categories, visits, history) grows here in its own issue.
"""
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.grids.models import Grid
from portal.timeutil import utcnow


class Household(db.Model):
    __tablename__ = "households"

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    #: House number, hamlet or building address as the residents say it.
    address: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Households leave the register by moving out, never by deletion.
    moved_out_at: Mapped[datetime | None] = mapped_column()

    grid: Mapped[Grid] = relationship()
    members: Mapped[list["Resident"]] = relationship(back_populates="household")


class Resident(db.Model):
    __tablename__ = "residents"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    #: Denormalised from the household so that counts and scoping need no join.
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    name: Mapped[str] = mapped_column(String(32))
    #: Relation to the head of household: "head", "spouse", "child", "parent", "other".
    relation: Mapped[str] = mapped_column(String(16), default="head")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Set when the resident dies or moves away; they stay in the register's history.
    left_at: Mapped[datetime | None] = mapped_column()

    household: Mapped[Household] = relationship(back_populates="members")
    grid: Mapped[Grid] = relationship()
