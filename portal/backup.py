"""`portal backup [PATH]` and `portal restore PATH`: the database and the uploaded photos.

A backup is one ``.tar.gz`` file (default ``instance/backups/portal-YYYYmmdd-HHMMSS.tar.gz``)::

    manifest.json        {"format": "gridportal-backup", "dialect": "sqlite"|"postgresql", ...}
    database.sqlite3     SQLite: a copy made with the sqlite3 online backup API
    database.pgdump      PostgreSQL: ``pg_dump -Fc`` (read it with ``pg_restore``)
    uploads/...          the instance upload folder (case, staff and goods photos), without
                         ``uploads/imports`` (half-finished Excel imports, useless after a restore)

The database is copied first and the photos after it: a photo is written before the row that
names it and only photos no row names are ever deleted (``portal uploads clean``), so every photo
the copied database refers to is in the archive. Only regular files are archived. The SQLite copy
is consistent while the portal serves (the backup API takes a read snapshot; WAL lets the workers
go on writing). The archive is written to a temporary file in the
target folder and renamed into place, so a crash never leaves a half-written backup under the
final name.

``portal restore`` accepts such an archive, or a bare SQLite database / ``pg_dump -Fc`` file
(the database only; the photos are left as they are). Before it touches anything it checks that
every entry of the archive is a regular file or a folder under a name a backup has (no symbolic
or hard link, device, FIFO, absolute path or ``..``: a link ``uploads/photos/x.jpg ->
../../portal.db`` would otherwise be served as a photo; Python's ``filter="data"`` still lets
links that stay inside the target through, so we refuse every link ourselves), that
the file is a GridPortal backup (alembic_version and the core tables), that the schema revisions
are known to this version of the portal, and, when the target database has data, that ``--yes``
was given. It then makes a safety copy of the current database and photos
(``instance/backups/pre-restore-YYYYmmdd-HHMMSS.tar.gz``) and only then restores.
"""
import json
import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import timezone
from pathlib import Path, PurePosixPath

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import inspect, text

from portal.timeutil import local_now, utcnow

FORMAT = "gridportal-backup"
FORMAT_VERSION = 1
SQLITE_NAME = "database.sqlite3"
PGDUMP_NAME = "database.pgdump"
#: Tables every GridPortal database has; a file without them is not a portal backup.
CORE_TABLES = ("alembic_version", "grids", "users", "audit_log", "households", "residents",
               "cases")
#: Sub-folders of the upload folder that are not kept (pending Excel imports).
TRANSIENT_UPLOADS = ("imports",)
ARCHIVE_PATTERN = re.compile(r"^portal-\d{8}-\d{6}(-\d+)?\.tar\.gz$")


class BackupError(click.ClickException):
    """A refusal with a bilingual message; nothing was changed."""


# ---------------------------------------------------------------- paths and helpers


def backup_folder() -> Path:
    return Path(current_app.instance_path) / "backups"


def uploads_folder() -> Path:
    return Path(current_app.instance_path) / "uploads"


def stamp() -> str:
    # Local (China) time, so the file names match the day staff look for.
    return local_now().strftime("%Y%m%d-%H%M%S")


def default_path(prefix: str = "portal", folder: Path | None = None) -> Path:
    folder = folder or backup_folder()
    path = folder / f"{prefix}-{stamp()}.tar.gz"
    n = 1
    while path.exists():  # two backups in the same second
        path = folder / f"{prefix}-{stamp()}-{n}.tar.gz"
        n += 1
    return path


def dialect() -> str:
    from portal.extensions import db

    return db.engine.dialect.name


def sqlite_file() -> Path:
    from portal.extensions import db

    name = db.engine.url.database
    if not name or name == ":memory:" or name.startswith("file:"):
        raise BackupError(
            f"无法备份这个 SQLite 数据库 / cannot back up this SQLite database: {name!r}")
    return Path(name)


def has_tables() -> bool:
    from portal.extensions import db

    return bool(inspect(db.engine).get_table_names())


def target_has_data() -> bool:
    """Whether the portal's database holds anything worth keeping (grids or users)."""
    from portal.extensions import db

    tables = set(inspect(db.engine).get_table_names())
    with db.engine.connect() as connection:
        for table in ("grids", "users"):
            if table in tables and connection.execute(
                    text(f"SELECT 1 FROM {table} LIMIT 1")).first():  # noqa: S608 (fixed names)
                return True
    return False


def release_connections() -> None:
    """Close this process's pooled connections so that they hold no lock during a restore."""
    from portal.extensions import db

    db.session.remove()
    db.engine.dispose()


