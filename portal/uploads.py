"""Photos people upload, and serving them back.

Uploading is in two steps so that a refused request writes nothing: ``prepare_photos`` checks
and re-encodes every photo of the request in memory (a real JPEG, PNG or WebP within the byte,
pixel and count limits; what we keep is a plain JPEG whatever was sent: no scripts, no EXIF at
all, turned upright by its EXIF orientation, at most PHOTO_MAX_SIDE pixels on its long edge), the
view then checks the rest of the request (and flushes its rows), and only ``stored(photos)``
around the commit writes the files, removing them again if the commit fails.

A phone photo is taken as it comes (12 MP, 3-8 MB; static/js/photos.js shrinks it in the browser
first, but a client without the script sends the original). Its GPS position, read from the
EXIF before it is dropped, is ``PreparedPhoto.location``: a form whose coordinates are empty
takes it (``location_of``).

Serving goes through ``send_photo``: a name of our own shape, opened without following links,
a regular file with a single link inside the upload folder; anything else (a symlink planted by
a restore or by hand, a FIFO, a hard link to the database) is a 404.
"""
import os
import re
import stat
import uuid
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from flask import abort, current_app, send_file
from flask_babel import gettext as _
from PIL import ExifTags, Image, UnidentifiedImageError

#: Decoders we let near uploaded bytes: the formats the forms accept, nothing more exotic.
FORMATS = ("JPEG", "PNG", "WEBP")
#: Names of stored files (we write ``<uuid4 hex>.jpg``; older rows may hold other plain names).
NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}")


class UploadError(ValueError):
    pass


@dataclass(frozen=True)
class PreparedPhoto:
    """A checked photo, re-encoded, not yet written: ``name`` goes into the row, ``data`` to disk
    in ``stored``."""

    name: str
    data: bytes
    #: (latitude, longitude) from the photo's EXIF GPS, before the EXIF was dropped; None when it
    #: had none (or a position no phone reports, such as 0, 0).
    location: tuple[float, float] | None = None


def uploads_root() -> Path:
    return Path(current_app.instance_path) / "uploads"


def photo_dir() -> Path:
    path = uploads_root() / "photos"
    path.mkdir(parents=True, exist_ok=True)
    return path


# ---------------------------------------------------------------- checking


