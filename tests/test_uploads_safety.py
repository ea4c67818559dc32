"""Files in: uploaded photos are served only as our own regular files inside the upload folder;
a refused request writes no photo; decompression bombs are refused from the header; the public
report's throttle counts every attempt; `portal uploads clean` removes what nothing needs.

Each check runs over the whole class: every photo route of the URL map, every form that takes a
photo, every column that names an uploaded file."""
import io
import os
import re
import struct
import time
import zlib
from pathlib import Path

import pytest
from PIL import Image

from portal.cases.models import Case
from portal.extensions import db
from portal.grids.models import GridStaff
from portal.modules.services import set_module
from portal.people.models import Visit
from portal.people.visits import record_visit
from portal.plugin_testing import installed_names, needs_plugin  # the plugins' fixtures come with them
from portal.timeutil import local_today
from portal.uploads import photo_dir

ROOT = Path(__file__).resolve().parent.parent


def _png(size=(30, 30), colour="blue") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def _jpeg(size=(30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "green").save(buffer, "JPEG")
    return buffer.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


_BOMB = {}


def _png_bomb(side=13_000) -> bytes:
    """A complete, valid greyscale PNG of side × side black pixels (~170 KB; decoding it takes
    side² bytes, and the old code converted it to RGB: three times that)."""
    if side not in _BOMB:
        packer = zlib.compressobj(9)
        row = b"\x00" * (side + 1)  # filter byte + pixels
        body = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
        _BOMB[side] = (b"\x89PNG\r\n\x1a\n"
                       + _chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0))
                       + _chunk(b"IDAT", body) + _chunk(b"IEND", b""))
    return _BOMB[side]


def _files() -> set[str]:
    return {p.name for p in photo_dir().iterdir()}


# ---------------------------------------------------------------- every photo route


def _photo_rules(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules()
            if "photo" in rule.endpoint or "photo" in rule.rule or rule.rule.endswith(".jpg")}


