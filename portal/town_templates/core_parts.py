"""The core's parts of a town template: what the town's case rules page keeps (categories,
deadlines, the call-back rule, the categories published through Open311, its reply templates),
its visit intervals, its grid size standard, the fields its information completeness requires
and the staff posts its notice boards know. Each is checked with the town's own settings form."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.extensions import db
from portal.i18n import listing
from portal.settings import get_setting, set_setting
from portal.town_templates import Change, TemplateDataError, TemplatePart
from portal.town_templates.checks import (changed_values, distinct, field_labels, integers,
                                          items, mapping, text, whole_number, with_form)

CASE_RULES = "cases.rules"
CASE_REPLIES = "cases.replies"
VISIT_DAYS = "people.visit_days"

CASE_RULES_LABEL = _l("事件规则")
CASE_REPLIES_LABEL = _l("常用回复")
VISIT_DAYS_LABEL = _l("走访周期")
SIZE = "grids.size_standard"
REQUIRED = "people.required_fields"
POSTS = "grids.extra_posts"
SIZE_LABEL = _l("网格规模标准")
REQUIRED_LABEL = _l("信息采集必填项")
POSTS_LABEL = _l("网格岗位")


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


# ---------------------------------------------------------------- grid size standard


def _read_size(data: Any) -> dict[str, int]:
    """The file's range, checked with the size page's form and then the service's cross-field
    rules (the lower bound not above the upper one …)."""
    from portal.errors import DomainError
    from portal.grids.size_standards import DEFAULT_SIZE, check_standard
    from portal.grids.size_views import SizeStandardForm

    values = integers(data, DEFAULT_SIZE, field_labels(SizeStandardForm, DEFAULT_SIZE))
    with_form(SizeStandardForm, values)
    try:
        return check_standard(values)
    except DomainError as refused:
        raise TemplateDataError(str(refused)) from refused


def _export_size(town) -> dict:
    from portal.grids.size_standards import size_standard

    return dict(size_standard(town))


def _plan_size(town, data) -> list[Change]:
    from portal.grids.size_standards import DEFAULT_SIZE, size_standard
    from portal.grids.size_views import SizeStandardForm

    return changed_values(str(SIZE_LABEL), field_labels(SizeStandardForm, DEFAULT_SIZE),
                          size_standard(town), _read_size(data))


def _apply_size(town, data, actor) -> None:
    from portal.grids.size_standards import set_size_standard

    set_size_standard(town, _read_size(data), actor=actor)


# ---------------------------------------------------------------- required fields


def _read_required(data: Any) -> dict[str, Any]:
    from portal.people.completeness import LABELS
    from portal.people.completeness_views import RequiredFieldsForm

    labels = field_labels(RequiredFieldsForm, ["households", "residents", "target"])
    data = mapping(data, str(REQUIRED_LABEL))
    value: dict[str, Any] = {}
    for kind in ("households", "residents"):
        chosen = items(data.get(kind, []), labels[kind])
        unknown = [str(f) for f in chosen if f not in LABELS[kind]]
        if unknown:
            raise TemplateDataError(_("“%(what)s”中没有这一项：%(k)s", what=labels[kind],
                                      k=listing(unknown)))
        value[kind] = [f for f in LABELS[kind] if f in chosen]
    if not value["households"] and not value["residents"]:
        raise TemplateDataError(_("请至少选择一项必填信息。"))
    value["target"] = whole_number(data.get("target"), labels["target"], 0, 100)
    return value


def _export_required(town) -> dict:
    from portal.people.completeness import required_fields

    return dict(required_fields(town))


def _required_text(kind: str, value: Any) -> str:
    from portal.people.completeness import LABELS

    if kind == "target":
        return f"{value}%"
    return listing(str(LABELS[kind].get(f, f)) for f in value or []) or "—"


def _plan_required(town, data) -> list[Change]:
    from portal.people.completeness import required_fields
    from portal.people.completeness_views import RequiredFieldsForm

    keys = ["households", "residents", "target"]
    return changed_values(str(REQUIRED_LABEL), field_labels(RequiredFieldsForm, keys),
                          required_fields(town), _read_required(data), shown=_required_text)


def _apply_required(town, data, actor) -> None:
    from portal.people.completeness import set_required_fields

    value = _read_required(data)
    set_required_fields(town, value["households"], value["residents"], value["target"],
                        actor=actor)


# ---------------------------------------------------------------- staff posts


def _read_posts(data: Any) -> list[dict[str, str]]:
    """The file's posts by label (a town's own post's code is made from its label, so the same
    label gives the same code in the target town); checked by the posts page's service."""
    from portal.errors import DomainError
    from portal.grids.staff_posts import READY, build_posts

    by_label = {str(label): code for code, label in READY.items()}
    ready, own = [], []
    for item in items(data, str(POSTS_LABEL)):
        item = mapping(item, str(POSTS_LABEL))
        code = item.get("code")
        if isinstance(code, str) and code in READY:
            ready.append(code)
            continue
        label = text(item.get("label"), str(POSTS_LABEL), 100)
        assert label is not None  # required
        if label in by_label:
            ready.append(by_label[label])
        else:
            own.append(label)
    distinct(own, str(POSTS_LABEL))
    try:
        return build_posts(ready, own)
    except DomainError as refused:
        raise TemplateDataError(str(refused)) from refused


def _export_posts(town) -> list:
    from portal.grids.staff_posts import town_posts

    return town_posts(town)


def _plan_posts(town, data) -> list[Change]:
    from portal.grids.staff_posts import town_posts

    part = str(POSTS_LABEL)
    old = [p["label"] for p in town_posts(town)]
    new = [p["label"] for p in _read_posts(data)]
    if old == new:
        return []
    return [Change(part, part, listing(old) or "—", listing(new) or "—")]


def _apply_posts(town, data, actor) -> None:
    from portal.grids.staff_posts import READY, set_town_posts

    posts = _read_posts(data)
    set_town_posts(town, [p["code"] for p in posts if p["code"] in READY],
                   [p["label"] for p in posts if p["code"] not in READY], actor=actor)


def core_parts() -> list[TemplatePart]:
    return [
        TemplatePart(CASE_RULES, CASE_RULES_LABEL, _export_case_rules, _plan_case_rules,
                     _apply_case_rules, order=10),
        TemplatePart(CASE_REPLIES, CASE_REPLIES_LABEL, _export_replies, _plan_replies,
                     _apply_replies, order=20),
        TemplatePart(VISIT_DAYS, VISIT_DAYS_LABEL, _export_visit_days, _plan_visit_days,
                     _apply_visit_days, order=30),
        TemplatePart(SIZE, SIZE_LABEL, _export_size, _plan_size, _apply_size, order=40),
        TemplatePart(REQUIRED, REQUIRED_LABEL, _export_required, _plan_required,
                     _apply_required, order=50),
        TemplatePart(POSTS, POSTS_LABEL, _export_posts, _plan_posts, _apply_posts, order=60),
    ]
