"""`portal backup` / `portal restore`: a round trip of the database and the photos, and the
refusals that leave everything as it was. SQLite always; on PostgreSQL (PORTAL_TEST_DATABASE_URL)
through pg_dump / pg_restore when the client tools of the server's version are installed."""
import io
import os
import shutil
import tarfile
import time
from pathlib import Path

import pytest
from PIL import Image

from portal import backup, database
from portal.cases.models import Case
from portal.extensions import db
from portal.grids.models import Grid
from portal.people.models import Household, Resident, Visit
from portal.testing import build_tree, reset_database
from portal.timeutil import local_today


def _png(colour="blue"):
    buffer = io.BytesIO()
    Image.new("RGB", (30, 30), colour).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def migrated(make_app, app_config):
    """An app whose database was built by the migrations (a real portal database, with
    alembic_version), holding the test tree."""
    app = make_app(app_config)
    with app.app_context():
        database.upgrade()
        tree = build_tree()
        yield app, tree
        db.session.remove()


def _pg_tools_or_skip():
    if db.engine.dialect.name != "postgresql":
        return
    server = backup.server_major()
    for tool in ("pg_dump", "pg_restore"):
        path = shutil.which(tool)
        if path is None:
            pytest.skip(f"{tool} is not installed: the PostgreSQL round trip needs the "
                        f"client tools")
        client = backup.client_major(path)
        if client != server:
            pytest.skip(f"{tool} is version {client} and the server {server}: a backup through "
                        f"a client of another major version is not tested")


def _run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def _uploads(app) -> Path:
    return Path(app.instance_path) / "uploads"


def _photo_files(app) -> set[str]:
    folder = _uploads(app) / "photos"
    return {p.name for p in folder.iterdir()} if folder.is_dir() else set()


def _report_case_with_photo(app, title):
    client = app.test_client()
    client.login("grid_worker")
    tree_grid = db.session.scalar(db.select(Grid).filter_by(name="第一网格"))
    response = client.post("/cases/new", data={
        "grid": tree_grid.id, "category": "hazard", "kind": "general", "title": title,
        "description": "城西路口井盖不见了", "photos": [(io.BytesIO(_png()), "a.png")]},
        content_type="multipart/form-data")
    assert response.status_code == 302
    return db.session.scalar(db.select(Case).filter_by(title=title))


