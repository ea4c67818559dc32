"""The grid tree: county → town → village → base grid, plus special grids.

A grid's ``code`` is its materialised path: each level appends a fixed-width segment to its
parent's code, so "everything under this node" is one indexed prefix query (``code LIKE 'x%'``).
"""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.timeutil import utcnow

COUNTY, TOWN, VILLAGE, GRID, SPECIAL = "county", "town", "village", "grid", "special"
LEVELS = (COUNTY, TOWN, VILLAGE, GRID, SPECIAL)

#: Which levels may sit directly under which.
ALLOWED_CHILDREN = {
    COUNTY: (TOWN,),
    TOWN: (VILLAGE, SPECIAL),
    VILLAGE: (GRID, SPECIAL),
    GRID: (),
    SPECIAL: (),
}

#: Digits each level appends to its parent's code (a county starts from its 6-digit region code).
SEGMENT_WIDTH = 3
#: Digits of a county's code, and of a town's (the county's, then the town's own segment).
COUNTY_CODE_WIDTH = 6
TOWN_CODE_WIDTH = COUNTY_CODE_WIDTH + SEGMENT_WIDTH
#: Special grids take sequence numbers from 900 up, so a code shows at a glance that it is special.
SPECIAL_SEQUENCE_START = 900

SPECIAL_KINDS = ("enterprise", "school", "market", "park", "hospital", "barracks", "other")
STAFF_POSTS = ("leader", "worker", "info_officer", "instructor", "liaison", "representative")


class Grid(db.Model):
    __tablename__ = "grids"
    #: tenancy: a grid lies at its own code (portal.tenancy.records)
    scope_path = "code"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Parent node; NULL only for a county, the root of its tree.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    #: One of LEVELS.
    level: Mapped[str] = mapped_column(String(16))
    #: Unified code encoding the path; unique for ever (a retired grid keeps its code).
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    #: For special grids: enterprise, school, market ...
    special_kind: Mapped[str | None] = mapped_column(String(16))
    #: Shown on the public notice board: where residents complain about the grid's staff.
    supervision_phone: Mapped[str | None] = mapped_column(String(20))
    #: Free text: the hamlet, villager group or buildings the grid covers.
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Set when the grid is retired; grids are never deleted because records point at them.
    retired_at: Mapped[datetime | None] = mapped_column()
    #: Households (not moved out) and residents (not left) registered on this node itself, kept
    #: by portal.people.grid_counts: a county's figures add 1,300 of these instead of counting
    #: 600,000 index entries.
    households_count: Mapped[int] = mapped_column(default=0, server_default="0")
    residents_count: Mapped[int] = mapped_column(default=0, server_default="0")

    parent: Mapped["Grid | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Grid"]] = relationship(back_populates="parent",
                                                  order_by="Grid.code")
    staff: Mapped[list["GridStaff"]] = relationship(back_populates="grid",
                                                    order_by="GridStaff.sort_order")

    @property
    def active(self) -> bool:
        return self.retired_at is None

    @property
    def is_leaf(self) -> bool:
        return self.level in (GRID, SPECIAL)

    def ancestors(self) -> list["Grid"]:
        """Root first, excluding self."""
        chain, node = [], self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))

    def ancestor_at(self, level: str) -> "Grid | None":
        for node in [*self.ancestors(), self]:
            if node.level == level:
                return node
        return None

    def __repr__(self) -> str:
        return f"<Grid {self.code} {self.name}>"


class GridStaff(db.Model):
    """A responsible person on a grid's notice board ("一长三员" plus resident representatives)."""

    __tablename__ = "grid_staff"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "grid.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    #: The portal account of this person, when they have one.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: One of STAFF_POSTS or the town's extra posts (portal.grids.staff_posts).
    post: Mapped[str] = mapped_column(String(20))
    #: The label of a town's extra post when saved: it still reads right after the town removes
    #: the post (NULL for a built-in post, whose label follows the reader's language).
    post_label: Mapped[str | None] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(32))
    phone: Mapped[str | None] = mapped_column(String(20))
    duties: Mapped[str | None] = mapped_column(Text)
    #: File name of the photo in the instance upload folder (``info``: `portal uploads clean`
    #: keeps the files such columns name).
    photo: Mapped[str | None] = mapped_column(String(64), info={"upload": "photos"})
    sort_order: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Staff leave the board by getting an end date, so the board's history stays readable.
    ended_at: Mapped[datetime | None] = mapped_column()

    grid: Mapped[Grid] = relationship(back_populates="staff")


class RepresentativeHousehold(db.Model):
    """A household a resident representative looks after (联户: 8 to 15 neighbouring households
    each). A link ends, never disappears, so who looked after a household stays readable."""

    __tablename__ = "representative_households"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "staff.grid.code"
    __table_args__ = (
        #: A household has one active representative; the database keeps it so.
        Index("ux_representative_households_active", "household_id", unique=True,
              sqlite_where=text("ended_at IS NULL"), postgresql_where=text("ended_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("grid_staff.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column()

    staff: Mapped[GridStaff] = relationship()
    household = relationship("Household")
