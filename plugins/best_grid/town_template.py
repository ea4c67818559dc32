"""The best-grid contest's part of a town template (样板间, portal.town_templates).

What a town reuses from one contest to the next is its classes of grids and the criteria,
weights and prizes of its latest contest; the grids, dates and results are its own. So the file
carries the class names and the latest contest's criteria and prizes, and the import:

- creates the classes the town lacks (by name; none is deleted, the grids are placed by the
  town itself, since a grid belongs to one town);
- keeps the criteria and prizes as the town's default (setting ``best_grid.defaults``), which
  the new-contest form starts from (``fill_contest_form``). A measured criterion the target town
  cannot measure (its module off there) is kept but not offered, as the preview says.
"""
from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.extensions import db
from portal.i18n import listing
from portal.settings import get_setting, set_setting
from portal.town_templates import Change, TemplateDataError, TemplatePart
from portal.town_templates.checks import distinct, items, mapping, text, whole_number

from .forms import JUDGED_SLOTS
from .models import BestGridClass, BestGridContest

KEY = "best_grid.contest"
LABEL = _l("网格评比的分类和指标")
#: The town's default criteria and prizes for a new contest.
DEFAULTS_SETTING = "best_grid.defaults"
PRIZE_RANKS = ("1", "2", "3")
MEASURE_KEY = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_.]*$")
JUDGED_KEY = re.compile(r"^judged:([1-9])$")


def _classes(town) -> list[BestGridClass]:
    return list(db.session.scalars(select(BestGridClass).filter_by(town_id=town.id)
                                   .order_by(BestGridClass.position, BestGridClass.id)))


def defaults(town) -> dict:
    """The criteria and prizes a new contest of ``town`` starts from (none: empty)."""
    stored = get_setting(town, DEFAULTS_SETTING, {})
    return {"criteria": list(stored.get("criteria", [])), "prizes": dict(stored.get("prizes", {}))}


def export(town) -> dict:
    latest = db.session.scalar(select(BestGridContest).filter_by(town_id=town.id)
                               .order_by(BestGridContest.starts_on.desc(),
                                         BestGridContest.id.desc()).limit(1))
    if latest is not None:
        chosen = {"criteria": [{"key": c.key, "label": c.label, "weight": c.weight}
                               for c in latest.criteria],
                  "prizes": {rank: int(value) for rank, value in (latest.prizes or {}).items()}}
    else:  # no contest yet: what an earlier template gave it, if anything
        chosen = defaults(town)
    return {"classes": [k.name for k in _classes(town)], **chosen}


def _read(data: Any) -> dict:
    data = mapping(data, str(LABEL))
    what = str(_l("网格分类"))
    classes = [text(name, what, 32) for name in items(data.get("classes", []), what)]
    distinct(classes, what)
    criteria = []
    for item in items(data.get("criteria", []), str(_l("评比指标"))):
        item = mapping(item, str(_l("评比指标")))
        label = text(item.get("label"), str(_l("评比指标名称")), 64)
        key = item.get("key")
        if not isinstance(key, str) or len(key) > 40 or not (
                MEASURE_KEY.match(key) or (JUDGED_KEY.match(key)
                                           and int(JUDGED_KEY.match(key)[1]) in JUDGED_SLOTS)):
            raise TemplateDataError(_("评比指标“%(l)s”的代码不对。", l=label))
        weight = whole_number(item.get("weight"), _("“%(l)s”的权重", l=label), 1, 100)
        criteria.append({"key": key, "label": label, "weight": weight})
    distinct((c["key"] for c in criteria), str(_l("评比指标")))
    if criteria and sum(c["weight"] for c in criteria) != 100:
        raise TemplateDataError(_("各项权重之和须为100，现在是 %(n)d。",
                                  n=sum(c["weight"] for c in criteria)))
    prizes = mapping(data.get("prizes", {}), str(_l("奖金")))
    for rank, value in prizes.items():
        if rank not in PRIZE_RANKS:
            raise TemplateDataError(_("奖金只能设第一到第三名。"))
        whole_number(value, _("第%(n)s名奖金(元)", n=rank), 0, 1000000)
    return {"classes": classes, "criteria": criteria,
            "prizes": {rank: prizes[rank] for rank in PRIZE_RANKS if rank in prizes}}


def _criteria_text(criteria: list[dict]) -> str:
    return listing(f"{c['label']} {c['weight']}%" for c in criteria) or "—"


def _prizes_text(prizes: dict) -> str:
    return listing(_("第%(n)s名%(y)d元", n=rank, y=prizes[rank])
                   for rank in PRIZE_RANKS if rank in prizes) or "—"


def plan(town, data: Any) -> list[Change]:
    from .scoring import available_measures

    new, part = _read(data), str(LABEL)
    have = {k.name for k in _classes(town)}
    changes = [Change(part, _("网格分类“%(n)s”", n=name), None, None)
               for name in new["classes"] if name not in have]
    now = defaults(town)
    if new["criteria"] and new["criteria"] != now["criteria"]:
        changes.append(Change(part, str(_l("新建评比时默认的指标和权重")),
                              _criteria_text(now["criteria"]), _criteria_text(new["criteria"])))
        available = available_measures(town)
        for c in new["criteria"]:
            if not c["key"].startswith("judged:") and c["key"] not in available:
                changes.append(Change(part, c["label"], None, None, note=_(
                    "本镇没有这项数据(相应模块未开启)，新建评比时不预填，其余权重需自行调整。")))
    if new["prizes"] and new["prizes"] != now["prizes"]:
        changes.append(Change(part, str(_l("新建评比时默认的奖金")), _prizes_text(now["prizes"]),
                              _prizes_text(new["prizes"])))
    return changes


def apply(town, data: Any, actor) -> None:
    from . import services

    new = _read(data)
    have = {k.name for k in _classes(town)}
    for name in new["classes"]:
        if name not in have:
            services.create_class(town, name, actor=actor)
    now = defaults(town)
    wanted = {"criteria": new["criteria"] or now["criteria"],
              "prizes": new["prizes"] or now["prizes"]}
    if wanted != now:
        set_setting(town, DEFAULTS_SETTING, wanted)


def fill_contest_form(form, town) -> None:
    """Start a new contest's form (not yet posted) from the town's default criteria and
    prizes: the measured ones the town offers, the judged ones in their slots."""
    chosen = defaults(town)
    for criterion in chosen["criteria"]:
        judged = JUDGED_KEY.match(criterion["key"])
        if judged and f"judged-{judged[1]}" in form:
            form[f"judged-{judged[1]}"].data = criterion["label"]
            form[f"jw-{judged[1]}"].data = criterion["weight"]
        elif f"w-{criterion['key']}" in form:
            form[f"w-{criterion['key']}"].data = criterion["weight"]
    for rank, value in chosen["prizes"].items():
        if f"prize{rank}" in form:
            form[f"prize{rank}"].data = value


PARTS = (TemplatePart(KEY, LABEL, export, plan, apply, order=200),)
