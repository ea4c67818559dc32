"""Volunteer service (志愿服务): volunteers, teams, activities with sign-up and hours, self-reported
hours, pairing help (结对帮助) and proxy services (代办).

Hours are kept in whole minutes; an activity's sign-up count is a cache that one conditional
UPDATE changes, so its capacity holds however many volunteers tap "sign up" at once.
"""
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.grids.models import Grid
from portal.people.models import Household, Resident
from portal.timeutil import local_today, utcnow

TEAM_KINDS = ("party", "women", "patrol", "greening", "proxy", "other")
PAIRING_NEEDS = ("poor", "left_behind_child", "left_behind_elder", "mental_illness", "other")
ERRANDS = ("certificate", "insurance", "pension", "medical", "other")
PROXY_STATES = ("requested", "accepted", "done", "cancelled")
CLAIM_STATES = ("pending", "approved", "rejected")


class VolunteersVolunteer(db.Model):
    __tablename__ = "volunteers_volunteers"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "grid.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    #: Where the volunteer belongs (their grid, or the village an outsider serves): for scoping.
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    #: A resident of the register, or NULL for a volunteer from outside.
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), unique=True)
    #: Their login, when they have one.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    name: Mapped[str] = mapped_column(String(32))
    phone: Mapped[str | None] = mapped_column(String(20))
    #: Volunteer number (志愿者编号), also their login name.
    number: Mapped[str] = mapped_column(String(24), unique=True)
    joined_on: Mapped[date] = mapped_column(Date, default=local_today)
    left_on: Mapped[date | None] = mapped_column(Date)

    town: Mapped[Grid] = relationship(foreign_keys=[town_id])
    grid: Mapped[Grid] = relationship(foreign_keys=[grid_id])
    resident: Mapped[Resident | None] = relationship()
    user = relationship("User")
    memberships: Mapped[list["VolunteersMember"]] = relationship(back_populates="volunteer")


