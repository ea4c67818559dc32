"""Patrols and QR checkpoints: the rules, written once for the pages and the demo. A worker has
at most one patrol under way; a point needs a place (coordinates or a checkpoint), a note or a
photo; "发现问题" files a case through the core's loop (portal.cases.services.report) and records
the point it was found at. Every change is audited; the caller commits."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from portal import audit
from portal.errors import DomainError
from portal.extensions import db
from portal.grids.models import GRID, SPECIAL, Grid
from portal.timeutil import local_date, utcnow

from .models import GridWorkCheckpoint, GridWorkPatrol, GridWorkPatrolPoint

#: The module's name (portal.tenancy).
MODULE = "grid_work"
#: A checkpoint scanned again within this time on the same patrol is the same visit (a page
#: reloaded, a code scanned twice), not a second point.
SCAN_AGAIN_AFTER = timedelta(minutes=10)
#: How far a point's time from the phone may lie ahead of the server's clock (clocks differ).
CLOCK_SLACK = timedelta(minutes=2)


def under_way(worker) -> GridWorkPatrol | None:
    """The worker's patrol under way, if any."""
    return db.session.scalar(select(GridWorkPatrol).where(
        GridWorkPatrol.worker_id == worker.id, GridWorkPatrol.ended_at.is_(None))
        .order_by(GridWorkPatrol.id.desc()).limit(1))


def start(worker, *, client_key: str | None = None,
          at: datetime | None = None) -> tuple[GridWorkPatrol, bool]:
    """Start a patrol in the worker's grid, or return the one under way; (patrol, started)."""
    grid = worker.scope
    if grid is None or grid.level not in (GRID, SPECIAL) or not grid.active:
        raise DomainError(_("只有负责一个网格的网格员可以巡查。"))
    current = under_way(worker)
    if current is not None:
        return current, False
    moment = at or utcnow()
    patrol = GridWorkPatrol(worker_id=worker.id, grid_id=grid.id, grid=grid,
                            day=local_date(moment), started_at=moment, client_key=client_key)
    db.session.add(patrol)
    db.session.flush()
    audit.record("grid_work.patrol_start", patrol, scope_code=grid.code, user=worker)
    return patrol, True


def _open(patrol: GridWorkPatrol) -> None:
    if patrol.ended_at is not None:
        raise DomainError(_("这次巡查已经结束。"))


def point_time(patrol: GridWorkPatrol, taken: datetime | None) -> datetime:
    """When a point was taken: the phone's time (a point kept offline arrives later) when it
    lies within the patrol, else now."""
    now = utcnow()
    if taken is not None and patrol.started_at <= taken <= now + CLOCK_SLACK:
        return min(taken, now)
    return now


def add_point(patrol: GridWorkPatrol, worker, *, latitude: float | None = None,
              longitude: float | None = None, note: str | None = None,
              photo: str | None = None, checkpoint: GridWorkCheckpoint | None = None,
              case=None, client_key: str | None = None,
              taken: datetime | None = None) -> GridWorkPatrolPoint:
    _open(patrol)
    note = (note or "").strip() or None
    if (latitude is None) != (longitude is None):
        raise DomainError(_("请同时填写纬度和经度。"), "latitude")
    if latitude is None and checkpoint is None and not note and not photo and case is None:
        raise DomainError(_("请使用当前位置、写一句看到的情况或拍一张照片。"))
    if checkpoint is not None and latitude is None:
        latitude, longitude = checkpoint.latitude, checkpoint.longitude
    point = GridWorkPatrolPoint(patrol=patrol, at=point_time(patrol, taken), latitude=latitude,
                                longitude=longitude, note=note, photo=photo,
                                checkpoint=checkpoint, case_id=getattr(case, "id", None),
                                client_key=client_key)
    db.session.add(point)
    db.session.flush()
    audit.record("grid_work.patrol_point", point, scope_code=patrol.grid.code, user=worker,
                 patrol=patrol.id, checkpoint=getattr(checkpoint, "name", None),
                 case=getattr(case, "number", None))
    return point


