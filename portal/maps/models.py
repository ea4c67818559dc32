from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.grids.models import Grid
from portal.timeutil import utcnow


class GridBoundary(db.Model):
    """A grid's boundary: a GeoJSON Polygon or MultiPolygon in WGS84 (longitude, latitude).

    Kept apart from ``grids`` so the tree queries never drag polygons along; the bounding box is
    stored so a map can be framed without parsing every polygon."""

    __tablename__ = "grid_boundaries"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "grid.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), unique=True)
    #: The geometry object as JSON text (not a Feature), coordinates rounded to 6 decimals (~0.1 m).
    geometry: Mapped[str] = mapped_column(Text)
    min_lon: Mapped[float] = mapped_column()
    min_lat: Mapped[float] = mapped_column()
    max_lon: Mapped[float] = mapped_column()
    max_lat: Mapped[float] = mapped_column()
    #: "import" or "drawn".
    source: Mapped[str | None] = mapped_column(String(8))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    grid: Mapped[Grid] = relationship()