class VolunteersTeam(db.Model):
    __tablename__ = "volunteers_teams"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "grid.code"
    __table_args__ = (UniqueConstraint("grid_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: A village's team or a town's.
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    #: One of TEAM_KINDS.
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    grid: Mapped[Grid] = relationship()
    members: Mapped[list["VolunteersMember"]] = relationship(back_populates="team",
                                                             order_by="VolunteersMember.id")


class VolunteersMember(db.Model):
    __tablename__ = "volunteers_members"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "team.grid.code"
    __table_args__ = (UniqueConstraint("team_id", "volunteer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("volunteers_teams.id"), index=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers_volunteers.id"), index=True)
    leader: Mapped[bool] = mapped_column(default=False)
    joined_on: Mapped[date] = mapped_column(Date, default=local_today)
    left_on: Mapped[date | None] = mapped_column(Date)

    team: Mapped[VolunteersTeam] = relationship(back_populates="members")
    volunteer: Mapped[VolunteersVolunteer] = relationship(back_populates="memberships")


class VolunteersActivity(db.Model):
    __tablename__ = "volunteers_activities"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "team.grid.code"
    __table_args__ = (CheckConstraint("signed <= capacity", name="within_capacity"),
                      CheckConstraint("ends_at > starts_at", name="ends_after_start"),
                      Index("ix_volunteers_activities_team_start", "team_id", "starts_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("volunteers_teams.id"))
    title: Mapped[str] = mapped_column(String(100))
    place: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    #: Naive UTC like every timestamp; shown in local time.
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column()
    capacity: Mapped[int] = mapped_column()
    #: Volunteers signed up now (cache of the sign-ups not cancelled).
    signed: Mapped[int] = mapped_column(default=0)
    #: Points per confirmed hour, awarded through the points module where it is on.
    points_per_hour: Mapped[int] = mapped_column(default=0)
    #: What the QR code at the activity carries for self check-in.
    checkin_token: Mapped[str] = mapped_column(String(32), unique=True)
    cancelled_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    team: Mapped[VolunteersTeam] = relationship()
    signups: Mapped[list["VolunteersSignup"]] = relationship(back_populates="activity",
                                                             order_by="VolunteersSignup.id")

    @property
    def scope_code(self) -> str:
        return self.team.grid.code


class VolunteersSignup(db.Model):
    __tablename__ = "volunteers_signups"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "activity.team.grid.code"
    __table_args__ = (UniqueConstraint("activity_id", "volunteer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("volunteers_activities.id"), index=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers_volunteers.id"), index=True)
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column()
    checked_in_at: Mapped[datetime | None] = mapped_column()
    checked_out_at: Mapped[datetime | None] = mapped_column()
    #: Service time in minutes, set when the leader confirms.
    minutes: Mapped[int | None] = mapped_column()
    confirmed_at: Mapped[datetime | None] = mapped_column()
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Points the points module awarded for it (NULL where it is off).
    points: Mapped[int | None] = mapped_column()

    activity: Mapped[VolunteersActivity] = relationship(back_populates="signups")
    volunteer: Mapped[VolunteersVolunteer] = relationship()
    confirmed_by = relationship("User")


class VolunteersClaim(db.Model):
    """Hours a volunteer reports themselves; they count only once a team leader approves."""

    __tablename__ = "volunteers_claims"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "team.grid.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers_volunteers.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("volunteers_teams.id"), index=True)
    worked_on: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int] = mapped_column()
    description: Mapped[str] = mapped_column(Text)
    #: One of CLAIM_STATES.
    status: Mapped[str] = mapped_column(String(10), default="pending")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column()
    reason: Mapped[str | None] = mapped_column(String(200))
    points: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    volunteer: Mapped[VolunteersVolunteer] = relationship()
    team: Mapped[VolunteersTeam] = relationship()
    decided_by = relationship("User")

    @property
    def scope_code(self) -> str:
        return self.team.grid.code


class VolunteersPairing(db.Model):
    """A cadre or volunteer paired with a household in need (结对帮助)."""

    __tablename__ = "volunteers_pairings"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "household.grid.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers_volunteers.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    #: One of PAIRING_NEEDS.
    need: Mapped[str] = mapped_column(String(24))
    #: A visit is due this many days after the last one (or the start).
    visit_days: Mapped[int] = mapped_column(default=30)
    started_on: Mapped[date] = mapped_column(Date, default=local_today)
    ended_on: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)

    volunteer: Mapped[VolunteersVolunteer] = relationship()
    household: Mapped[Household] = relationship()
    visits: Mapped[list["VolunteersPairVisit"]] = relationship(
        back_populates="pairing", order_by="VolunteersPairVisit.visited_on.desc()")

    @property
    def scope_code(self) -> str:
        return self.household.grid.code


class VolunteersPairVisit(db.Model):
    __tablename__ = "volunteers_pair_visits"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "pairing.household.grid.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("volunteers_pairings.id"), index=True)
    visited_on: Mapped[date] = mapped_column(Date)
    found: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    pairing: Mapped[VolunteersPairing] = relationship(back_populates="visits")
    user = relationship("User")


class VolunteersProxy(db.Model):
    """An errand a volunteer runs for a resident (代办): from request to done, with satisfaction."""

    __tablename__ = "volunteers_proxies"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "grid.code"
    __table_args__ = (Index("ix_volunteers_proxies_town_state", "town_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("grids.id"))
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    #: One of ERRANDS.
    errand: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text)
    volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("volunteers_volunteers.id"),
                                                     index=True)
    #: One of PROXY_STATES.
    status: Mapped[str] = mapped_column(String(10), default="requested")
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column()
    done_at: Mapped[datetime | None] = mapped_column()
    result: Mapped[str | None] = mapped_column(Text)
    #: 1 (very unsatisfied) to 5 (very satisfied), asked of the resident when done.
    satisfaction: Mapped[int | None] = mapped_column()
    #: The case it was raised from or linked to.
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    grid: Mapped[Grid] = relationship(foreign_keys=[grid_id])
    resident: Mapped[Resident] = relationship()
    volunteer: Mapped[VolunteersVolunteer | None] = relationship()
    case = relationship("Case")
