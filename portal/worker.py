"""The portal's background worker: a huey queue and the tasks it runs.

Here rather than in portal.notifications because the worker is the portal's, not only the
notifications': it delivers the outbox, and it also runs the case sweep (督办), the modules'
scheduled notifications and the daily digests on their schedules.

One queue per app, built from the configuration (``QUEUE_URL``):

- unset: huey's SQLite storage in the instance folder — embedded, nothing to install; the web
  processes and ``portal worker`` on the same machine share the file;
- ``redis://host:6379/0``: Redis, for deployments on several machines (each runs
  ``portal worker``; the web processes anywhere enqueue to the same Redis);
- ``memory``: tasks are kept in the process and never run (the tests' default: a test runs
  what it means to run);
- ``immediate``: each task runs at once in the process that enqueues it (development without
  a worker; nothing periodic ever runs then).

Every task runs in an app context of its own (its own database session), in the consumer
process that ``portal worker`` started with one app. Periodic tasks may run on two workers at
once (two machines each with its scheduler): what they write is keyed, so a second run adds
nothing, and the sweep and the rounds take a lock in the queue besides.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app, has_app_context
from flask.cli import with_appcontext
from huey import MemoryHuey, RedisHuey, SqliteHuey, crontab
from huey.api import Huey

log = logging.getLogger(__name__)

EXTENSION = "portal_queue"
#: How long a periodic round's lock is held at most (a worker killed holding it frees it then).
LOCK_SECONDS = 15 * 60


def queue(app: Flask | None = None) -> Huey:
    """The app's queue with its tasks (built on first use)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    if EXTENSION not in app.extensions:
        app.extensions[EXTENSION] = build_queue(app)
    return app.extensions[EXTENSION].huey


class _Queue:
    def __init__(self, huey: Huey, tasks: dict[str, Any]):
        self.huey = huey
        self.tasks = tasks


def storage_for(app: Flask) -> tuple[type[Huey], dict[str, Any]]:
    """The huey class and its arguments for the app's ``QUEUE_URL``."""
    url = app.config.get("QUEUE_URL") or ("memory" if app.testing else "")
    if not url:
        folder = Path(app.instance_path)
        folder.mkdir(parents=True, exist_ok=True)
        return SqliteHuey, {"filename": str(folder / "queue.db")}
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey, {"url": url}
    if url == "memory":
        return MemoryHuey, {}
    if url == "immediate":
        return MemoryHuey, {"immediate": True}
    raise ValueError(f"QUEUE_URL {url!r}: leave it unset (SQLite in the instance folder) or "
                     "give redis://host:port/db, 'memory' or 'immediate'")


def build_queue(app: Flask) -> _Queue:
    huey_class, options = storage_for(app)
    huey = huey_class("portal", results=False, **options)
    return _Queue(huey, _register_tasks(huey, app))


def _in_app(app: Flask, work: Callable[..., Any]) -> Callable[..., Any]:
    """``work`` run in an app context of its own: its own database session, removed after."""

    def run(*args: Any) -> Any:
        with app.app_context():
            return work(*args)

    run.__name__ = work.__name__
    run.__doc__ = work.__doc__
    return run


def _locked(huey: Huey, name: str, work: Callable[[], Any]) -> Callable[[], Any]:
    """``work`` under a lock held in the queue: a second worker asking meanwhile skips it. The
    lock expires after LOCK_SECONDS where huey can say so, and a starting worker clears it
    (a worker killed holding it would hold it for ever otherwise)."""
    import inspect

    ttl = {"ttl": LOCK_SECONDS} if "ttl" in inspect.signature(Huey.lock_task).parameters else {}
    lock = huey.lock_task(name, **ttl)

    def run() -> Any:
        with lock:
            return work()

    run.__name__ = work.__name__
    run.__doc__ = work.__doc__
    return run


def _register_tasks(huey: Huey, app: Flask) -> dict[str, Any]:
    every_minute, every_5, every_15 = (crontab(minute="*"), crontab(minute="*/5"),
                                       crontab(minute="*/15"))

    def deliver() -> dict[str, int]:
        """Deliver the due notifications (every minute, and woken after a commit that wrote
        some)."""
        from portal.notifications.delivery import deliver_due

        return deliver_due(limit=app.config["NOTIFICATION_BATCH"])

    tasks = {
        "deliver": huey.periodic_task(every_minute, name="deliver")(_in_app(app, deliver)),
        "sweep": huey.periodic_task(every_15, name="sweep")(
            _in_app(app, _locked(huey, "sweep", sweep_cases))),
        "scheduled": huey.periodic_task(every_5, name="scheduled")(
            _in_app(app, _locked(huey, "scheduled", scheduled_round))),
        "digests": huey.periodic_task(every_5, name="digests")(
            _in_app(app, _locked(huey, "digests", digest_round))),
        # each night: a month just over is rolled on its first night, and a night the worker
        # was down is caught up the next
        "months": huey.periodic_task(crontab(minute="10", hour="1"), name="months")(
            _in_app(app, _locked(huey, "months", roll_months))),
        # asked for on the documents page: one PDF of a village's letters ...
        "documents": huey.task(name="documents")(_in_app(app, make_document_batch)),
    }
    return tasks