def check_revisions(revisions: list[str]) -> bool:
    """Refuse revisions this portal does not know (a backup from a newer version); answer whether
    the backup is at the current heads (else `portal db upgrade` is due after the restore)."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    config = current_app.extensions["migrate"].migrate.get_config()
    script = ScriptDirectory.from_config(config)
    unknown = []
    for revision in revisions:
        try:
            if script.get_revision(revision) is None:
                unknown.append(revision)
        except CommandError:
            unknown.append(revision)
    if unknown:
        raise BackupError(
            f"备份来自更新或不同版本的网格通（未知的数据库版本 {', '.join(unknown)}），"
            f"未做任何改动 / "
            f"the backup comes from a newer or different version of the portal (unknown schema "
            f"revisions {', '.join(unknown)}); nothing was changed")
    return set(revisions) == set(script.get_heads())


# ---------------------------------------------------------------- SQLite


def copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database with the online backup API (one step, so a
    busy writer cannot make it start over), as a single self-contained file."""
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # no -wal file next to the copy
    finally:
        dst.close()
        src.close()


def sqlite_revisions(path: Path, name: str | None = None) -> list[str]:
    """The schema revisions of a SQLite file, or BackupError when it is not a portal database."""
    name = name or path.name
    not_ours = (f"{name} 不是网格通的备份（不是 SQLite 数据库或缺少核心数据表），未做任何改动 / "
                f"{name} is not a GridPortal backup (not a SQLite database or the core tables "
                f"are missing); nothing was changed")
    try:
        connection = sqlite3.connect(path)  # a copy in the work folder, never the user's file
    except sqlite3.Error:
        raise BackupError(not_ours) from None
    try:
        tables = {row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not set(CORE_TABLES) <= tables:
            missing = ", ".join(sorted(set(CORE_TABLES) - tables))
            raise BackupError(f"{not_ours} (missing / 缺少: {missing})")
        check = connection.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"备份文件已损坏 / the backup file is damaged: {check}")
        revisions = [row[0] for row in connection.execute(
            "SELECT version_num FROM alembic_version")]
    except sqlite3.DatabaseError:
        raise BackupError(not_ours) from None
    finally:
        connection.close()
    if not revisions:
        raise BackupError(f"{not_ours} (alembic_version is empty / alembic_version 为空)")
    return revisions


def restore_sqlite(source: Path, target: Path) -> None:
    """Write the backup into the live database through the backup API: one write transaction,
    so other processes see the old or the new database, never half of it."""
    release_connections()
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target, timeout=60)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=WAL")
    finally:
        dst.close()
        src.close()


# ---------------------------------------------------------------- PostgreSQL


def libpq_target() -> tuple[str, dict]:
    """The database as a libpq URI without the password, and the environment carrying it."""
    from portal.extensions import db

    url = db.engine.url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    uri = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return uri, env


def client_major(program: str) -> int | None:
    try:
        out = subprocess.run([program, "--version"], capture_output=True, text=True,
                             timeout=30).stdout
    except OSError:
        return None
    found = re.search(r"(\d+)(?:\.\d+)?", out)
    return int(found.group(1)) if found else None


def server_major() -> int:
    from portal.extensions import db

    with db.engine.connect() as connection:
        return int(connection.execute(text("SHOW server_version_num")).scalar_one()) // 10000


def pg_dump_command(path: Path) -> list[str]:
    uri, _env = libpq_target()
    return ["pg_dump", "-Fc", "-d", uri, "-f", str(path)]


def pg_restore_command(path: Path) -> list[str]:
    uri, _env = libpq_target()
    return ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
            "-d", uri, str(path)]


def run_pg(command: list[str], what: str, by_hand: str | None = None
           ) -> subprocess.CompletedProcess:
    """Run a PostgreSQL client tool; refuse (showing ``by_hand``, the commands to run instead)
    when it is missing or older than the server."""
    _uri, env = libpq_target()
    by_hand = by_hand or f"  {shlex.join(command)}"
    program = shutil.which(command[0])
    if program is None:
        raise BackupError(
            f"找不到 {command[0]}（请安装与服务器同版本的 PostgreSQL 客户端），或手工执行 / "
            f"{command[0]} not found (install the PostgreSQL client of the server's version), "
            f"or run by hand:\n{by_hand}")
    client, server = client_major(program), server_major()
    if client is not None and client < server:
        raise BackupError(
            f"{command[0]} 版本 {client} 低于服务器版本 {server}，请安装 {server} 版客户端 / "
            f"{command[0]} {client} is older than the server ({server}): install the "
            f"PostgreSQL {server} client, or run with it by hand:\n{by_hand}")
    result = subprocess.run([program, *command[1:]], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{what}失败 / {command[0]} failed ({result.returncode}):\n"
                          f"{result.stderr.strip()}\n  {shlex.join(command)}")
    return result


