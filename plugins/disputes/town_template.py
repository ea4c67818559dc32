"""The disputes' part of a town template (样板间, portal.town_templates): the town's rules (the
days of each step of the ladder, the screening day, the risk amounts, the group size, the
follow-up visits), checked with the rules page's own form and saved through its service (its
checks and its audit entry)."""
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.town_templates import Change, TemplateDataError, TemplatePart
from portal.town_templates.checks import (changed_values, field_labels, integers, mapping,
                                          with_form)

from . import services
from .forms import RulesForm
from .ladder import OPEN_STATES

KEY = "disputes.rules"
LABEL = _l("矛盾纠纷调处规则")
FIELDS = ("screening_day", "yellow_amount", "red_amount", "group_size", "followup_every",
          "followup_days")
DAY_FIELDS = tuple(f"days_{state}" for state in OPEN_STATES)


def _flat(rules: dict) -> dict[str, int]:
    """The rules as the rules page's fields name them (a step's days as ``days_<state>``)."""
    return {**{f"days_{s}": rules["days"][s] for s in OPEN_STATES},
            **{key: rules[key] for key in FIELDS}}


def export(town) -> dict:
    rules = services.rules(town)
    return {"days": {s: rules["days"][s] for s in OPEN_STATES},
            **{key: rules[key] for key in FIELDS}}


def _read(data: Any) -> dict:
    labels = field_labels(RulesForm, (*DAY_FIELDS, *FIELDS))
    data = mapping(data, str(LABEL))
    days = integers(data.get("days"), OPEN_STATES,
                    {s: labels[f"days_{s}"] for s in OPEN_STATES})
    values = integers(data, FIELDS, labels)
    with_form(RulesForm, {**{f"days_{s}": days[s] for s in OPEN_STATES}, **values})
    if values["red_amount"] < values["yellow_amount"]:
        raise TemplateDataError(_("黄色金额须大于0且不大于红色金额。"))
    return {"days": days, **values}


def plan(town, data: Any) -> list[Change]:
    labels = field_labels(RulesForm, (*DAY_FIELDS, *FIELDS))
    return changed_values(str(LABEL), labels, _flat(services.rules(town)), _flat(_read(data)))


def apply(town, data: Any, actor) -> None:
    services.set_rules(town, _read(data), actor=actor)


PARTS = (TemplatePart(KEY, LABEL, export, plan, apply, order=320),)