def _record_visit_with_photo(app, found):
    client = app.test_client()
    client.login("grid_worker")
    household = db.session.scalar(db.select(Household).order_by(Household.id))
    response = client.post(f"/visits/households/{household.id}/new", data={
        "visited_on": local_today().isoformat(), "found": found,
        "photos": [(io.BytesIO(_png("green")), "visit.png")]}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    return db.session.scalar(db.select(Visit).filter_by(found=found))


def _snapshot():
    db.session.expire_all()
    return {
        "grids": db.session.scalar(db.select(db.func.count()).select_from(Grid)),
        "residents": sorted(db.session.scalars(db.select(Resident.name))),
        "cases": sorted(db.session.scalars(db.select(Case.title))),
    }


def test_round_trip_restores_database_and_photos(migrated, tmp_path):
    app, tree = migrated
    _pg_tools_or_skip()
    case = _report_case_with_photo(app, "井盖丢失")
    visit = _record_visit_with_photo(app, "备份之前的走访")
    photos_then = _photo_files(app)
    assert photos_then == {case.photos[0].filename, visit.photos[0].filename}
    pending = _uploads(app) / "imports" / "1-pending.xlsx"
    pending.parent.mkdir(parents=True, exist_ok=True)
    pending.write_bytes(b"half-finished import")
    then = _snapshot()

    result = _run(app, "backup")
    assert result.exit_code == 0, result.output
    assert "backed up" in result.output and "已备份" in result.output
    [archive] = (Path(app.instance_path) / "backups").glob("portal-*.tar.gz")
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert "manifest.json" in names
    assert {"database.sqlite3", "database.pgdump"} & set(names)
    assert any(n.startswith("uploads/photos/") for n in names)
    assert not any(n.startswith("uploads/imports") for n in names)  # pending imports stay out

    # change and delete data and photos after the backup
    resident = db.session.get(Resident, tree.resident_a.id)
    resident.name = "改过的名字"
    doomed = db.session.get(Case, case.id)
    for row in [*doomed.photos, *doomed.events]:
        db.session.delete(row)
    db.session.flush()
    db.session.delete(doomed)
    db.session.commit()
    _report_case_with_photo(app, "备份之后的事件")
    for name in photos_then:
        (_uploads(app) / "photos" / name).unlink()
    assert _snapshot() != then

    refused = _run(app, "restore", str(archive))
    assert refused.exit_code != 0 and "--yes" in refused.output

    result = _run(app, "restore", "--yes", str(archive))
    assert result.exit_code == 0, result.output
    assert "restored" in result.output and "已恢复" in result.output
    assert _snapshot() == then
    assert _photo_files(app) == photos_then  # the deleted photo is back, the newer one gone
    assert pending.read_bytes() == b"half-finished import"  # pending imports were left alone
    restored = db.session.scalar(db.select(Case).filter_by(title="井盖丢失"))
    client = app.test_client()
    client.login("grid_worker")
    assert client.get(f"/cases/{restored.id}/photos/{restored.photos[0].id}").status_code == 200
    visited = db.session.scalar(db.select(Visit).filter_by(found="备份之前的走访"))
    assert client.get(f"/visits/photos/{visited.photos[0].id}").status_code == 200

    # the state before the restore was kept, and restoring it undoes the restore
    [safety] = (Path(app.instance_path) / "backups").glob("pre-restore-*.tar.gz")
    assert str(safety) in result.output
    assert _run(app, "restore", "--yes", str(safety)).exit_code == 0
    undone = _snapshot()
    assert "改过的名字" in undone["residents"] and "备份之后的事件" in undone["cases"]


def test_restore_into_an_empty_database_needs_no_yes(migrated):
    app, _tree = migrated
    _pg_tools_or_skip()
    then = _snapshot()
    assert _run(app, "backup").exit_code == 0
    [archive] = (Path(app.instance_path) / "backups").glob("portal-*.tar.gz")

    # a new machine: an empty database
    backup.release_connections()
    if db.engine.dialect.name == "postgresql":
        reset_database()
    else:
        os.unlink(db.engine.url.database)
    result = _run(app, "restore", str(archive))
    assert result.exit_code == 0, result.output
    assert _snapshot() == then


@pytest.mark.parametrize("kind", ["junk", "foreign_sqlite", "foreign_tar", "empty_alembic"])
def test_refuses_a_file_that_is_not_a_backup_and_changes_nothing(migrated, tmp_path, kind):
    app, _tree = migrated
    candidate = tmp_path / f"candidate-{kind}"
    if kind == "junk":
        candidate.write_bytes(b"this is not a backup at all\n" * 10)
    elif kind == "foreign_sqlite":
        import sqlite3

        connection = sqlite3.connect(candidate)
        connection.execute("CREATE TABLE notes (text TEXT)")
        connection.commit()
        connection.close()
    elif kind == "foreign_tar":
        inner = tmp_path / "readme.txt"
        inner.write_text("hello")
        with tarfile.open(candidate, "w:gz") as tar:
            tar.add(inner, arcname="readme.txt")
    else:  # the core tables, but no schema revision
        import sqlite3

        connection = sqlite3.connect(candidate)
        for table in backup.CORE_TABLES:
            connection.execute(f"CREATE TABLE {table} (id INTEGER)")
        connection.commit()
        connection.close()
    before = _snapshot()
    photos = _photo_files(app)

    result = _run(app, "restore", "--yes", str(candidate))
    assert result.exit_code == 1, result.output
    assert "is not a GridPortal backup" in result.output and "不是网格通的备份" in result.output
    assert "nothing was changed" in result.output
    assert _snapshot() == before
    assert _photo_files(app) == photos
    assert not (Path(app.instance_path) / "backups").exists() or not list(
        (Path(app.instance_path) / "backups").glob("pre-restore-*"))


def test_refuses_without_yes_when_the_database_has_data(migrated):
    app, tree = migrated
    _pg_tools_or_skip()
    assert _run(app, "backup").exit_code == 0
    [archive] = (Path(app.instance_path) / "backups").glob("portal-*.tar.gz")
    db.session.get(Resident, tree.resident_a.id).name = "之后改的"
    db.session.commit()
    before = _snapshot()

    result = _run(app, "restore", str(archive))
    assert result.exit_code == 1
    assert "--yes" in result.output and "has data" in result.output and "已有数据" in result.output
    assert _snapshot() == before
    assert not list((Path(app.instance_path) / "backups").glob("pre-restore-*"))


def test_backup_to_a_chosen_path_and_keep_the_newest(migrated, tmp_path):
    app, _tree = migrated
    _pg_tools_or_skip()
    chosen = tmp_path / "offsite" / "nightly.tar.gz"
    result = _run(app, "backup", str(chosen))
    assert result.exit_code == 0, result.output
    assert chosen.is_file() and not list(chosen.parent.glob(".backup-*"))  # no temp left behind

    folder = tmp_path / "rotated"
    folder.mkdir()
    for n in range(3):
        old = folder / f"portal-2026010{n + 1}-020000.tar.gz"
        old.write_bytes(b"old")
        os.utime(old, (time.time() - 3600 * (5 - n),) * 2)
    (folder / "unrelated.txt").write_text("keep me")
    result = _run(app, "backup", str(folder), "--keep", "2")
    assert result.exit_code == 0, result.output
    left = sorted(p.name for p in folder.iterdir())
    assert "unrelated.txt" in left and "portal-20260103-020000.tar.gz" in left
    assert "portal-20260101-020000.tar.gz" not in left and len(left) == 3


def test_refuses_a_backup_of_the_other_database_kind(migrated, tmp_path):
    app, _tree = migrated
    if db.engine.dialect.name == "postgresql":
        import sqlite3

        dump = tmp_path / "other.sqlite3"
        connection = sqlite3.connect(dump)
        connection.execute("CREATE TABLE x (a)")
        connection.close()
    else:
        dump = tmp_path / "other.pgdump"
        dump.write_bytes(b"PGDMP" + b"\0" * 100)
    before = _snapshot()
    result = _run(app, "restore", "--yes", str(dump))
    assert result.exit_code == 1 and "nothing was changed" in result.output
    assert _snapshot() == before


def test_postgresql_without_pg_dump_prints_the_command(migrated, tmp_path, monkeypatch):
    app, _tree = migrated
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only (PORTAL_TEST_DATABASE_URL)")
    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump to be found
    target = tmp_path / "nightly.tar.gz"
    result = _run(app, "backup", str(target))
    assert result.exit_code == 1
    assert "pg_dump not found" in result.output and "找不到 pg_dump" in result.output
    assert "pg_dump -Fc -d postgresql://" in result.output
    assert f"-f {tmp_path / 'nightly.pgdump'}" in result.output  # the commands to run by hand
    assert f"tar czf {tmp_path / 'nightly-uploads.tar.gz'}" in result.output
    assert not target.exists()


# ---------------------------------------------------------------- archives that must be refused

#: Each kind of entry a restore refuses, added to a genuine backup. With the link kinds, the
#: public notice board served the database (or instance/config.py) as a staff member's "photo"
#: after the restore: Python's filter="data" lets links that stay inside the target through.
BAD_ENTRIES = {
    "symlink": lambda: _entry("uploads/photos/leak.jpg", tarfile.SYMTYPE,
                              linkname="../../portal.db"),
    "symlink_folder": lambda: _entry("uploads/photos", tarfile.SYMTYPE, linkname="../.."),
    "hard_link": lambda: _entry("uploads/photos/leak.jpg", tarfile.LNKTYPE,
                                linkname="database.sqlite3"),
    "device": lambda: _entry("uploads/photos/zero.jpg", tarfile.CHRTYPE, devmajor=1,
                             devminor=5),
    "fifo": lambda: _entry("uploads/photos/pipe.jpg", tarfile.FIFOTYPE),
    "absolute": lambda: _entry("/tmp/gridportal-restore-absolute.txt", tarfile.REGTYPE,
                               data=b"written outside the instance"),
    "dotdot": lambda: _entry("uploads/../../gridportal-restore-escape.txt", tarfile.REGTYPE,
                             data=b"written outside the instance"),
    "unexpected": lambda: _entry("config.py", tarfile.REGTYPE, data=b"SECRET_KEY = 'mine'\n"),
}


def _entry(name, kind, data=b"", **fields):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    info.mode = 0o644
    for key, value in fields.items():
        setattr(info, key, value)
    return info, (io.BytesIO(data) if kind == tarfile.REGTYPE else None)


def _with_entry(archive: Path, target: Path, extra) -> None:
    """A copy of ``archive`` with ``extra`` (TarInfo, data) added after the genuine entries."""
    with tarfile.open(archive) as source, tarfile.open(target, "w:gz") as out:
        for info in source.getmembers():
            out.addfile(info, source.extractfile(info) if info.isfile() else None)
        out.addfile(*extra)


@pytest.mark.parametrize("kind", BAD_ENTRIES)
def test_an_archive_with_a_link_device_or_escaping_path_is_refused_whole(migrated, tmp_path,
                                                                          kind):
    app, tree = migrated
    _pg_tools_or_skip()
    _report_case_with_photo(app, "井盖丢失")
    assert _run(app, "backup").exit_code == 0
    [genuine] = (Path(app.instance_path) / "backups").glob("portal-*.tar.gz")
    evil = tmp_path / f"evil-{kind}.tar.gz"
    _with_entry(genuine, evil, BAD_ENTRIES[kind]())
    db.session.get(Resident, tree.resident_a.id).name = "备份之后改的"
    db.session.commit()
    before, photos = _snapshot(), _photo_files(app)
    outside = [Path("/tmp/gridportal-restore-absolute.txt"),
               Path(app.instance_path).parent / "gridportal-restore-escape.txt",
               Path(app.instance_path) / "gridportal-restore-escape.txt"]

    result = _run(app, "restore", "--yes", str(evil))
    assert result.exit_code == 1, result.output
    assert "holds an entry that is not allowed" in result.output
    assert "含有不允许的条目" in result.output and "nothing was changed" in result.output
    assert _snapshot() == before and _photo_files(app) == photos
    assert not list((Path(app.instance_path) / "backups").glob("pre-restore-*"))
    assert not any(path.exists() for path in outside)
    assert not list(Path(app.instance_path).glob(".restore-*"))  # the work folder is gone


def test_a_link_planted_in_the_uploads_is_left_out_of_the_backup(migrated):
    """Our own backups stay restorable (and never carry what a link points to)."""
    app, _tree = migrated
    _pg_tools_or_skip()
    case = _report_case_with_photo(app, "井盖丢失")
    (_uploads(app) / "photos" / "leak.jpg").symlink_to(Path(app.instance_path) / "portal.db")
    result = _run(app, "backup")
    assert result.exit_code == 0, result.output
    assert "uploads/photos/leak.jpg" in result.output  # said on stderr: skipped
    [archive] = (Path(app.instance_path) / "backups").glob("portal-*.tar.gz")
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
        assert all(info.isfile() or info.isdir() for info in tar.getmembers())
    assert f"uploads/photos/{case.photos[0].filename}" in names
    assert "uploads/photos/leak.jpg" not in names
    assert _run(app, "restore", "--yes", str(archive)).exit_code == 0


def test_an_upload_folder_that_is_a_link_to_another_disk_is_backed_up(migrated, tmp_path):
    app, _tree = migrated
    _pg_tools_or_skip()
    case = _report_case_with_photo(app, "井盖丢失")
    disk = tmp_path / "bigger-disk" / "uploads"
    disk.parent.mkdir()
    shutil.move(str(_uploads(app)), disk)
    _uploads(app).symlink_to(disk)
    assert _run(app, "backup").exit_code == 0
    [archive] = (Path(app.instance_path) / "backups").glob("portal-*.tar.gz")
    with tarfile.open(archive) as tar:
        assert f"uploads/photos/{case.photos[0].filename}" in tar.getnames()
