"""`portal uploads clean`: remove uploaded files nothing needs any more (run it daily from cron,
e.g. just before `portal backup`).

- ``uploads/photos``: files no row names, once older than UPLOAD_ORPHAN_GRACE_SECONDS (a photo
  is written just before the row naming it commits, so a younger one may belong to a request in
  flight; an older one was left by a crash). The rows are read from every column, core or
  plugin, whose ``info`` says ``{"upload": "photos"}``. Anything there that is not a regular
  file (a symbolic link, a FIFO …) is removed whatever its age: we never write one and it is
  never served.
- ``uploads/imports``: Excel files waiting for "import only the good rows" once older than
  IMPORT_PENDING_SECONDS (the confirmation refuses them by then).
"""
import os
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from portal.extensions import db


@dataclass
class Cleaned:
    photos: list[str] = field(default_factory=list)
    imports: list[str] = field(default_factory=list)
    not_regular: list[str] = field(default_factory=list)


def upload_columns(kind: str = "photos") -> list:
    """Every mapped column (the core's and the loaded plugins') naming a file of ``kind``."""
    return [column for table in db.metadata.sorted_tables for column in table.columns
            if column.info.get("upload") == kind]


def referenced(kind: str = "photos") -> set[str]:
    names: set[str] = set()
    for column in upload_columns(kind):
        names.update(db.session.scalars(select(column).where(column.is_not(None)).distinct()))
    return names


class CleanError(click.ClickException):
    """Nothing was removed."""


def _entries(folder: Path):
    if not folder.is_dir():
        return
    root = os.path.realpath(folder.parent)
    if folder.is_symlink() or os.path.dirname(os.path.realpath(folder)) != root:
        # a link planted in place of the folder must not make us delete files elsewhere
        raise CleanError(f"{folder} 是指向别处的链接，未删除任何文件，请检查 / {folder} is a link "
                         f"to somewhere else; nothing was removed: look into it")
    with os.scandir(folder) as listing:
        for entry in listing:
            yield entry, entry.stat(follow_symlinks=False)


def _remove(entry, dry_run: bool) -> None:
    if not dry_run:
        Path(entry.path).unlink(missing_ok=True)  # a link is removed, never what it points to


def clean(now: float | None = None, dry_run: bool = False) -> Cleaned:
    from portal.people.transfer_views import pending_expired
    from portal.uploads import uploads_root

    now = now or time.time()
    cfg = current_app.config
    done = Cleaned()
    keep = referenced("photos")  # read before listing: a file newer than this is in its grace
    photos, imports = list(_entries(uploads_root() / "photos")), \
        list(_entries(uploads_root() / "imports"))  # both checked before anything is removed
    def sweep(entries, stale, bucket, prefix=""):
        for entry, info in entries:
            if stat.S_ISDIR(info.st_mode):
                continue
            if not stat.S_ISREG(info.st_mode):
                done.not_regular.append(prefix + entry.name)
            elif stale(entry, info):
                bucket.append(entry.name)
            else:
                continue
            _remove(entry, dry_run)

    grace = cfg["UPLOAD_ORPHAN_GRACE_SECONDS"]
    sweep(photos, lambda entry, info: entry.name not in keep and now - info.st_mtime > grace,
          done.photos)
    sweep(imports, lambda entry, info: pending_expired(Path(entry.path), now), done.imports,
          "imports/")
    return done


@click.group("uploads")
def uploads_group():
    """Uploaded files (照片与待确认的导入文件)."""


@uploads_group.command("clean")
@click.option("--dry-run", is_flag=True, help="Only list what would be removed (只列出，不删除).")
@with_appcontext
def clean_command(dry_run):
    """Remove photos no row names (older than UPLOAD_ORPHAN_GRACE_SECONDS), expired pending
    imports and anything in the upload folders that is not a regular file (cron, daily)."""
    done = clean(dry_run=dry_run)
    verb = "would remove / 将删除" if dry_run else "removed / 已删除"
    for name in done.photos:
        click.echo(f"{verb} orphaned photo / 无引用的照片: {name}")
    for name in done.imports:
        click.echo(f"{verb} expired pending import / 过期的待导入文件: {name}")
    for name in done.not_regular:
        click.echo(f"{verb} not a regular file / 非普通文件: {name}")
    click.echo(f"{len(done.photos)} orphaned photos, {len(done.imports)} expired imports, "
               f"{len(done.not_regular)} not regular files"
               + (" (dry run / 仅预览)" if dry_run else ""))