def last_location(patrol: GridWorkPatrol) -> tuple[float | None, float | None]:
    """The patrol's last known position (its latest point with coordinates)."""
    for point in sorted(patrol.points, key=lambda p: (p.at, p.id), reverse=True):
        if point.latitude is not None and point.longitude is not None:
            return point.latitude, point.longitude
    return None, None


def found_problem(patrol: GridWorkPatrol, worker, *, title: str, category: str,
                  description: str | None = None, latitude: float | None = None,
                  longitude: float | None = None, photos: tuple[str, ...] = (),
                  client_key: str | None = None, taken: datetime | None = None):
    """"发现问题": one case in the patrol's grid, reported by the worker (source patrol), where
    the phone is (or where the patrol last was), and the point it was found at."""
    from portal.cases.services import report

    _open(patrol)
    if latitude is None or longitude is None:
        latitude, longitude = last_location(patrol)
    title = (title or "").strip()
    case = report(patrol.grid, category=category, title=title,
                  description=(description or "").strip() or title, source="patrol",
                  reporter=worker, latitude=latitude, longitude=longitude, photos=photos)
    add_point(patrol, worker, latitude=latitude, longitude=longitude, note=title,
              photo=photos[0] if photos else None, case=case, client_key=client_key,
              taken=taken)
    return case


def end(patrol: GridWorkPatrol, worker, note: str) -> GridWorkPatrol:
    _open(patrol)
    note = (note or "").strip()
    if not note:
        raise DomainError(_("请写下这次巡查看到的情况。"), "note")
    patrol.note = note
    patrol.ended_at = max(utcnow(), patrol.started_at)
    audit.record("grid_work.patrol_end", patrol, scope_code=patrol.grid.code, user=worker,
                 points=len(patrol.points))
    return patrol


# ---------------------------------------------------------------- QR checkpoints


def add_checkpoint(grid: Grid, name: str, *, latitude: float | None = None,
                   longitude: float | None = None, actor=None) -> GridWorkCheckpoint:
    name = (name or "").strip()
    if grid.level not in (GRID, SPECIAL) or not grid.active:
        raise DomainError(_("请选择巡查点所在的网格。"), "grid")
    if not name or len(name) > 64:
        raise DomainError(_("请填写巡查点名称(不超过64个字)。"), "name")
    if (latitude is None) != (longitude is None):
        raise DomainError(_("请同时填写纬度和经度。"), "latitude")
    checkpoint = GridWorkCheckpoint(grid_id=grid.id, grid=grid, name=name, latitude=latitude,
                                    longitude=longitude, token=secrets.token_urlsafe(16))
    db.session.add(checkpoint)
    db.session.flush()
    audit.record("grid_work.checkpoint_add", checkpoint, scope_code=grid.code, user=actor,
                 name=name)
    return checkpoint


def retire_checkpoint(checkpoint: GridWorkCheckpoint, actor=None) -> GridWorkCheckpoint:
    if checkpoint.retired_at is not None:
        raise DomainError(_("这个巡查点已经撤下。"))
    checkpoint.retired_at = utcnow()
    audit.record("grid_work.checkpoint_retire", checkpoint, scope_code=checkpoint.grid.code,
                 user=actor, name=checkpoint.name)
    return checkpoint


def check_scan(checkpoint: GridWorkCheckpoint, worker) -> None:
    """A worker may record only a live checkpoint of their own grid."""
    if checkpoint.retired_at is not None:
        raise DomainError(_("这个巡查点已经撤下，不能再打卡。"))
    if checkpoint.grid_id != worker.scope_id:
        raise DomainError(_("这个巡查点属于%(grid)s，不在您负责的网格，不能打卡。",
                            grid=checkpoint.grid.name))


def scan(checkpoint: GridWorkCheckpoint, worker, patrol: GridWorkPatrol) -> GridWorkPatrolPoint:
    """Record passing the checkpoint on the patrol (once per SCAN_AGAIN_AFTER)."""
    check_scan(checkpoint, worker)
    since = utcnow() - SCAN_AGAIN_AFTER
    for point in patrol.points:
        if point.checkpoint_id == checkpoint.id and point.at >= since:
            return point
    return add_point(patrol, worker, checkpoint=checkpoint)
