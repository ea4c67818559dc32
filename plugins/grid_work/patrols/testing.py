"""The patrols part's records in the test world (see plugins/grid_work/testing.py): in town A the
worker's patrol of yesterday, ended, with a point at a QR checkpoint of their grid (coordinates
and a photo) and a case found on it; their patrol under way today with one point; a retired
checkpoint; yesterday's 民情日志 with a note, not closed, and a closed day before it."""
from datetime import datetime, time, timedelta

from PIL import Image

from portal.extensions import db
from portal.timeutil import local_today, to_utc
from portal.uploads import photo_dir

#: Strings only town A's records of this part contain: no town-B page may show them.
CHECKPOINT_NAME = "城西石桥巡查点甲"
PATROL_NOTE = "巡查所见河堤裂缝乙"
LOG_NOTE = "民情日志记事丙"
MARKERS: tuple[str, ...] = (CHECKPOINT_NAME, PATROL_NOTE, LOG_NOTE)
PHOTO = "grid-work-patrol-test.jpg"
#: Routes whose URL arguments name no record of town A (for PluginRecords.not_scoped, the core's
#: isolation test): a day of the user's own log, which a town-B worker opens for themselves.
NOT_SCOPED = {
    "grid_work.log_day": "the URL names a day of the worker's own log, not a record",
    "grid_work.log_close": "the URL names a day of the worker's own log, not a record",
}


def make(world) -> None:
    """Add this part's town-A records to ``world`` (a SimpleNamespace with tree and worker)."""
    from . import log, services
    from .models import GridWorkPatrol

    tree, worker = world.tree, world.worker
    admin = tree.users["village_admin"]
    today = local_today()
    yesterday = today - timedelta(days=1)
    world.checkpoint = services.add_checkpoint(tree.grid_a1, CHECKPOINT_NAME, latitude=28.68,
                                               longitude=112.88, actor=admin)
    world.retired_checkpoint = services.add_checkpoint(tree.grid_a1, "已撤下的巡查点",
                                                       actor=admin)
    services.retire_checkpoint(world.retired_checkpoint, actor=admin)
    photo_dir().mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (10, 10)).save(photo_dir() / PHOTO, "JPEG")
    started = to_utc(datetime.combine(yesterday, time(9, 0)))
    ended_patrol = GridWorkPatrol(worker_id=worker.id, grid_id=worker.scope_id, grid=worker.scope,
                                  day=yesterday, started_at=started)
    db.session.add(ended_patrol)
    db.session.flush()
    world.point = services.add_point(ended_patrol, worker, checkpoint=world.checkpoint,
                                     photo=PHOTO, note="石桥护栏完好")
    world.point.at = started + timedelta(minutes=10)
    world.found_case = services.found_problem(ended_patrol, worker, title="河堤出现裂缝",
                                              category="hazard")
    ended_patrol.points[-1].at = started + timedelta(minutes=20)
    services.end(ended_patrol, worker, PATROL_NOTE)
    ended_patrol.ended_at = started + timedelta(minutes=60)
    world.patrol = ended_patrol
    world.current_patrol, _started = services.start(worker)
    services.add_point(world.current_patrol, worker, latitude=28.681, longitude=112.881)
    log.save_notes(worker, yesterday, LOG_NOTE)
    log.close(worker, today - timedelta(days=2), "前天的记事")
    db.session.flush()


def url_values(world) -> dict:
    return {"filename": "patrol.js", "patrol_id": world.patrol.id, "point_id": world.point.id,
            "checkpoint_id": world.checkpoint.id, "checkpoint_token": world.checkpoint.token,
            "worker_id": world.worker.id,
            "log_day": (local_today() - timedelta(days=1)).isoformat()}


def listed(world) -> list:
    """What the module's lists show of the world, by which attribute."""
    return [(world.checkpoint, "name")]
