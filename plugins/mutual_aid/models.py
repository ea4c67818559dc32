"""Neighbourhood mutual-aid groups (邻里互助组): about ten households of a grid with an elected
leader, and the help they give each other (production, daily life, joint mediation, joint
security watch)."""
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.grids.models import Grid
from portal.people.models import Household, Resident
from portal.timeutil import local_today, utcnow

HELP_KINDS = ("production", "daily", "mediation", "security")


class MutualAidGroup(db.Model):
    __tablename__ = "mutual_aid_groups"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "grid.code"
    __table_args__ = (UniqueConstraint("grid_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    #: The elected group leader (组长), a resident of one of the member households.
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    elected_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    dissolved_on: Mapped[date | None] = mapped_column(Date)

    grid: Mapped[Grid] = relationship()
    leader: Mapped[Resident | None] = relationship()
    members: Mapped[list["MutualAidMember"]] = relationship(back_populates="group",
                                                            order_by="MutualAidMember.id")

    @property
    def active_members(self) -> list["MutualAidMember"]:
        return [m for m in self.members if m.left_on is None]


class MutualAidMember(db.Model):
    """A household in a group. ``active_household_id`` equals ``household_id`` while the household
    is in the group and NULL after it left; its unique constraint is what keeps a household in at
    most one group at a time (NULLs never clash, on SQLite and PostgreSQL alike)."""

    __tablename__ = "mutual_aid_members"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "group.grid.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("mutual_aid_groups.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    active_household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"),
                                                            unique=True)
    joined_on: Mapped[date] = mapped_column(Date, default=local_today)
    left_on: Mapped[date | None] = mapped_column(Date)

    group: Mapped[MutualAidGroup] = relationship(back_populates="members")
    household: Mapped[Household] = relationship(foreign_keys=[household_id])


class MutualAidHelp(db.Model):
    """One request for help or joint activity of a group: who asked, who helped, the outcome."""

    __tablename__ = "mutual_aid_helps"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "group.grid.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("mutual_aid_groups.id"), index=True)
    #: One of HELP_KINDS.
    kind: Mapped[str] = mapped_column(String(12))
    asked_by_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    happened_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(Text)
    solved: Mapped[bool] = mapped_column(default=False)
    #: The case it was escalated to, when the group could not solve it.
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    group: Mapped[MutualAidGroup] = relationship()
    asked_by: Mapped[Resident | None] = relationship()
    helpers: Mapped[list["MutualAidHelper"]] = relationship(back_populates="help",
                                                            order_by="MutualAidHelper.id")
    case = relationship("Case")
    recorded_by = relationship("User")

    @property
    def scope_code(self) -> str:
        return self.group.grid.code


class MutualAidHelper(db.Model):
    __tablename__ = "mutual_aid_helpers"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "help.group.grid.code"
    __table_args__ = (UniqueConstraint("help_id", "resident_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    help_id: Mapped[int] = mapped_column(ForeignKey("mutual_aid_helps.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    #: Points the points module awarded for this help (NULL where it is off).
    points: Mapped[int | None] = mapped_column()

    help: Mapped[MutualAidHelp] = relationship(back_populates="helpers")
    resident: Mapped[Resident] = relationship()
