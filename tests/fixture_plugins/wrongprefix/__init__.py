"""A plugin whose table does not carry its name as prefix: it must be refused at load."""
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db


class Misnamed(db.Model):
    __tablename__ = "misnamed_things"

    id: Mapped[int] = mapped_column(primary_key=True)
