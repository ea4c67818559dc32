"""Reading a part's data from a file someone may have edited by hand: each value of the expected
type and within the rules the town's own settings form applies, or a TemplateDataError naming
it. The parts check with these before comparing, so that a bad file is refused with a message
rather than failing half-way."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from portal.i18n import colon, listing
from portal.town_templates import Change, TemplateDataError


def mapping(value: Any, what: str) -> dict:
    if not isinstance(value, dict):
        raise TemplateDataError(_("“%(what)s”的格式不对。", what=what))
    return value


def items(value: Any, what: str) -> list:
    if not isinstance(value, list):
        raise TemplateDataError(_("“%(what)s”应为列表。", what=what))
    return value


def whole_number(value: Any, what: str, low: int | None = None, high: int | None = None) -> int:
    """An integer (JSON's true is not one), within [low, high] when given."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TemplateDataError(_("“%(what)s”应为整数。", what=what))
    if (low is not None and value < low) or (high is not None and value > high):
        raise TemplateDataError(_("“%(what)s”应在%(low)d到%(high)d之间。", what=what,
                                  low=low if low is not None else value,
                                  high=high if high is not None else value))
    return value


def text(value: Any, what: str, max_length: int, required: bool = True) -> str | None:
    """A line of text, stripped; empty is None where not required."""
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise TemplateDataError(_("“%(what)s”应为文字。", what=what))
    value = value.strip()
    if not value:
        if required:
            raise TemplateDataError(_("“%(what)s”不能为空。", what=what))
        return None
    if len(value) > max_length:
        raise TemplateDataError(_("“%(what)s”不能超过%(n)d个字。", what=what, n=max_length))
    return value


def flag(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise TemplateDataError(_("“%(what)s”应为 true 或 false。", what=what))
    return value


def distinct(names: Iterable[str], what: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise TemplateDataError(_("%(what)s“%(name)s”重复出现。", what=what, name=name))
        seen.add(name)


def integers(data: Any, keys: Iterable[str], labels: dict[str, str]) -> dict[str, int]:
    """{key: whole number} of a flat rule set: every key present, nothing else."""
    data = mapping(data, listing(labels[k] for k in keys))
    values = {}
    for key in keys:
        if key not in data:
            raise TemplateDataError(_("缺少“%(what)s”。", what=labels[key]))
        values[key] = whole_number(data[key], labels[key])
    return values


def _as_posted(values: dict) -> MultiDict:
    """``values`` as a browser would post them (a ticked box "y", an unticked one absent)."""
    posted: MultiDict[str, str] = MultiDict()
    for key, value in values.items():
        if value is None or value is False:
            continue
        for item in value if isinstance(value, list) else [value]:
            posted.add(key, "y" if item is True else str(item))
    return posted


def with_form(form_class: type, values: dict) -> Any:
    """Check ``values`` with the town's own settings form (its ranges and its cross-field rules,
    written once there): the form posted with the values rather than by a browser, so that its
    validators (InputRequired reads what was posted) see them as they see a user's. The first
    refusal is raised as ``label: message``."""
    form = form_class(formdata=_as_posted(values), meta={"csrf": False})
    if form.validate():
        return form
    for field in form:
        if field.errors:
            raise TemplateDataError(f"{field.label.text}{colon()}{field.errors[0]}")
    raise TemplateDataError(str(form.form_errors[0]) if form.form_errors else _("数据不符合规则。"))


def field_labels(form_class: type, keys: Iterable[str]) -> dict[str, str]:
    """key -> the label the town's settings form gives that value."""
    form = form_class(formdata=None, meta={"csrf": False})
    return {key: str(form[key].label.text) for key in keys}


def changed_values(part_label: str, labels: dict[str, str], old: dict, new: dict,
                   shown: Callable[[str, Any], str] | None = None) -> list[Change]:
    """A Change per key whose value differs, in the order of ``labels``."""
    def say(key: str, value: Any) -> str:
        return shown(key, value) if shown else str(value)

    return [Change(part_label, labels[key], say(key, old.get(key)), say(key, new[key]))
            for key in labels if key in new and old.get(key) != new[key]]
