"""Units and places of a grid (场所与设施): a place (``PlacesPlace``) with its licences
(``PlacesLicence``), its safety inspections (``PlacesInspection``: a regular one or a
re-inspection, 复查) and the hazards they found (``PlacesHazard``, with photos). Nothing is
deleted: a place that closes is closed with a date, a licence ends with a date, a hazard is
rectified with the day a re-inspection found it fixed."""
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.grids.models import Grid
from portal.timeutil import utcnow


class PlacesPlace(db.Model):
    """A unit, one of the nine small places, or a public facility, in a base grid."""

    __tablename__ = "places_places"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "grid.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    #: A key of plugins.places.kinds.KINDS (its group gives the checklist and the schedule).
    kind: Mapped[str] = mapped_column(String(24), index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    address: Mapped[str | None] = mapped_column(String(200))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    #: 法定代表人 / 负责人, by name (they need not be in the register).
    person_in_charge: Mapped[str | None] = mapped_column(String(32))
    #: Stored for the grid worker to call; shown masked (its full reveal is audited).
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    staff_count: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    #: The day it was registered: the schedule's start until its first inspection.
    registered_on: Mapped[date] = mapped_column(Date)
    #: The latest regular inspection's day (a re-inspection does not move the schedule).
    last_inspected_on: Mapped[date | None] = mapped_column(Date)
    #: The next inspection's due day, kept by plugins.places.schedule (from the latest
    #: inspection or the registration, by the town's months for the kind's group), so that the
    #: due lists and counts are one indexed query.
    next_due_on: Mapped[date | None] = mapped_column(Date, index=True)
    #: A place that closed: kept, no longer inspected.
    closed_on: Mapped[date | None] = mapped_column(Date, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    grid: Mapped[Grid] = relationship()
    licences: Mapped[list["PlacesLicence"]] = relationship(back_populates="place",
                                                           order_by="PlacesLicence.id")


class PlacesLicence(db.Model):
    """A licence of a place (营业执照, 食品经营许可证, 消防许可 …) with its expiry; ``ended_on``
    when it was cancelled or replaced."""

    __tablename__ = "places_licences"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "place.grid.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("places_places.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    number: Mapped[str | None] = mapped_column(String(64))
    #: None: without an expiry (a business licence of long term).
    expires_on: Mapped[date | None] = mapped_column(Date, index=True)
    ended_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    place: Mapped[PlacesPlace] = relationship(back_populates="licences")


class PlacesInspection(db.Model):
    """A safety inspection of a place: the checklist's answers, or a re-inspection (复查) of its
    open hazards."""

    __tablename__ = "places_inspections"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "place.grid.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("places_places.id"), index=True)
    inspected_on: Mapped[date] = mapped_column(Date)
    #: A re-inspection of open hazards only (no checklist; the schedule does not move).
    reinspection: Mapped[bool] = mapped_column(Boolean, default=False)
    #: {item key: "pass" | "fail" | "na"} of the kind group's checklist (empty for a re-inspection).
    results: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str | None] = mapped_column(Text)
    inspector_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    place: Mapped[PlacesPlace] = relationship()
    hazards: Mapped[list["PlacesHazard"]] = relationship(
        back_populates="inspection", foreign_keys="PlacesHazard.inspection_id",
        order_by="PlacesHazard.id")


class PlacesHazard(db.Model):
    """A failed checklist item: open until a re-inspection finds it fixed (``rectified_on``),
    overdue once its deadline has passed. ``case_id``: the case it was reported as (once)."""

    __tablename__ = "places_hazards"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "place.grid.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("places_places.id"), index=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("places_inspections.id"), index=True)
    item: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    #: The rectification deadline (整改期限); a re-inspection may set a new one.
    deadline: Mapped[date] = mapped_column(Date, index=True)
    rectified_on: Mapped[date | None] = mapped_column(Date, index=True)
    rectified_by_id: Mapped[int | None] = mapped_column(ForeignKey("places_inspections.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    place: Mapped[PlacesPlace] = relationship()
    inspection: Mapped[PlacesInspection] = relationship(back_populates="hazards",
                                                        foreign_keys=[inspection_id])
    photos: Mapped[list["PlacesHazardPhoto"]] = relationship(back_populates="hazard",
                                                             order_by="PlacesHazardPhoto.id")


class PlacesHazardPhoto(db.Model):
    __tablename__ = "places_hazard_photos"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "hazard.place.grid.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    hazard_id: Mapped[int] = mapped_column(ForeignKey("places_hazards.id"), index=True)
    filename: Mapped[str] = mapped_column(String(64), info={"upload": "photos"})

    hazard: Mapped[PlacesHazard] = relationship(back_populates="photos")
