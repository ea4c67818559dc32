"""A batch of documents being printed (one PDF for a whole village or grid): made by the
background worker, with its progress and the file to download."""
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.grids.models import Grid
from portal.timeutil import utcnow

STATES = ("queued", "running", "done", "failed")


class DocumentBatch(db.Model):
    __tablename__ = "document_batches"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "node.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The kind of document (portal.documents.DocumentType.code).
    kind: Mapped[str] = mapped_column(String(40))
    #: The grid node whose documents it holds (a village's households ...).
    node_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    #: The period's query arguments, for the kinds that cover one (JSON).
    params: Mapped[str | None] = mapped_column(Text)
    #: The address the QR codes point at, taken from the request that asked (the worker has
    #: none of its own).
    base_url: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(8), default="queued")
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    #: The PDF's file name in the instance's documents folder, once made.
    pdf_name: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(String(500))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()

    node: Mapped[Grid] = relationship()
    created_by = relationship("User")

    @property
    def percent(self) -> int:
        return 100 if self.state == "done" else (self.done * 100 // self.total if self.total
                                                 else 0)
