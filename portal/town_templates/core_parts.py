"""The core's parts of a town template: what the town's case rules page keeps (categories,
deadlines, the call-back rule, the categories published through Open311, its reply templates)
and its visit intervals. Each is checked with the town's own settings form."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.extensions import db
from portal.i18n import listing
from portal.settings import get_setting, set_setting
from portal.town_templates import Change, TemplateDataError, TemplatePart
from portal.town_templates.checks import (changed_values, distinct, field_labels, items,
                                          mapping, text, whole_number, with_form)

CASE_RULES = "cases.rules"
CASE_REPLIES = "cases.replies"
VISIT_DAYS = "people.visit_days"

CASE_RULES_LABEL = _l("事件规则")
CASE_REPLIES_LABEL = _l("常用回复")
VISIT_DAYS_LABEL = _l("走访周期")


# ---------------------------------------------------------------- case rules


def _case_rules_now(town) -> dict:
    from portal.cases import open311_publication as publication
    from portal.cases.callbacks import callback_days
    from portal.cases.deadlines import DEFAULT_DEADLINES, SETTING
    from portal.cases.settings_views import town_categories

    return {"categories": town_categories(town),
            "deadlines": {**DEFAULT_DEADLINES, **get_setting(town, SETTING, DEFAULT_DEADLINES)},
            "callback_days": callback_days(town),
            "open311_public": publication.public_categories(town)}


def _category_names(codes) -> str:
    from portal.cases.forms import CATEGORY_LABELS

    return listing(CATEGORY_LABELS.get(c, c) for c in codes) or "—"


def _read_case_rules(town, data: Any) -> dict:
    """The file's case rules, checked with the case rules page's own form; a deadline the file
    leaves out (a file from before it existed) keeps the town's value."""
    from portal.cases import open311_publication as publication
    from portal.cases.deadlines import DEFAULT_DEADLINES
    from portal.cases.models import CATEGORIES
    from portal.cases.settings_views import RulesForm

    data = mapping(data, str(CASE_RULES_LABEL))
    labels = field_labels(RulesForm, [*DEFAULT_DEADLINES, "categories", "callback_days",
                                      "open311_public"])
    now = _case_rules_now(town)
    categories = items(data.get("categories"), labels["categories"])
    for code in categories:
        if code not in CATEGORIES:
            raise TemplateDataError(_("没有“%(c)s”这个事件类别。", c=code))
    public = items(data.get("open311_public", []), labels["open311_public"])
    if not all(isinstance(code, str) for code in public):
        raise TemplateDataError(_("“%(what)s”的格式不对。", what=labels["open311_public"]))
    deadlines = mapping(data.get("deadlines", {}), str(_l("办理时限")))
    unknown = [key for key in deadlines if key not in DEFAULT_DEADLINES]
    if unknown:
        raise TemplateDataError(_("未知的办理时限：%(k)s", k=listing(unknown)))
    deadlines = {**now["deadlines"],
                 **{key: whole_number(value, labels[key]) for key, value in deadlines.items()}}
    days = whole_number(data.get("callback_days", now["callback_days"]), labels["callback_days"])
    with_form(RulesForm, {**deadlines, "categories": categories, "callback_days": days,
                          "open311_public": public})
    return {"categories": [c for c in CATEGORIES if c in categories],
            "deadlines": deadlines, "callback_days": days,
            "open311_public": [c for c in publication.PUBLISHABLE if c in public]}


def _export_case_rules(town) -> dict:
    return _case_rules_now(town)


def _plan_case_rules(town, data) -> list[Change]:
    from portal.cases.deadlines import DEFAULT_DEADLINES
    from portal.cases.settings_views import RulesForm

    new, old = _read_case_rules(town, data), _case_rules_now(town)
    part = str(CASE_RULES_LABEL)
    labels = field_labels(RulesForm, [*DEFAULT_DEADLINES, "categories", "callback_days",
                                      "open311_public"])
    changes = []
    for key in ("categories", "open311_public"):
        if set(new[key]) != set(old[key]):
            changes.append(Change(part, labels[key], _category_names(old[key]),
                                  _category_names(new[key])))
    changes += changed_values(part, {k: labels[k] for k in DEFAULT_DEADLINES},
                              old["deadlines"], new["deadlines"])
    changes += changed_values(part, {"callback_days": labels["callback_days"]}, old, new)
    return changes


