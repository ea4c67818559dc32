"""The places' part of a town template (样板间, portal.town_templates): the town's inspection
schedule (months per kind group, days to rectify), checked with the settings page's own form and
saved through its service (its checks, its audit entry and the places' due days moved)."""
from typing import Any

from flask_babel import lazy_gettext as _l

from portal.town_templates import Change, TemplatePart
from portal.town_templates.checks import changed_values, field_labels, integers, with_form

from . import town_settings
from .forms import SettingsForm

KEY = "places.schedule"
LABEL = _l("场所巡查周期")
FIELDS = town_settings.FIELDS


def export(town) -> dict:
    return town_settings.values(town)


def _read(data: Any) -> dict[str, int]:
    values = integers(data, FIELDS, field_labels(SettingsForm, FIELDS))
    with_form(SettingsForm, values)
    return values


def plan(town, data: Any) -> list[Change]:
    return changed_values(str(LABEL), field_labels(SettingsForm, FIELDS), export(town), _read(data))


def apply(town, data: Any, actor) -> None:
    values = _read(data)
    if values != export(town):
        town_settings.save(town, **values, actor=actor)


PARTS = (TemplatePart(KEY, LABEL, export, plan, apply, order=350),)