def manual_backup(path: Path) -> str:
    """What to run by hand instead of `portal backup` on PostgreSQL: the dump, and the photos."""
    stem = path.name.removesuffix(".tar.gz")
    uploads = uploads_folder()
    dump = pg_dump_command(path.with_name(stem + ".pgdump"))
    photos = ["tar", "czf", str(path.with_name(stem + "-uploads.tar.gz")),
              "--exclude=uploads/imports", "-C", str(uploads.parent), uploads.name]
    return f"  {shlex.join(dump)}\n  {shlex.join(photos)}"


def pgdump_revisions(path: Path, name: str | None = None) -> list[str]:
    """Check a ``pg_dump -Fc`` file's table of contents; its schema revisions."""
    name = name or path.name
    not_ours = (f"{name} 不是网格通的备份（缺少核心数据表），未做任何改动 / "
                f"{name} is not a GridPortal backup (the core tables are missing); "
                f"nothing was changed")
    toc = run_pg(["pg_restore", "-l", str(path)], "读取备份目录").stdout
    tables = set(re.findall(r"^\d+; \d+ \d+ TABLE \S+ (\S+) ", toc, re.M))
    if not set(CORE_TABLES) <= tables:
        raise BackupError(f"{not_ours} (missing / 缺少: "
                          f"{', '.join(sorted(set(CORE_TABLES) - tables))})")
    data = run_pg(["pg_restore", "-a", "-t", "alembic_version", "-f", "-", str(path)],
                  "读取备份").stdout
    found = re.search(r"^COPY \S*alembic_version \(version_num\) FROM stdin;\n(.*?)^\\\.$",
                      data, re.M | re.S)
    revisions = found.group(1).split() if found else []
    if not revisions:
        raise BackupError(f"{not_ours} (alembic_version is empty / alembic_version 为空)")
    return revisions


# ---------------------------------------------------------------- the archive


def _keep_upload(info: tarfile.TarInfo):
    parts = Path(info.name).parts
    if len(parts) > 1 and parts[1] in TRANSIENT_UPLOADS:
        return None
    if not (info.isfile() or info.isdir()):
        # a link or a device in the upload folder is nothing we wrote, and restore refuses them
        click.echo(f"跳过非普通文件 / skipped, not a regular file: {info.name}", err=True)
        return None
    return info


#: What may be at the top of an archive.
ARCHIVE_TOP = {"manifest.json": "file", SQLITE_NAME: "file", PGDUMP_NAME: "file",
               "uploads": "dir"}


def unsafe_entry(info: tarfile.TarInfo) -> str | None:
    """Why an archive entry may not be restored, or None when it is a plain file or folder of
    a backup. Checked for every entry before anything is extracted."""
    if info.issym():
        return "符号链接 / a symbolic link"
    if info.islnk():
        return "硬链接 / a hard link"
    if info.ischr() or info.isblk():
        return "设备文件 / a device"
    if info.isfifo():
        return "命名管道 / a FIFO"
    if not (info.isfile() or info.isdir()):
        return "不是普通文件 / not a regular file"
    name = info.name
    if name.startswith("/"):
        return "绝对路径 / an absolute path"
    parts = PurePosixPath(name).parts
    if ".." in parts:
        return "路径含 .. / a path with '..'"
    top = ARCHIVE_TOP.get(parts[0]) if parts and "\\" not in name else None
    if top == "file":
        expected = len(parts) == 1 and info.isfile()
    else:  # the upload folder and what is under it
        expected = top == "dir" and (len(parts) > 1 or info.isdir())
    return None if expected else "不是备份中的条目 / not an entry of a backup"


def check_entries(archive: tarfile.TarFile, name: str, work: Path) -> None:
    """Refuse the whole archive (nothing extracted yet) for any unsafe entry, or when it would
    not fit on the disk."""
    total = 0
    for info in archive.getmembers():
        reason = unsafe_entry(info)
        if reason:
            raise BackupError(
                f"{name} 含有不允许的条目 {info.name!r}（{reason.split(' / ')[0]}），"
                f"未做任何改动 / {name} holds an entry that is not allowed: {info.name!r} "
                f"({reason.split(' / ')[1]}); nothing was changed")
        total += info.size
    free = shutil.disk_usage(work).free
    if total > free:
        raise BackupError(
            f"{name} 解压后需要 {total // 2**20} MB，磁盘只剩 {free // 2**20} MB，未做任何改动 / "
            f"{name} unpacks to {total // 2**20} MB and the disk has {free // 2**20} MB free; "
            f"nothing was changed")