def _apply_case_rules(town, data, actor) -> None:
    from portal.cases import open311_publication as publication
    from portal.cases.callbacks import SETTING as CALLBACK_SETTING
    from portal.cases.deadlines import SETTING
    from portal.cases.settings_views import CATEGORY_SETTING

    new = _read_case_rules(town, data)
    set_setting(town, SETTING, new["deadlines"])
    set_setting(town, CATEGORY_SETTING, new["categories"])
    set_setting(town, publication.SETTING,
                [c for c in publication.PUBLISHABLE if c in new["open311_public"]])
    set_setting(town, CALLBACK_SETTING, new["callback_days"])


# ---------------------------------------------------------------- reply templates


def _replies_now(town) -> dict[str, Any]:
    from portal.cases.settings_views import town_templates

    return {row.title: row for row in town_templates(town)}


def _read_replies(data: Any) -> list[dict]:
    from portal.cases.settings_views import TemplateForm

    labels = field_labels(TemplateForm, ["title", "text"])
    rows = []
    for item in items(data, str(CASE_REPLIES_LABEL)):
        item = mapping(item, str(CASE_REPLIES_LABEL))
        rows.append({"title": text(item.get("title"), labels["title"], 40),
                     "text": text(item.get("text"), labels["text"], 2000)})
    distinct((r["title"] for r in rows), str(CASE_REPLIES_LABEL))
    return rows


def _export_replies(town) -> list:
    return [{"title": row.title, "text": row.text} for row in _replies_now(town).values()]


def _plan_replies(town, data) -> list[Change]:
    part, now = str(CASE_REPLIES_LABEL), _replies_now(town)
    changes = []
    for row in _read_replies(data):
        found = now.get(row["title"])
        if found is None:
            changes.append(Change(part, row["title"], None, row["text"]))
        elif found.text != row["text"]:
            changes.append(Change(part, row["title"], found.text, row["text"]))
    return changes


def _apply_replies(town, data, actor) -> None:
    from portal.cases.models import ResponseTemplate

    now = _replies_now(town)
    for row in _read_replies(data):
        found = now.get(row["title"])
        if found is None:
            db.session.add(ResponseTemplate(town_id=town.id, title=row["title"], text=row["text"]))
        else:
            found.text = row["text"]  # none is deleted: a town keeps the replies it wrote


# ---------------------------------------------------------------- visit intervals


def _read_visit_days(data: Any) -> dict[str, int]:
    from portal.people.forms import VisitRulesForm
    from portal.people.visits import DEFAULT_VISIT_DAYS

    labels = field_labels(VisitRulesForm, DEFAULT_VISIT_DAYS)
    data = mapping(data, str(VISIT_DAYS_LABEL))
    unknown = [key for key in data if key not in DEFAULT_VISIT_DAYS]
    if unknown:
        raise TemplateDataError(_("未知的走访周期：%(k)s", k=listing(unknown)))
    values = {key: whole_number(data[key], labels[key]) for key in DEFAULT_VISIT_DAYS
              if key in data}
    missing = [labels[key] for key in DEFAULT_VISIT_DAYS if key not in values]
    if missing:
        raise TemplateDataError(_("缺少走访周期：%(k)s", k=listing(missing)))
    with_form(VisitRulesForm, values)
    return values


def _export_visit_days(town) -> dict:
    from portal.people.visits import visit_days

    return dict(visit_days(town))


def _plan_visit_days(town, data) -> list[Change]:
    from portal.people.forms import VisitRulesForm
    from portal.people.visits import DEFAULT_VISIT_DAYS, visit_days

    return changed_values(str(VISIT_DAYS_LABEL), field_labels(VisitRulesForm, DEFAULT_VISIT_DAYS),
                          visit_days(town), _read_visit_days(data))


def _apply_visit_days(town, data, actor) -> None:
    from portal.people.visits import set_visit_days

    # audited as the visit rules page does; the households' due days follow before the commit
    set_visit_days(town, _read_visit_days(data), actor=actor)


def core_parts() -> list[TemplatePart]:
    return [
        TemplatePart(CASE_RULES, CASE_RULES_LABEL, _export_case_rules, _plan_case_rules,
                     _apply_case_rules, order=10),
        TemplatePart(CASE_REPLIES, CASE_REPLIES_LABEL, _export_replies, _plan_replies,
                     _apply_replies, order=20),
        TemplatePart(VISIT_DAYS, VISIT_DAYS_LABEL, _export_visit_days, _plan_visit_days,
                     _apply_visit_days, order=30),
    ]
