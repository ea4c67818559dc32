"""The grid workers' work module's part of a town template (样板间, portal.town_templates): the
town's numbers (plugins/grid_work/town_settings.py), checked with the settings page's own form
and saved through its service (its checks and its audit entry)."""
from typing import Any

from flask_babel import lazy_gettext as _l

from portal.town_templates import Change, TemplatePart
from portal.town_templates.checks import changed_values, field_labels, integers, with_form

from .. import town_settings
from .forms import RulesForm

KEY = "grid_work.rules"
LABEL = _l("网格员工作设置")
FIELDS = tuple(town_settings.DEFAULTS)


def export(town) -> dict:
    return town_settings.rules(town)


def _read(data: Any) -> dict[str, int]:
    values = integers(data, FIELDS, field_labels(RulesForm, FIELDS))
    with_form(RulesForm, values)  # its ranges and that the major range is not upside down
    return values


def plan(town, data: Any) -> list[Change]:
    return changed_values(str(LABEL), field_labels(RulesForm, FIELDS), export(town), _read(data))


def apply(town, data: Any, actor) -> None:
    town_settings.save(town, _read(data), actor=actor)


PARTS = (TemplatePart(KEY, LABEL, export, plan, apply, order=380),)