def task(name: str, app: Flask | None = None) -> Any:
    """One of the app's tasks by name: call it to enqueue it, ``.call_local()`` to run it here."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    queue(app)
    return app.extensions[EXTENSION].tasks[name]


# ---------------------------------------------------------------- what the tasks do


def sweep_cases() -> dict[str, int]:
    """The case sweep (portal cases sweep): supervision notices for every step gone red."""
    from portal.cases.services import sweep
    from portal.extensions import db

    result = sweep()
    db.session.commit()
    return result


def scheduled_round() -> int:
    """Ask the modules switched on in each town for the notifications due now
    (``scheduled_notifications``); one town's failure leaves the others their round."""
    from portal.extensions import db
    from portal.grids.models import TOWN, Grid
    from portal.plugins import host
    from portal.timeutil import utcnow

    now = utcnow()
    towns = db.session.scalars(db.select(Grid).where(Grid.level == TOWN,
                                                     Grid.retired_at.is_(None))).all()
    done = 0
    for town in towns:
        try:
            host().hook(town, "scheduled_notifications")(town=town, now=now)
            db.session.commit()
            done += 1
        except Exception:
            db.session.rollback()
            log.exception("scheduled notifications of town %s failed", town.code)
    return done


def digest_round() -> int:
    """Write the daily digests of every town whose digest time has come today."""
    from portal.extensions import db
    from portal.notifications.digest import due_towns, write_digests
    from portal.timeutil import local_today

    written = 0
    for town in due_towns():
        try:
            written += write_digests(town, local_today())
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("digests of town %s failed", town.code)
    return written


def roll_months() -> list[str]:
    """Roll the finished months of case figures not rolled yet (portal cases months roll)."""
    from portal.cases import monthly
    from portal.extensions import db

    rolled = monthly.roll_months()
    db.session.commit()
    return rolled


def make_document_batch(batch_id: int) -> str:
    """Make one batch of printed documents (portal.documents.batch)."""
    from portal.documents.batch import run

    return run(batch_id)


# ---------------------------------------------------------------- waking the worker


def wake() -> None:
    """Enqueue a delivery round now (after a commit that wrote notifications). A queue that
    cannot be reached loses nothing: the rows are committed and the next periodic round
    delivers them."""
    if not has_app_context():
        return
    try:
        task("deliver")()
    except Exception:
        log.warning("could not wake the worker; the next round delivers", exc_info=True)


# ---------------------------------------------------------------- the command line


@click.command("worker")
@click.option("-w", "--workers", type=click.IntRange(1, 64), default=None,
              help="Worker threads (default: WORKER_THREADS, 2).")
@click.option("--no-periodic", is_flag=True,
              help="Do not run the periodic tasks here (another worker runs them).")
@with_appcontext
def worker_command(workers, no_periodic):
    """Run the background worker: notifications, the case sweep, digests (Ctrl-C stops it)."""
    from huey.consumer import Consumer

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    huey = queue(app)
    if huey.immediate:
        raise click.UsageError("QUEUE_URL=immediate runs tasks in the web process: no worker "
                               "to start")
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    task("deliver", app)()  # what waited while no worker ran goes out now, not in a minute
    consumer = Consumer(huey, workers=workers or app.config["WORKER_THREADS"],
                        periodic=not no_periodic, worker_type="thread",
                        flush_locks=True, check_worker_health=True)
    consumer.run()


@click.group("notifications")
def notifications_group():
    """Notifications: deliver the outbox once (cron, or a check by hand)."""


@notifications_group.command("deliver")
@click.option("--limit", type=click.IntRange(1), default=None)
@with_appcontext
def notifications_deliver(limit):
    """One delivery round without the worker (e.g. from cron every minute)."""
    from portal.notifications.delivery import deliver_due

    counts = deliver_due(limit=limit or current_app.config["NOTIFICATION_BATCH"])
    click.echo(f"sent {counts['sent']}, failed {counts['failed']}, dead {counts['dead']}")


@notifications_group.command("digests")
@with_appcontext
def notifications_digests():
    """Write the daily digests of the towns whose time has come (cron, without the worker)."""
    click.echo(f"{digest_round()} digests written")


COMMANDS = (worker_command, notifications_group)