def make_backup(path: Path, check: bool = True) -> dict:
    """Write the archive at ``path`` (temp file, then rename); return its manifest. ``check``:
    refuse a database that is not a portal's (off for the safety copy before a restore, which
    keeps whatever there is)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    kind = dialect()
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".backup-") as work_dir:
        work = Path(work_dir)
        if kind == "sqlite":
            source = sqlite_file()
            if not source.exists():
                raise BackupError(f"数据库文件不存在 / the database file does not exist: {source}")
            database = work / SQLITE_NAME
            copy_sqlite(source, database)
            revisions = _revisions(sqlite_revisions, database, check)
        elif kind == "postgresql":
            database = work / PGDUMP_NAME
            run_pg(pg_dump_command(database), "pg_dump ", by_hand=manual_backup(path))
            revisions = _revisions(pgdump_revisions, database, check)
        else:
            raise BackupError(f"不支持的数据库 / unsupported database: {kind}")
        uploads = uploads_folder()
        photos = sum(1 for p in uploads.rglob("*") if p.is_file() and not p.is_symlink()
                     and p.relative_to(uploads).parts[0] not in TRANSIENT_UPLOADS) \
            if uploads.is_dir() else 0
        manifest = {"format": FORMAT, "version": FORMAT_VERSION, "dialect": kind,
                    "database": database.name, "alembic": sorted(revisions),
                    "uploads": photos,
                    "created_at": utcnow().replace(tzinfo=timezone.utc).isoformat()}
        (work / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
        partial = work / "archive.tar.gz"
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(work / "manifest.json", arcname="manifest.json")
            archive.add(database, arcname=database.name)
            if uploads.is_dir():
                # resolved: the folder itself may be a link to a bigger disk (what is inside
                # it is archived without following links)
                archive.add(uploads.resolve(), arcname="uploads", filter=_keep_upload)
        os.replace(partial, path)
    return manifest


def _revisions(read, database: Path, check: bool) -> list[str]:
    try:
        return read(database)
    except BackupError:
        if check:
            raise
        return []


def open_backup(path: Path, work: Path) -> tuple[str, Path, Path | None]:
    """(dialect, database file, uploads folder or None) of an archive or a bare database file,
    unpacked into ``work``; BackupError when it is not a portal backup."""
    not_ours = (f"{path.name} 不是网格通的备份，未做任何改动 / {path.name} is not a GridPortal "
                f"backup; nothing was changed")
    with open(path, "rb") as handle:
        head = handle.read(16)
    if head.startswith(b"SQLite format 3\x00"):
        copy = work / SQLITE_NAME  # checked and read as a copy: the user's file stays as it is
        shutil.copyfile(path, copy)
        for suffix in ("-wal",):
            if Path(f"{path}{suffix}").exists():
                shutil.copyfile(f"{path}{suffix}", f"{copy}{suffix}")
        return "sqlite", copy, None
    if head.startswith(b"PGDMP"):
        return "postgresql", path, None
    try:
        archive = tarfile.open(path, "r:*")
    except (tarfile.TarError, OSError):
        raise BackupError(not_ours) from None
    with archive:
        try:
            # read from the archive's bytes (a link there resolves inside the archive)
            manifest = json.load(archive.extractfile("manifest.json"))
        except (KeyError, AttributeError, ValueError, tarfile.TarError, OSError, EOFError):
            raise BackupError(f"{not_ours} (no manifest.json / 没有 manifest.json)") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or \
                manifest.get("database") not in (SQLITE_NAME, PGDUMP_NAME):
            raise BackupError(not_ours)
        try:
            check_entries(archive, path.name, work)
        except (tarfile.TarError, OSError, EOFError) as error:  # a damaged .tar.gz
            raise BackupError(f"{not_ours} ({error})") from None
        try:
            # every entry was checked above; the filter is a second guard (and drops modes)
            archive.extractall(work, filter="data")
        except (tarfile.TarError, OSError) as error:
            raise BackupError(f"{not_ours} ({error})") from None
    database = work / manifest["database"]
    if not database.is_file():
        raise BackupError(f"{not_ours} (no {manifest['database']})")
    kind = "sqlite" if database.name == SQLITE_NAME else "postgresql"
    uploads = work / "uploads"
    uploads.mkdir(exist_ok=True)  # a portal without photos yet: restore "no photos"
    return kind, database, uploads


def restore_uploads(source: Path) -> None:
    """Replace the upload folder's contents (but pending imports) by those of the backup."""
    live = uploads_folder()
    live.mkdir(parents=True, exist_ok=True)
    old = Path(tempfile.mkdtemp(dir=live.parent, prefix=".uploads-old-"))
    try:
        for entry in list(live.iterdir()):
            if entry.name not in TRANSIENT_UPLOADS:
                entry.rename(old / entry.name)
        for entry in source.iterdir():
            if entry.name not in TRANSIENT_UPLOADS:
                shutil.move(str(entry), live / entry.name)
    finally:
        shutil.rmtree(old, ignore_errors=True)


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete the oldest ``portal-YYYYmmdd-HHMMSS.tar.gz`` of ``folder`` beyond the newest
    ``keep``."""
    archives = sorted((p for p in folder.iterdir() if ARCHIVE_PATTERN.match(p.name)),
                      key=lambda p: (p.stat().st_mtime_ns, p.name))
    doomed = archives[:-keep] if keep > 0 else []
    for path in doomed:
        path.unlink()
    return doomed


# ---------------------------------------------------------------- commands


@click.command("backup")
@click.argument("path", required=False, type=click.Path(dir_okay=True, path_type=Path))
@click.option("--keep", type=click.IntRange(min=1), default=None,
              help="Then delete all but the newest N portal-*.tar.gz in that folder "
                   "(保留最近 N 份).")
@with_appcontext
def backup_command(path, keep):
    """Back up the database and the uploaded photos into one .tar.gz (默认
    instance/backups/portal-YYYYmmdd-HHMMSS.tar.gz). Safe while the portal serves."""
    if path is None:
        path = default_path()
    elif path.is_dir():
        path = default_path(folder=path)
    manifest = make_backup(path)
    size = path.stat().st_size / (1024 * 1024)
    click.echo(f"已备份 / backed up: {path} ({size:.1f} MB, {manifest['dialect']}, "
               f"{manifest['uploads']} uploaded files / 个上传文件)")
    if keep:
        for old in prune(path.parent, keep):
            click.echo(f"已删除旧备份 / removed old backup: {old}")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace a database that has data (覆盖已有数据).")
@with_appcontext
def restore_command(path, yes):
    """Restore a backup made by `portal backup` (or a bare SQLite / pg_dump -Fc file). Checks it
    first, keeps the current database and photos as a safety copy, then replaces them. Stop the
    portal (gunicorn, cron jobs) before restoring."""
    path = path.resolve()
    kind = dialect()
    instance = Path(current_app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=instance, prefix=".restore-") as work:
        backup_kind, database, uploads = open_backup(path, Path(work))
        if backup_kind == "sqlite":
            revisions = sqlite_revisions(database, path.name)
        if backup_kind != kind:
            raise BackupError(
                f"这是 {backup_kind} 的备份，而当前数据库是 {kind}，未做任何改动 / this is a "
                f"{backup_kind} backup and the portal's database is {kind}; nothing was changed")
        if kind == "postgresql":
            revisions = pgdump_revisions(database, path.name)
        current = check_revisions(revisions)
        if target_has_data() and not yes:
            raise BackupError(
                "当前数据库已有数据；确认要用备份覆盖，请加 --yes（会先自动保存一份当前数据）/ "
                "the portal's database has data: add --yes to replace it with the backup "
                "(a safety copy of the current data is made first)")

        safety = None
        if has_tables() or (uploads is not None and uploads_folder().is_dir()):
            safety = default_path("pre-restore")
            make_backup(safety, check=False)
            click.echo(f"当前数据已另存 / safety copy of the current data: {safety}")

        if kind == "sqlite":
            restore_sqlite(database, sqlite_file())
        else:
            release_connections()
            run_pg(pg_restore_command(database), "pg_restore ",
                   by_hand=f"  {shlex.join(pg_restore_command(path))}")
        if uploads is not None:
            restore_uploads(uploads)
    release_connections()
    click.echo(f"已恢复 / restored: {path}"
               + ("" if uploads is not None else
                  " (只恢复了数据库，上传的照片未变 / database only; uploaded photos unchanged)"))
    if not current:
        click.echo("备份的数据库版本较旧，请运行 / the backup's schema is older; now run: "
                   "portal db upgrade")
    if safety:
        click.echo(f"如需撤销 / to undo: portal restore --yes {safety}")


#: What portal.cli registers.
COMMANDS = (backup_command, restore_command)
