"""The volunteers' part of a town template (样板间, portal.town_templates): points per hour of
service, checked with the settings page's own form and saved through its service (its checks
and its audit entry)."""
from typing import Any

from flask_babel import lazy_gettext as _l

from portal.town_templates import Change, TemplatePart
from portal.town_templates.checks import changed_values, field_labels, integers, with_form

from . import services
from .forms import SettingsForm

KEY = "volunteers.points_per_hour"
LABEL = _l("志愿服务积分")
FIELDS = ("points_per_hour",)


def export(town) -> dict:
    return {"points_per_hour": services.points_per_hour(town)}


def _read(data: Any) -> dict[str, int]:
    values = integers(data, FIELDS, field_labels(SettingsForm, FIELDS))
    with_form(SettingsForm, values)
    return values


def plan(town, data: Any) -> list[Change]:
    return changed_values(str(LABEL), field_labels(SettingsForm, FIELDS), export(town),
                          _read(data))


def apply(town, data: Any, actor) -> None:
    services.set_points_per_hour(town, _read(data)["points_per_hour"], actor=actor)


PARTS = (TemplatePart(KEY, LABEL, export, plan, apply, order=300),)