def limits_hint(single: bool = False) -> str:
    """What every photo field says about the limits (the public report form's too); ``single``
    for a field of one photo."""
    cfg = current_app.config
    if single:
        return _("手机照片可直接上传（会自动缩小），不超过%(mb)d MB。",
                 mb=cfg["PHOTO_MAX_BYTES"] // (1024 * 1024))
    return _("手机照片可直接上传（会自动缩小）：每张不超过%(mb)d MB，最多%(n)d张。",
             mb=cfg["PHOTO_MAX_BYTES"] // (1024 * 1024), n=cfg["PHOTO_MAX_COUNT"])


#: EXIF orientation -> the transpose that turns the pixels upright, as ImageOps.exif_transpose
#: does; applied to the shrunk copy with the orientation _metadata already read (and which a
#: broken EXIF block leaves None) rather than parsing the EXIF a second time.
UPRIGHT = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
           4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
           6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
           8: Image.Transpose.ROTATE_90}


def _degrees(value, ref) -> float | None:
    """A GPS latitude or longitude (degrees, minutes, seconds as rationals) in signed degrees."""
    try:
        d, m, s = (float(part) for part in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    degrees = d + m / 60 + s / 3600
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "replace")
    return -degrees if str(ref).strip().upper() in ("S", "W") else degrees


def gps_location(exif) -> tuple[float, float] | None:
    """(latitude, longitude) of an ``Image.Exif``'s GPS IFD, or None."""
    try:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    except (KeyError, ValueError, TypeError, OSError, SyntaxError):
        return None
    tags = ExifTags.GPS
    if not gps or tags.GPSLatitude not in gps or tags.GPSLongitude not in gps:
        return None
    latitude = _degrees(gps[tags.GPSLatitude], gps.get(tags.GPSLatitudeRef, "N"))
    longitude = _degrees(gps[tags.GPSLongitude], gps.get(tags.GPSLongitudeRef, "E"))
    if latitude is None or longitude is None or not (-90 <= latitude <= 90) \
            or not (-180 <= longitude <= 180) or (latitude == 0 and longitude == 0):
        return None
    return round(latitude, 6), round(longitude, 6)


def _metadata(image) -> tuple[tuple[float, float] | None, int | None]:
    """(GPS position, EXIF orientation) of an opened image; a broken EXIF block is no EXIF (the
    photo itself may be fine, and we drop the block anyway)."""
    try:
        exif = image.getexif()
        return gps_location(exif), exif.get(ExifTags.Base.Orientation)
    except Exception:  # noqa: BLE001 - any parser error in metadata we are about to discard
        return None, None


def location_of(photos) -> tuple[float, float] | None:
    """The position of the first photo that carries one."""
    return next((p.location for p in photos if p is not None and p.location), None)


def coordinates(form, photos) -> tuple[float | None, float | None]:
    """The form's latitude and longitude; when both are empty, the position of the first photo
    that has one (a phone without static/js/photos.js sends its original with GPS EXIF)."""
    latitude, longitude = form.latitude.data, form.longitude.data
    if latitude is None and longitude is None:
        return location_of(photos) or (None, None)
    return latitude, longitude


def prepare_photo(storage, max_side: int | None = None) -> PreparedPhoto:
    """Check one uploaded photo and re-encode it; writes nothing. UploadError with a message
    for the field."""
    cfg = current_app.config
    max_side = max_side or cfg["PHOTO_MAX_SIDE"]
    data = storage.read(cfg["PHOTO_MAX_BYTES"] + 1)  # never more than the limit in memory
    if len(data) > cfg["PHOTO_MAX_BYTES"]:
        raise UploadError(_("照片不能超过%(mb)d MB。", mb=cfg["PHOTO_MAX_BYTES"] // (1024 * 1024)))
    unreadable = _("无法识别的图片文件，请上传 JPG 或 PNG 照片。")
    try:
        # Pillow only warns between MAX_IMAGE_PIXELS and twice that (a 13,000 × 13,000 PNG is in
        # that band and would be decoded to 500 MB): such a warning is a refusal here when the
        # image would really be decoded at that size, after our own pixel check (which does
        # not depend on Pillow's global setting) had its say.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", Image.DecompressionBombWarning)
            with Image.open(BytesIO(data), formats=FORMATS) as probe:
                probe.verify()
            with Image.open(BytesIO(data), formats=FORMATS) as image:
                location, orientation = _metadata(image)  # nothing of the EXIF is kept
                if image.format == "JPEG":
                    # JPEG can be decoded at 1/2..1/8 scale (draft keeps both sides at least
                    # those of the photo we keep): a 50 MP phone photo costs about 3 MP
                    w, h = image.size
                    ratio = max_side / max(w, h, 1)
                    if ratio < 1:
                        image.draft("RGB", (max(1, int(w * ratio)), max(1, int(h * ratio))))
                width, height = image.size  # from the header: nothing is decoded yet
                if width * height > cfg["PHOTO_MAX_PIXELS"]:
                    raise UploadError(_(
                        "图片尺寸太大（%(w)d×%(h)d 像素），请上传不超过%(mp)d百万像素的照片。",
                        w=width, h=height, mp=cfg["PHOTO_MAX_PIXELS"] // 1_000_000))
                bomb = Image.MAX_IMAGE_PIXELS
                if bomb and width * height > bomb and any(
                        issubclass(w.category, Image.DecompressionBombWarning) for w in caught):
                    raise Image.DecompressionBombError("over Pillow's MAX_IMAGE_PIXELS")
                rgb = image.convert("RGB")
                rgb.thumbnail((max_side, max_side))
                if orientation in UPRIGHT:
                    rgb = rgb.transpose(UPRIGHT[orientation])
                out = BytesIO()
                # no exif=, icc_profile= …: the JPEG we keep carries no metadata at all
                rgb.save(out, "JPEG", quality=cfg["PHOTO_QUALITY"], optimize=True)
    except UploadError:
        raise
    except Image.DecompressionBombError:
        raise UploadError(_("图片尺寸太大，请上传不超过%(mp)d百万像素的照片。",
                            mp=cfg["PHOTO_MAX_PIXELS"] // 1_000_000)) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise UploadError(unreadable) from None
    return PreparedPhoto(f"{uuid.uuid4().hex}.jpg", out.getvalue(), location)


def prepare_photos(files) -> list[PreparedPhoto]:
    """Every photo of a multiple-file field (an empty file input sends one nameless part)."""
    files = [f for f in files or [] if getattr(f, "filename", "")]
    limit = current_app.config["PHOTO_MAX_COUNT"]
    if len(files) > limit:
        raise UploadError(_("最多上传%(n)d张照片。", n=limit))
    return [prepare_photo(f) for f in files]


def prepare_optional(storage) -> PreparedPhoto | None:
    """A single-file field: None when no file was chosen."""
    return prepare_photo(storage) if getattr(storage, "filename", "") else None


@contextmanager
def stored(photos):
    """Write prepared photos for the block (the commit of the rows naming them); when the block
    fails, remove them again. Photos are written before the rows commit so that a row never
    names a missing file; a crash in between leaves a file no row names, which
    ``portal uploads clean`` removes after its grace period."""
    photos = [p for p in photos if p is not None]
    written = []
    try:
        folder = photo_dir() if photos else None
        for photo in photos:
            path = folder / photo.name
            with open(path, "xb") as handle:  # uuid names: an existing file is a bug, not ours
                written.append(path)
                handle.write(photo.data)
        yield
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise


def store_at_commit(*photos: PreparedPhoto | None) -> None:
    """Have prepared photos written when the request's work commits (portal.web.commit), so a
    service can name them in rows without writing files itself."""
    from portal.extensions import db

    db.session.info.setdefault(PENDING_PHOTOS, []).extend(p for p in photos if p is not None)


#: Where store_at_commit keeps the photos of the work in progress (in the session's info).
PENDING_PHOTOS = "portal.pending_photos"


# ---------------------------------------------------------------- serving


def inside(path: str, root: str) -> bool:
    return os.path.commonpath([path, root]) == root


def read_upload(folder: Path, name: str | None) -> tuple[bytes, os.stat_result] | None:
    """The bytes of ``folder/name`` when it is a regular file with one link whose real path is
    inside the upload folder; None otherwise."""
    if not name or not NAME.fullmatch(name) or name in (".", ".."):
        return None
    root = os.path.realpath(uploads_root())  # the folder itself may live on another disk
    directory = os.path.realpath(folder)
    path = os.path.join(directory, name)
    if not inside(directory, root) or os.path.realpath(path) != path:
        return None  # the folder or the file is (or goes through) a symlink
    try:
        # O_NOFOLLOW: a link swapped in after the check is refused; O_NONBLOCK: opening a FIFO
        # must not hang the worker waiting for a writer
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        # one link: a hard link to the database or config has two (we write files with one)
        if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
            return None
        with os.fdopen(os.dup(fd), "rb") as handle:
            return handle.read(), info
    finally:
        os.close(fd)


def send_photo(name: str | None, folder: Path | None = None):
    """The response of every route that serves an uploaded photo; 404 for anything but one of
    our regular files."""
    found = read_upload(folder or photo_dir(), name)
    if found is None:
        abort(404)
    data, info = found
    return send_file(BytesIO(data), mimetype="image/jpeg", max_age=3600,
                     last_modified=info.st_mtime, etag=f"{name}-{info.st_size}-{info.st_mtime_ns}")