@pytest.fixture
def photos_everywhere(app, tree):
    """One record with a photo behind every photo route; returns endpoint -> (url, file name,
    who may open it)."""
    from plugins.points.models import PointsClaim, PointsGoods, PointsRule, PointsShop
    from portal.cases.services import report

    set_module(tree.town_a, "points", True)
    names = {}
    for endpoint in ("public.photo", "grids.staff_photo", "cases.photo", "points.goods_photo",
                     "points.claim_photo", "visits.photo"):
        names[endpoint] = f"{os.urandom(16).hex()}.jpg"
        (photo_dir() / names[endpoint]).write_bytes(_jpeg())
    staff = GridStaff(grid_id=tree.grid_a1.id, post="worker", name="公示的人",
                      photo=names["public.photo"])
    other = GridStaff(grid_id=tree.grid_a1.id, post="worker", name="另一人",
                      photo=names["grids.staff_photo"])
    case = report(tree.grid_a1, category="hazard", title="井盖", description="丢了",
                  source="patrol", reporter=tree.users["grid_worker"],
                  photos=[names["cases.photo"]])
    shop = PointsShop(grid_id=tree.village_a1.id, name="城西积分超市")
    db.session.add_all([staff, other, shop])
    db.session.flush()
    goods = PointsGoods(shop_id=shop.id, name="香皂", price=8, photo=names["points.goods_photo"])
    rule = PointsRule(town_id=tree.town_a.id, name="清扫村道", points=5)
    db.session.add_all([goods, rule])
    db.session.flush()
    claim = PointsClaim(town_id=tree.town_a.id, resident_id=tree.resident_a.id, rule_id=rule.id,
                        happened_on=local_today(), note="清扫村道",
                        photo=names["points.claim_photo"])
    db.session.add(claim)
    visit = record_visit(tree.household_a, tree.users["grid_worker"], local_today(), "走访",
                         photos=[names["visits.photo"]])
    db.session.commit()
    item = case.photos[0]
    served = {}
    if "rentals" in installed_names():  # a photo of the landlord's signed letter
        from plugins.rentals import services as rentals

        names["rentals.letter"] = f"{os.urandom(16).hex()}.jpg"
        (photo_dir() / names["rentals.letter"]).write_bytes(_jpeg())
        set_module(tree.town_a, "rentals", True)
        letting = rentals.let_house(tree.resident_a, started_on=local_today(), rooms=1,
                                    actor=tree.users["grid_worker"])
        letting.letter = names["rentals.letter"]
        db.session.commit()
        served["rentals.letter"] = (f"/rentals/{letting.id}/letter.jpg", names["rentals.letter"],
                                    "village_admin")
    if "places" in installed_names():  # a photo of a hazard found at a safety inspection
        from plugins.places import services as places
        from plugins.places.models import PlacesHazardPhoto

        names["places.hazard_photo"] = f"{os.urandom(16).hex()}.jpg"
        (photo_dir() / names["places.hazard_photo"]).write_bytes(_jpeg())
        set_module(tree.town_a, "places", True)
        place = places.register(tree.grid_a1, name="城西小店", kind="small_store",
                                registered_on=local_today())
        inspection = places.inspect(place, inspected_on=local_today(),
                                    results={"extinguishers": "fail", "exits": "pass",
                                             "wiring": "pass", "gas": "na",
                                             "three_in_one": "pass", "licences": "pass",
                                             "training": "pass", "emergency_lights": "pass"})
        photo = PlacesHazardPhoto(hazard_id=inspection.hazards[0].id,
                                  filename=names["places.hazard_photo"])
        db.session.add(photo)
        db.session.commit()
        served["places.hazard_photo"] = (f"/places/hazards/photos/{photo.id}",
                                         names["places.hazard_photo"], "village_admin")
    if "grid_work" in installed_names():  # a photo taken at a point of a patrol
        from plugins.grid_work.patrols import services as patrols

        names["grid_work.point_photo"] = f"{os.urandom(16).hex()}.jpg"
        (photo_dir() / names["grid_work.point_photo"]).write_bytes(_jpeg())
        set_module(tree.town_a, "grid_work", True)
        patrol, _started = patrols.start(tree.users["grid_worker"])
        point = patrols.add_point(patrol, tree.users["grid_worker"],
                                  photo=names["grid_work.point_photo"])
        db.session.commit()
        served["grid_work.point_photo"] = (f"/work/points/{point.id}/photo",
                                                   names["grid_work.point_photo"],
                                                   "village_admin")
    if "grid_work" in installed_names():  # a page of a grid worker's signed responsibility letter
        from plugins.grid_work.duty.models import GridWorkLetter

        names["grid_work_duty.letter_photo"] = f"{os.urandom(16).hex()}.jpg"
        (photo_dir() / names["grid_work_duty.letter_photo"]).write_bytes(_jpeg())
        set_module(tree.town_a, "grid_work", True)
        worker = tree.users["grid_worker"]
        letter = GridWorkLetter(worker_id=worker.id, grid_id=worker.scope_id,
                                year=local_today().year,
                                photo=names["grid_work_duty.letter_photo"])
        db.session.add(letter)
        db.session.commit()
        served["grid_work_duty.letter_photo"] = (f"/work/letters/{letter.id}/photo",
                                                 names["grid_work_duty.letter_photo"],
                                                 "village_admin")
    if "grid_work" in installed_names():  # the evidence of an assessment entry (考核加减分)
        from plugins.grid_work.assessment import services as assessment

        names["grid_work_assessment.evidence"] = f"{os.urandom(16).hex()}.jpg"
        (photo_dir() / names["grid_work_assessment.evidence"]).write_bytes(_jpeg())
        set_module(tree.town_a, "grid_work", True)
        scheme = assessment.create_scheme(tree.town_a, year=local_today().year - 1, quarter=4)
        positive = next(i for i in scheme.items if i.kind == "positive")
        entry = assessment.add_entry(positive, tree.users["grid_worker"], points=1,
                                     reason="表彰",
                                     happened_on=local_today().replace(year=scheme.year, month=12,
                                                                       day=1))
        entry.evidence = names["grid_work_assessment.evidence"]
        db.session.commit()
        served["grid_work_assessment.evidence"] = (
            f"/work/assessment/entries/{entry.id}/evidence.jpg",
            names["grid_work_assessment.evidence"], "village_admin")
    return {
        **served,
        "public.photo": (f"/g/{tree.grid_a1.code}/photo/{staff.id}", names["public.photo"], None),
        "grids.staff_photo": (f"/grids/{tree.grid_a1.id}/staff/{other.id}/photo",
                              names["grids.staff_photo"], "village_admin"),
        "cases.photo": (f"/cases/{case.id}/photos/{item.id}", names["cases.photo"],
                        "village_admin"),
        "points.goods_photo": (f"/points/goods/{goods.id}/photo", names["points.goods_photo"],
                               "village_admin"),
        "points.claim_photo": (f"/points/claims/{claim.id}/photo", names["points.claim_photo"],
                               "village_admin"),
        "visits.photo": (f"/visits/photos/{visit.photos[0].id}", names["visits.photo"],
                         "village_admin"),
    }


def _get(app, url, who):
    client = app.test_client()
    if who:
        client.login(who)
    return client.get(url)


