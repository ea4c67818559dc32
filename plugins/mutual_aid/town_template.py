"""The mutual-aid groups' part of a town template (样板间, portal.town_templates): the town's
rules (how many households a group has, points per help given), checked with the rules page's
own form and saved through its service (its checks and its audit entry)."""
from typing import Any

from flask_babel import lazy_gettext as _l

from portal.town_templates import Change, TemplatePart
from portal.town_templates.checks import changed_values, field_labels, integers, with_form

from . import services
from .forms import RulesForm

KEY = "mutual_aid.rules"
LABEL = _l("邻里互助规则")
FIELDS = ("min_households", "max_households", "points_per_help")


def export(town) -> dict:
    rules = services.rules(town)
    return {key: rules[key] for key in FIELDS}


def _read(data: Any) -> dict[str, int]:
    values = integers(data, FIELDS, field_labels(RulesForm, FIELDS))
    with_form(RulesForm, values)
    return values


def plan(town, data: Any) -> list[Change]:
    return changed_values(str(LABEL), field_labels(RulesForm, FIELDS), export(town), _read(data))


def apply(town, data: Any, actor) -> None:
    services.set_rules(town, **_read(data), actor=actor)


PARTS = (TemplatePart(KEY, LABEL, export, plan, apply, order=310),)
