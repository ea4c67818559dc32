"""Registering group robots (audited, the key never written to the audit log), finding the
robots of a grid for an event, and delivering to one."""
from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

from flask_babel import gettext as _
from sqlalchemy import select

from portal import audit
from portal.errors import DomainError
from portal.extensions import db
from portal.grids.models import GRID, SPECIAL, VILLAGE, Grid
from portal.notifications.events import all_events
from portal.notifications.messages import Message, PermanentError, Recipient
from portal.tenancy.codes import codes_above

from . import webhook
from .models import WecomRobotRobot

#: the levels whose groups may have a robot: a village's, a grid's (a special grid's too)
LEVELS = (VILLAGE, GRID, SPECIAL)
#: a key as WeCom issues it (a UUID), pasted alone or within the webhook address
KEY = re.compile(r"^[A-Za-z0-9-]{16,100}$")
#: the outbox address of a robot: its id, never its key (the outbox is shown to admins)
PREFIX = "robot:"


def parse_key(value: str | None) -> str:
    """The key from what was pasted: the key itself or the whole webhook address."""
    value = (value or "").strip()
    if value.startswith(("http://", "https://")):
        value = (parse_qs(urlsplit(value).query).get("key") or [""])[0]
    if not KEY.match(value):
        raise DomainError(_("请粘贴群机器人的 Webhook 地址或其中的密钥。"), "key")
    return value


def _events(events) -> str:
    known = all_events()
    chosen = [event for event in events if event in known]
    if not chosen:
        raise DomainError(_("请至少选择一类消息。"), "events")
    return json.dumps(sorted(chosen))


def create(grid: Grid, *, name: str, key: str, events, actor) -> WecomRobotRobot:
    if grid.level not in LEVELS:
        raise DomainError(_("群机器人只能设在村(社区)或网格。"), "grid")
    robot = WecomRobotRobot(grid=grid, name=name.strip(), key=parse_key(key),
                            events=_events(events))
    db.session.add(robot)
    db.session.flush()
    audit.record("wecom_robot.create", robot, scope_code=grid.code, user=actor, name=robot.name,
                 grid=grid.name, events=robot.event_list)
    return robot


def update(robot: WecomRobotRobot, *, name: str, key: str | None, events, active: bool,
           actor) -> WecomRobotRobot:
    changes: dict = {}
    if name.strip() != robot.name:
        changes["name"] = robot.name = name.strip()
    if key and key.strip():
        new_key = parse_key(key)
        if new_key != robot.key:
            robot.key = new_key
            changes["key_changed"] = True  # that it changed, never what to
    new_events = _events(events)
    if new_events != robot.events:
        robot.events = new_events
        changes["events"] = robot.event_list
    if active != robot.active:
        changes["active"] = robot.active = active
    if changes:
        audit.record("wecom_robot.update", robot, scope_code=robot.grid.code, user=actor,
                     **changes)
    return robot


def delete(robot: WecomRobotRobot, actor) -> None:
    audit.record("wecom_robot.delete", robot, scope_code=robot.grid.code, user=actor,
                 name=robot.name, grid=robot.grid.name)
    db.session.delete(robot)


def groups(event: str, grid: Grid) -> list[tuple[str, str]]:
    """The robots of ``grid`` and of the nodes above it (its village) told about ``event``."""
    robots = db.session.scalars(
        select(WecomRobotRobot).join(WecomRobotRobot.grid)
        .where(Grid.code.in_(codes_above(grid.code)), WecomRobotRobot.active.is_(True))
        .order_by(WecomRobotRobot.id)).all()
    return [("wecom", f"{PREFIX}{robot.id}") for robot in robots if event in robot.event_list]


def send(recipient: Recipient, message: Message) -> None:
    address = recipient.address or ""
    robot = None
    if address.startswith(PREFIX) and address[len(PREFIX):].isdigit():
        robot = db.session.get(WecomRobotRobot, int(address[len(PREFIX):]))
    if robot is None or not robot.active:
        raise PermanentError("the group robot was removed or switched off")
    webhook.post(robot.key, webhook.markdown(message))
