"""A town's tuned settings, one row per (town, key), the value as JSON (read and written by
portal.settings)."""
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db


class TownSetting(db.Model):
    __tablename__ = "town_settings"
    __table_args__ = (UniqueConstraint("town_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    #: Dotted name, e.g. "people.visit_days".
    key: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(Text)