@needs_plugin("points")
def test_the_fixture_covers_every_photo_route(app, photos_everywhere):
    # a new route serving photos must be added here (and go through portal.uploads.send_photo)
    assert _photo_rules(app) == set(photos_everywhere)
    for url, _name, who in photos_everywhere.values():
        response = _get(app, url, who)
        assert response.status_code == 200 and response.mimetype == "image/jpeg", url


def _plant(kind, path: Path, secret: Path):
    path.unlink()
    if kind == "symlink":
        path.symlink_to(secret)
    elif kind == "relative_symlink":
        path.symlink_to(os.path.relpath(secret, path.parent))
    elif kind == "hard_link":
        os.link(secret, path)
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        path.mkdir()


@pytest.mark.parametrize("kind", ["symlink", "relative_symlink", "hard_link", "fifo",
                                  "directory"])
@needs_plugin("points")
def test_anything_but_our_own_regular_file_is_a_404_on_every_photo_route(
        app, photos_everywhere, kind):
    secret = Path(app.instance_path) / "config.py"
    secret.write_text("SECRET_KEY = 'do-not-serve-me'\n")
    for endpoint, (url, name, who) in photos_everywhere.items():
        _plant(kind, photo_dir() / name, secret)
        response = _get(app, url, who)
        assert response.status_code == 404, (endpoint, kind)
        assert b"do-not-serve-me" not in response.data


@needs_plugin("points")
def test_a_photo_folder_that_is_a_link_out_of_the_uploads_is_not_served(app, photos_everywhere,
                                                                        tmp_path):
    elsewhere = tmp_path / "elsewhere"
    os.rename(photo_dir(), elsewhere)  # the very same files, reached through a link
    (Path(app.instance_path) / "uploads" / "photos").symlink_to(elsewhere)
    for endpoint, (url, _name, who) in photos_everywhere.items():
        assert _get(app, url, who).status_code == 404, endpoint


def test_names_that_are_not_plain_file_names_are_never_opened(app, tree):
    from portal.uploads import read_upload

    (photo_dir().parent / "secret.jpg").write_bytes(_jpeg())
    (photo_dir() / ".hidden.jpg").write_bytes(_jpeg())
    for name in ("../secret.jpg", "..", ".", "", None, "/etc/passwd", "a/b.jpg", "a\\b.jpg",
                 "x\x00.jpg", ".hidden.jpg"):
        assert read_upload(photo_dir(), name) is None, name


def test_only_the_upload_module_sends_files():
    """Every route that answers with a file goes through portal.uploads.send_photo: no other
    module of the core or a plugin calls send_file / send_from_directory."""
    offenders = []
    for folder in ("portal", "plugins"):
        for path in (ROOT / folder).rglob("*.py"):
            if "tests" in path.parts or path == ROOT / "portal" / "uploads.py":
                continue
            if re.search(r"\bsend_(file|from_directory)\b", path.read_text()):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


# ---------------------------------------------------------------- every form that takes a photo


def _staff_form(client, tree, photos):
    client.login("village_admin")
    return client.post(f"/grids/{tree.grid_a1.id}/staff/new", data={
        "post": "worker", "name": "新网格员", "sort_order": "1", "photo_file": photos[0]},
        content_type="multipart/form-data")


def _case_form(client, tree, photos, **extra):
    client.login("grid_worker")
    return client.post("/cases/new", data={
        "grid": tree.grid_a1.id, "category": "hazard", "kind": "general", "title": "井盖丢失",
        "description": "城西路口", "photos": photos, **extra},
        content_type="multipart/form-data")


def _public_form(client, tree, photos, **extra):
    return client.post(f"/g/{tree.grid_a1.code}/report", data={
        "category": "hazard", "title": "路灯坏了", "description": "晚上很黑",
        "reporter_phone": "13812345678", "photos": photos, **extra},
        content_type="multipart/form-data")


def _goods_form(client, tree, photos):
    from plugins.points.models import PointsShop

    shop = db.session.scalar(db.select(PointsShop).filter_by(name="城西积分超市"))
    if shop is None:  # the first call sets up (a later one may run with commits failing)
        set_module(tree.town_a, "points", True)
        shop = PointsShop(grid_id=tree.village_a1.id, name="城西积分超市")
        db.session.add(shop)
        db.session.commit()
    client.login("village_admin")
    return client.post(f"/points/shops/{shop.id}", data={
        "name": "毛巾", "price": "15", "photo": photos[0]}, content_type="multipart/form-data")


