"""Village associations (协会: 平安乡村协会, 移风易俗协会, 环境卫生协会 …) with members scored on
the 100-point system (百分制管理). A member's score for a year is the association's base score plus
the sum of that year's score items that stand; items are never edited or deleted, an upheld
appeal voids one and says so."""
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.grids.models import Grid
from portal.people.models import Resident
from portal.timeutil import local_today, utcnow

KINDS = ("safety", "customs", "sanitation", "other")


class AssociationsAssociation(db.Model):
    __tablename__ = "associations_associations"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "grid.code"
    #: tenancy: a village's association (and its members, scores, appeals, dues) is seen by the
    #: grid workers of that village too
    scope_seen_from_below = True
    __table_args__ = (UniqueConstraint("grid_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The village the association belongs to.
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    #: One of KINDS.
    kind: Mapped[str] = mapped_column(String(12))
    charter: Mapped[str | None] = mapped_column(Text)
    #: Every member starts each year at this score.
    base_score: Mapped[int] = mapped_column(default=100)
    #: Yearly dues in fen (分); NULL when the association collects none.
    dues_fen: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    grid: Mapped[Grid] = relationship()
    officers: Mapped[list["AssociationsOfficer"]] = relationship(back_populates="association")

    @property
    def scope_code(self) -> str:
        return self.grid.code


class AssociationsOfficer(db.Model):
    """A login that runs the association (会长, 秘书长 …)."""

    __tablename__ = "associations_officers"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "association.grid.code"
    #: tenancy: also seen by the staff of the nodes below it
    scope_seen_from_below = True
    __table_args__ = (UniqueConstraint("association_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("associations_associations.id"),
                                                index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(16))

    association: Mapped[AssociationsAssociation] = relationship(back_populates="officers")
    user = relationship("User")


class AssociationsMember(db.Model):
    __tablename__ = "associations_members"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "association.grid.code"
    #: tenancy: also seen by the staff of the nodes below it
    scope_seen_from_below = True
    __table_args__ = (UniqueConstraint("association_id", "resident_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("associations_associations.id"),
                                                index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    joined_on: Mapped[date] = mapped_column(Date, default=local_today)
    left_on: Mapped[date | None] = mapped_column(Date)

    association: Mapped[AssociationsAssociation] = relationship()
    resident: Mapped[Resident] = relationship()

    @property
    def scope_code(self) -> str:
        return self.association.grid.code


class AssociationsItem(db.Model):
    """An entry of the association's list of additions and deductions."""

    __tablename__ = "associations_items"
    __table_args__ = (UniqueConstraint("association_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("associations_associations.id"),
                                                index=True)
    name: Mapped[str] = mapped_column(String(100))
    #: Signed: positive adds, negative deducts.
    points: Mapped[int] = mapped_column()
    active: Mapped[bool] = mapped_column(default=True)


class AssociationsScore(db.Model):
    """One addition or deduction for a member, counted in the year it happened."""

    __tablename__ = "associations_scores"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "member.association.grid.code"
    #: tenancy: also seen by the staff of the nodes below it
    scope_seen_from_below = True
    __table_args__ = (Index("ix_associations_scores_member_year", "member_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("associations_associations.id"),
                                                index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("associations_members.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("associations_items.id"))
    #: Copied from the item when recorded, so changing the list never changes a past score.
    points: Mapped[int] = mapped_column()
    reason: Mapped[str] = mapped_column(Text)
    happened_on: Mapped[date] = mapped_column(Date)
    #: The scoring year (of ``happened_on``).
    year: Mapped[int] = mapped_column()
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Set when an appeal against it was upheld: it no longer counts.
    voided_at: Mapped[datetime | None] = mapped_column()

    member: Mapped[AssociationsMember] = relationship()
    item: Mapped[AssociationsItem] = relationship()
    recorded_by = relationship("User")
    appeal: Mapped["AssociationsAppeal | None"] = relationship(back_populates="score",
                                                               uselist=False)

    @property
    def scope_code(self) -> str:
        return self.member.association.grid.code


class AssociationsAppeal(db.Model):
    __tablename__ = "associations_appeals"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "score.member.association.grid.code"
    #: tenancy: also seen by the staff of the nodes below it
    scope_seen_from_below = True

    id: Mapped[int] = mapped_column(primary_key=True)
    #: One appeal per item.
    score_id: Mapped[int] = mapped_column(ForeignKey("associations_scores.id"), unique=True)
    reason: Mapped[str] = mapped_column(Text)
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    filed_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: NULL while pending, then "upheld" (the item is voided) or "rejected".
    decision: Mapped[str | None] = mapped_column(String(10))
    decision_note: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column()

    score: Mapped[AssociationsScore] = relationship(back_populates="appeal")
    filed_by = relationship("User", foreign_keys=[filed_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])


class AssociationsReport(db.Model):
    """A regular report of the association to the village party branch."""

    __tablename__ = "associations_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("associations_associations.id"),
                                                index=True)
    period: Mapped[str] = mapped_column(String(32))
    content: Mapped[str] = mapped_column(Text)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)

    submitted_by = relationship("User")


class AssociationsDues(db.Model):
    """A member's dues for one year, with its receipt."""

    __tablename__ = "associations_dues"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "member.association.grid.code"
    #: tenancy: also seen by the staff of the nodes below it
    scope_seen_from_below = True
    __table_args__ = (UniqueConstraint("member_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("associations_associations.id"),
                                                index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("associations_members.id"))
    year: Mapped[int] = mapped_column()
    amount_fen: Mapped[int] = mapped_column()
    paid_on: Mapped[date] = mapped_column(Date)
    receipt_number: Mapped[str] = mapped_column(String(32), unique=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    member: Mapped[AssociationsMember] = relationship()
    recorded_by = relationship("User")
