"""Photos people upload: checked to be real images and re-encoded, so that what we serve back is
a plain JPEG whatever was sent (no scripts, no EXIF location)."""
import uuid
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, UnidentifiedImageError


class UploadError(ValueError):
    pass


def photo_dir() -> Path:
    path = Path(current_app.instance_path) / "uploads" / "photos"
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_photo(storage, max_side: int = 800) -> str:
    data = storage.read()
    if len(data) > current_app.config["PHOTO_MAX_BYTES"]:
        raise UploadError(_("照片不能超过%(mb)d MB。",
                            mb=current_app.config["PHOTO_MAX_BYTES"] // (1024 * 1024)))
    from io import BytesIO

    try:
        with Image.open(BytesIO(data)) as probe:
            probe.verify()
        with Image.open(BytesIO(data)) as image:
            image = image.convert("RGB")
            image.thumbnail((max_side, max_side))
            name = f"{uuid.uuid4().hex}.jpg"
            image.save(photo_dir() / name, "JPEG", quality=85)
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise UploadError(_("无法识别的图片文件，请上传 JPG 或 PNG 照片。")) from None
    return name


def save_photos(files) -> list[str]:
    """Every photo of a multiple-file field; an empty file input sends one nameless part."""
    return [save_photo(f) for f in files or [] if getattr(f, "filename", "")]


def photo_path(name: str) -> Path | None:
    if not name or "/" in name or "\\" in name:
        return None
    path = photo_dir() / name
    return path if path.is_file() else None