def _visit_form(client, tree, photos, **extra):
    client.login("grid_worker")
    return client.post(f"/visits/households/{tree.household_a.id}/new", data={
        "visited_on": local_today().isoformat(), "found": "家中一切正常", "photos": photos,
        **extra}, content_type="multipart/form-data")


FORMS = {"staff": _staff_form, "case": _case_form, "public": _public_form, "goods": _goods_form,
         "visit": _visit_form}
#: The forms as test cases: a plugin's form is skipped where its plugin is not installed.
FORM_CASES = ["staff", "case", "public", "visit",
              pytest.param("goods", marks=needs_plugin("points"))]


@pytest.mark.parametrize("form", FORM_CASES)
def test_each_photo_form_stores_its_photo(client, tree, form):
    response = FORMS[form](client, tree, [(io.BytesIO(_png()), "a.png")])
    assert response.status_code in (200, 302, 303), response.get_data(as_text=True)[:2000]
    assert len(_files()) == 1


@pytest.mark.parametrize("form", FORM_CASES)
def test_a_request_that_fails_at_the_commit_leaves_no_photo(client, tree, form, monkeypatch):
    from sqlalchemy.exc import OperationalError

    FORMS[form](client, tree, [(io.BytesIO(_png()), "warmup.png")])  # log in, create the shop
    for name in _files():
        (photo_dir() / name).unlink()

    def failing_commit():
        raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(db.session, "commit", failing_commit)
    monkeypatch.setattr("portal.auth.throttle.record_failure", lambda keys: None)
    with pytest.raises(OperationalError):
        client.application.config["PROPAGATE_EXCEPTIONS"] = True
        FORMS[form](client, tree, [(io.BytesIO(_png()), "a.png")])
    assert _files() == set()


@pytest.mark.parametrize("form", ["case", "public", "visit"])
def test_a_good_photo_then_a_bad_one_writes_neither(client, tree, form):
    response = FORMS[form](client, tree, [(io.BytesIO(_png()), "good.png"),
                                          (io.BytesIO(b"<script>x</script>"), "bad.png")])
    assert response.status_code == 422
    assert "无法识别的图片文件" in response.get_data(as_text=True)
    assert _files() == set()
    assert db.session.scalar(db.select(db.func.count()).select_from(Case)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(Visit)) == 0


def test_a_case_refused_after_its_photos_were_read_writes_none(client, tree):
    # the service refuses "handled on the spot" for an emergency after the photos were checked
    response = _case_form(client, tree, [(io.BytesIO(_png()), "a.png")], kind="emergency",
                          on_the_spot="已处理")
    assert response.status_code == 422
    assert _files() == set()


def test_too_many_photos_are_refused_next_to_the_field(client, tree, app):
    app.config["PHOTO_MAX_COUNT"] = 2
    response = _public_form(client, tree, [(io.BytesIO(_png()), f"{n}.png") for n in range(3)])
    assert response.status_code == 422
    assert "最多上传2张照片" in response.get_data(as_text=True)
    assert _files() == set()


# ---------------------------------------------------------------- decompression limits


@pytest.mark.parametrize("form", FORM_CASES)
def test_a_13000_pixel_png_is_refused_from_its_header_on_every_form(client, tree, form):
    response = FORMS[form](client, tree, [(io.BytesIO(_png_bomb()), "bomb.png")])
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "图片尺寸太大" in page and "13000×13000" in page
    assert _files() == set()


def test_the_pixel_limit_is_configurable_and_a_jpeg_counts_at_its_decoding_scale(client, tree,
                                                                                 app):
    app.config["PHOTO_MAX_PIXELS"] = 2_000_000
    assert app.config["PHOTO_MAX_SIDE"] == 1600
    refused = _public_form(client, tree, [(io.BytesIO(_png((3200, 2000))), "big.png")])
    assert refused.status_code == 422 and "百万像素" in refused.get_data(as_text=True)
    # a 6.4 MP JPEG is decoded at half scale for a 1600-pixel photo: 1.6 MP
    accepted = _public_form(client, tree, [(io.BytesIO(_jpeg((3200, 2000))), "big.jpg")])
    assert accepted.status_code == 303  # to the receipt
    assert len(_files()) == 1


def test_pillow_s_warning_band_is_an_error(app, tree):
    """Between Image.MAX_IMAGE_PIXELS and twice that Pillow only warns; with our own limit set
    above Pillow's, the warning still refuses."""
    from werkzeug.datastructures import FileStorage

    from portal.uploads import UploadError, prepare_photo

    app.config["PHOTO_MAX_PIXELS"] = 10**9
    with app.test_request_context():
        with pytest.raises(UploadError, match="图片尺寸太大"):
            prepare_photo(FileStorage(io.BytesIO(_png_bomb()), "bomb.png"))


