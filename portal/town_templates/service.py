"""The template file and what importing it does: export a town's parts, read a file back (its
format checked before any part is), preview the changes in a target town, and apply them in
the caller's transaction (the caller commits, or rolls everything back on a refusal)."""
from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from flask_babel import gettext as _

from portal import audit
from portal.errors import DomainError
from portal.town_templates import (ADDED, CHANGED, FORMAT, KEPT, VERSION, Change,
                                   TemplateDataError, TemplatePart, module_label, parts_for)
from portal.timeutil import local_today, to_local, utcnow

log = logging.getLogger(__name__)

#: A template is settings, not data: tens of kilobytes. Larger is not one of ours.
MAX_BYTES = 2 * 1024 * 1024


@dataclass
class PartPreview:
    key: str
    label: str
    changes: list[Change] = field(default_factory=list)

    @property
    def writes(self) -> list[Change]:
        """The changes that are written (a kept value is only told)."""
        return [c for c in self.changes if c.kind in (ADDED, CHANGED)]

    @property
    def added(self) -> int:
        return sum(1 for c in self.changes if c.kind == ADDED)

    @property
    def changed(self) -> int:
        return sum(1 for c in self.changes if c.kind == CHANGED)

    @property
    def kept(self) -> int:
        return sum(1 for c in self.changes if c.kind == KEPT)


@dataclass
class Preview:
    #: The town the file was exported from, and when (as the file says).
    source: str
    exported_at: str
    parts: list[PartPreview]
    #: (key, label) of the file's parts the target town cannot take (module off, not installed).
    skipped: list[tuple[str, str]]

    @property
    def changes(self) -> list[Change]:
        return [c for part in self.parts for c in part.writes]

    @property
    def nothing_changes(self) -> bool:
        return not self.changes


# ---------------------------------------------------------------- the file


def export_document(town) -> dict:
    return {"format": FORMAT, "version": VERSION, "town": town.name,
            "exported_at": to_local(utcnow()).isoformat(timespec="seconds"),
            "parts": {key: part.export(town) for key, part in parts_for(town).items()}}


def to_bytes(document: dict) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


def file_name(town) -> str:
    return f"{town.name}-样板间-{local_today():%Y%m%d}.json"


def read_document(data: bytes) -> dict:
    """The file's JSON when it is a town template of this version, else TemplateDataError."""
    if len(data) > MAX_BYTES:
        raise TemplateDataError(_("文件太大：样板间文件不会超过%(n)d MB。",
                                  n=MAX_BYTES // (1024 * 1024)))
    try:
        document = json.loads(data.decode("utf-8-sig"))  # a BOM from an editor is fine
    except (UnicodeDecodeError, ValueError):
        raise TemplateDataError(_("无法读取文件：请上传从本系统导出的样板间 JSON 文件。")) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise TemplateDataError(_("这不是样板间文件：请上传从本系统导出的样板间 JSON 文件。"))
    version = document.get("version")
    if version != VERSION or isinstance(version, bool):
        raise TemplateDataError(_("样板间文件的版本(%(v)s)不受支持，请用本系统重新导出。",
                                  v=version))
    if not isinstance(document.get("parts"), dict):
        raise TemplateDataError(_("样板间文件缺少设置内容(parts)。"))
    return document


def _text(value: Any) -> str:
    return value.strip()[:64] if isinstance(value, str) else ""


# ---------------------------------------------------------------- preview and apply


def _guarded(part: TemplatePart, work: Callable[[], Any]) -> Any:
    """``work()`` of one part, a refusal told as the part's: a hand-edited value of the wrong
    shape (a list for a number ...) must be a message at the upload field, never a crash."""
    label = str(part.label)
    try:
        return work()
    except (TemplateDataError, DomainError) as error:
        raise TemplateDataError(_("“%(part)s”：%(message)s", part=label, message=error)) from None
    except (TypeError, ValueError, KeyError, AttributeError):
        log.info("town template part %s refused", part.key, exc_info=True)
        raise TemplateDataError(_("“%(part)s”的数据格式不对，请用本系统重新导出。",
                                  part=label)) from None


def preview(town, document: dict) -> Preview:
    """What importing ``document`` would change in ``town``; writes nothing."""
    parts = parts_for(town)
    found = []
    for key, part in parts.items():
        if key in document["parts"]:
            changes = _guarded(part, partial(part.plan, town, document["parts"][key]))
            found.append(PartPreview(key, str(part.label), list(changes)))
    skipped = [(key[:64], module_label(key[:64])) for key in document["parts"]
               if key not in parts]
    return Preview(_text(document.get("town")), _text(document.get("exported_at")), found,
                   skipped)


def apply(town, document: dict, actor) -> Preview:
    """Write what the preview lists, part by part in their order, and audit the import. The
    caller commits; any refusal raises TemplateDataError and the caller rolls everything back."""
    planned = preview(town, document)
    parts = parts_for(town)
    for item in planned.parts:
        if item.writes:
            part = parts[item.key]
            _guarded(part, partial(part.apply, town, document["parts"][item.key], actor))
    if not planned.nothing_changes:
        audit.record("settings.template_import", town, scope_code=town.code, user=actor,
                     template_town=planned.source,
                     parts=[item.label for item in planned.parts if item.writes],
                     changes_count=len(planned.changes),
                     parts_skipped=[label for _key, label in planned.skipped])
    return planned


def check(town, document: dict, actor) -> Preview:
    """The preview, and the import tried and undone: what a service would refuse at the
    confirm step (a rule's value a module does not allow ...) is refused now, at the upload."""
    from portal.web import rollback

    try:
        return apply(town, document, actor)
    finally:
        rollback()
