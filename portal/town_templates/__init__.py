"""A town's settings as a template (样板间): a county rolls a model village's rules out.

A town's rule sets (its case categories and deadlines, visit intervals, points rules and goods,
contest criteria, the modules' own rules) are exported as one JSON file and imported into another
town after a preview of what changes. Each rule set is a ``TemplatePart``: the core declares its
own (portal.town_templates.core_parts); a plugin offers its parts through the
``town_template_parts`` hook, asked only of the plugins on in the town concerned, so a part of a
module that is off in the target town is skipped, never forced on it.

A part's ``plan`` reads the target town and lists the ``Change``s the file would make (and refuses
data it cannot use with ``TemplateDataError``); its ``apply`` writes them. The core never
imports a plugin: it only calls the parts it is handed.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from portal.grids.models import Grid

FORMAT = "gridportal-town-template"
VERSION = 1

ADDED, CHANGED, KEPT = "added", "changed", "kept"


class TemplateDataError(ValueError):
    """The file, or one part of it, cannot be used: the message says why, in the reader's
    language (shown at the upload field; nothing is written)."""


@dataclass(frozen=True)
class Change:
    """One line of the preview, in words people read: in ``part_label``, ``what`` goes from
    ``old`` to ``new`` (``old`` None: added). ``note`` says why the target keeps its own value
    although the file differs (a town with points accounts keeps who owns them)."""

    part_label: str
    what: str
    old: str | None = None
    new: str | None = None
    note: str = ""

    @property
    def kind(self) -> str:
        if self.note:
            return KEPT
        return ADDED if self.old is None else CHANGED


@dataclass(frozen=True)
class TemplatePart:
    """A town's rule set as the template carries it. ``export(town)`` -> JSON-able data;
    ``plan(town, data)`` -> the changes the data would make there (raising TemplateDataError for
    data it cannot use; it writes nothing); ``apply(town, data, actor)`` writes them (raising
    portal.errors.DomainError where a service refuses; the caller rolls everything back)."""

    key: str
    label: Any
    export: Callable[[Grid], dict | list]
    plan: Callable[[Grid, Any], list[Change]]
    apply: Callable[[Grid, Any, Any], None]
    #: Where the part comes in the file, the preview and the import (a part that names another
    #: part's records comes after it).
    order: int = 100


def parts_for(town: Grid) -> dict[str, TemplatePart]:
    """key -> part, in order: the core's and those of the plugins on in ``town``."""
    from portal.plugins import host
    from portal.town_templates.core_parts import core_parts

    found: dict[str, TemplatePart] = {}
    for part in [*core_parts(), *host().collect(town, "town_template_parts")]:
        if part.key in found:
            raise ValueError(f"town template part {part.key!r} is declared twice")
        found[part.key] = part
    return dict(sorted(found.items(), key=lambda item: (item[1].order, item[0])))


def module_label(key: str) -> str:
    """What a part the target town cannot take is called in the preview: the module's name (a
    plugin's part keys start with the plugin's name), else the key as the file has it."""
    from portal.plugins import host

    plugins = host()
    name = key.split(".", 1)[0]
    if name in plugins.optional:
        return str(plugins.info(name)["label"])
    return key