def test_the_public_form_states_the_limits_and_answers_a_too_big_body_on_the_form(client, tree,
                                                                                 app):
    page = client.get(f"/g/{tree.grid_a1.code}/report").get_data(as_text=True)
    assert "每张不超过20 MB，最多6张" in page
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    response = _public_form(client, tree, [(io.BytesIO(os.urandom(100 * 1024)), "huge.jpg")])
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "整个表单不能超过" in page and 'name="title"' in page
    assert _files() == set()


# ---------------------------------------------------------------- the public report's throttle


def test_every_public_report_attempt_counts_and_a_locked_address_reads_no_photo(client, tree,
                                                                               app, monkeypatch):
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit):  # refused attempts: no title
        response = _public_form(client, tree, [(io.BytesIO(_png()), "a.png")], title="")
        assert response.status_code == 422
    import portal.uploads

    def no_decoding(*args, **kwargs):
        raise AssertionError("a locked address had its photos decoded")

    monkeypatch.setattr(portal.uploads, "prepare_photos", no_decoding)
    response = _public_form(client, tree, [(io.BytesIO(_png()), "a.png")])
    assert response.status_code == 429
    assert db.session.scalar(db.select(db.func.count()).select_from(Case)) == 0
    assert _files() == set()


# ---------------------------------------------------------------- portal uploads clean


def test_every_column_naming_an_uploaded_file_is_known_to_the_cleaner(app):
    """A column that holds a photo's file name without info={"upload": "photos"} would have its
    files removed as orphans."""
    from portal.uploads_clean import upload_columns

    flagged = {f"{c.table.name}.{c.name}" for c in upload_columns()}
    looks_like_a_file = {f"{t.name}.{c.name}" for t in db.metadata.sorted_tables
                         for c in t.columns
                         if re.search(r"photo|image|picture|avatar|filename|file_name|attachment",
                                           c.name)}
    assert looks_like_a_file <= flagged
    assert {"grid_staff.photo", "case_photos.filename", "points_goods.photo",
            "visit_photos.filename"} <= flagged


def _age(path: Path, seconds: float):
    then = time.time() - seconds
    os.utime(path, (then, then), follow_symlinks=False)


@needs_plugin("points")
def test_clean_removes_old_orphans_stale_imports_and_links_only(app, photos_everywhere, runner):
    day = app.config["UPLOAD_ORPHAN_GRACE_SECONDS"]
    referenced = {name for _url, name, _who in photos_everywhere.values()}
    for name in referenced:
        _age(photo_dir() / name, 10 * day)  # old, but a row names it
    old_orphan, new_orphan = photo_dir() / "old-orphan.jpg", photo_dir() / "new-orphan.jpg"
    old_orphan.write_bytes(_jpeg())
    new_orphan.write_bytes(_jpeg())
    _age(old_orphan, day + 60)
    link = photo_dir() / "leak.jpg"
    link.symlink_to(Path(app.instance_path) / "portal.db")
    imports = Path(app.instance_path) / "uploads" / "imports"
    imports.mkdir(parents=True)
    stale, fresh = imports / "1-stale.xlsx", imports / "1-fresh.xlsx"
    stale.write_bytes(b"x")
    fresh.write_bytes(b"x")
    _age(stale, app.config["IMPORT_PENDING_SECONDS"] + 60)

    preview = runner.invoke(args=["uploads", "clean", "--dry-run"])
    assert preview.exit_code == 0, preview.output
    assert "old-orphan.jpg" in preview.output and old_orphan.exists()

    result = runner.invoke(args=["uploads", "clean"])
    assert result.exit_code == 0, result.output
    assert "1 orphaned photos, 1 expired imports, 1 not regular files" in result.output
    assert _files() == referenced | {"new-orphan.jpg"}
    assert {p.name for p in imports.iterdir()} == {"1-fresh.xlsx"}
    for url, _name, who in photos_everywhere.values():
        assert _get(app, url, who).status_code == 200, url


def test_clean_never_follows_a_link_in_place_of_an_upload_folder(app, tree, runner, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    victim = elsewhere / "important.txt"
    victim.write_text("not ours")
    _age(victim, 100 * app.config["UPLOAD_ORPHAN_GRACE_SECONDS"])
    photo_dir().rmdir()
    (Path(app.instance_path) / "uploads" / "photos").symlink_to(elsewhere)
    result = runner.invoke(args=["uploads", "clean"])
    assert result.exit_code == 1 and "nothing was removed" in result.output
    assert victim.exists()
