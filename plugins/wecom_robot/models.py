"""A WeCom (企业微信) group robot of a grid's or a village's group chat: its webhook key (a
secret: whoever holds it posts into the group) and the events it is told about."""
import json
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.grids.models import Grid
from portal.timeutil import utcnow


class WecomRobotRobot(db.Model):
    __tablename__ = "wecom_robot_robots"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "grid.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The grid or village whose group the robot posts into.
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    #: What people call the group ("第一网格工作群").
    name: Mapped[str] = mapped_column(String(64))
    #: The webhook's key; never shown whole, never logged, never in the audit log.
    key: Mapped[str] = mapped_column(String(100))
    #: JSON list of the event codes (portal.notifications.events) the group is told about.
    events: Mapped[str] = mapped_column(Text, default="[]")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    grid: Mapped[Grid] = relationship()

    @property
    def event_list(self) -> list[str]:
        return json.loads(self.events or "[]")

    @property
    def masked_key(self) -> str:
        """Enough to tell two robots apart, too little to post with."""
        return f"{self.key[:4]}…{self.key[-4:]}" if len(self.key) > 12 else "…"
