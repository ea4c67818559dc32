"""The points supermarket's parts of a town template (样板间, portal.town_templates).

- ``points.rules``: who owns the points (per household or per resident), the town's points
  settings (every ``points.*`` town setting but bookkeeping), and its rules (积分事项) matched by
  name: new ones created, changed ones updated, none deleted. The rule each module's deed earns
  (``points.sources``) is stored by rule id, so the file names the rule and the import finds the
  target town's rule of that name.
- ``points.goods``: the catalogue of the town's supermarkets (name, price, unit); the import adds
  the goods a supermarket of the target town lacks, on the shelf with no stock (stock comes in
  through a restock, as always).
"""
from __future__ import annotations

import json
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.extensions import db
from portal.grids.models import Grid
from portal.i18n import colon, listing
from portal.settings import set_setting
from portal.settings.models import TownSetting
from portal.tenancy import in_subtree_where_on
from portal.town_templates import Change, TemplateDataError, TemplatePart
from portal.town_templates.checks import (distinct, flag, items, mapping, text, whole_number,
                                          with_form)

from . import ledger, town_settings
from .models import CATEGORIES, OWNERS, PointsAccount, PointsGoods, PointsRule, PointsShop

RULES_KEY = "points.rules"
GOODS_KEY = "points.goods"
RULES_LABEL = _l("积分规则与设置")
GOODS_LABEL = _l("积分超市商品目录")

#: Settings the part carries in its own way: who owns the points (only before the first
#: account), and the rule per deed (by name).
OWN_WAY = (ledger.OWNER_SETTING, town_settings.SOURCES_SETTING)
#: The settings the town's points settings form saves together (validated there).
FORM_SETTINGS = (town_settings.AT_ZERO_SETTING, town_settings.NOTICE_SETTING,
                 town_settings.VALID_SETTING)


def _setting_labels() -> dict[str, str]:
    from .forms import TownSettingsForm

    form = TownSettingsForm(formdata=None, meta={"csrf": False})
    return {town_settings.AT_ZERO_SETTING: str(form.at_zero.label.text),
            town_settings.NOTICE_SETTING: str(form.notice_days.label.text),
            town_settings.VALID_SETTING: str(form.valid_months.label.text)}


def _setting_text(key: str, value: Any) -> str:
    if value is None:
        return "—"
    if key == town_settings.AT_ZERO_SETTING:
        return str(town_settings.AT_ZERO.get(value, value))
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


# ---------------------------------------------------------------- rules and settings


def _rules(town) -> list[PointsRule]:
    return list(db.session.scalars(select(PointsRule).filter_by(town_id=town.id)
                                   .order_by(PointsRule.name)))


def _stored_settings(town) -> dict[str, Any]:
    """The town's ``points.*`` settings as stored, but bookkeeping and those carried their own
    way."""
    rows = db.session.execute(select(TownSetting.key, TownSetting.value).where(
        TownSetting.town_id == town.id, TownSetting.key.startswith("points.", autoescape=True)))
    return {key: json.loads(value) for key, value in rows
            if key not in town_settings.BOOKKEEPING and key not in OWN_WAY}


def _settings_now(town) -> dict[str, Any]:
    """What the town's settings are: stored, or the defaults for those the form saves."""
    return {**_stored_settings(town),
            town_settings.AT_ZERO_SETTING: town_settings.at_zero(town),
            town_settings.NOTICE_SETTING: town_settings.notice_days(town),
            town_settings.VALID_SETTING: town_settings.valid_months(town)}


def _deed_kinds(town) -> dict[str, str]:
    """{kind: label} of the deeds the modules on in the town reward."""
    from portal.plugins import host

    kinds: dict[str, str] = {}
    for declared in host().hook(town, "points_award_sources")() or []:
        kinds.update({kind: str(label) for kind, label in (declared or {}).items()})
    return kinds


def export_rules(town) -> dict:
    rules = _rules(town)
    names = {rule.id: rule.name for rule in rules}
    return {
        "owner": ledger.owner_mode(town),
        "settings": _settings_now(town),
        "sources": {kind: names[rule_id] for kind, rule_id in town_settings.sources(town).items()
                    if rule_id in names},
        "rules": [{"name": r.name, "points": r.points, "category_points": r.category_points or {},
                   "active": r.active} for r in rules],
    }


def _read_rule(item: Any) -> dict:
    from .forms import RuleForm

    item = mapping(item, str(_l("积分事项")))
    name = text(item.get("name"), str(_l("积分事项名称")), 64)
    what = _("积分事项“%(name)s”", name=name)
    points = whole_number(item.get("points"), what)
    shares = mapping(item.get("category_points") or {}, what)
    unknown = [c for c in shares if c not in CATEGORIES]
    if unknown:
        raise TemplateDataError(_("%(what)s的类别“%(c)s”不存在。", what=what, c=listing(unknown)))
    shares = {c: whole_number(v, what) for c, v in shares.items()}
    active = flag(item.get("active", True), what)
    try:  # the rules page's own checks: the range, never 0, the categories' sign
        with_form(RuleForm, {"name": name, "points": points, "active": active, **shares})
    except TemplateDataError as error:
        raise TemplateDataError(f"{what}{colon()}{error}") from None
    return {"name": name, "points": points, "category_points": shares, "active": active}


def _read_rules_part(town, data: Any) -> dict:
    data = mapping(data, str(RULES_LABEL))
    owner = data.get("owner", ledger.owner_mode(town))
    if owner not in OWNERS:
        raise TemplateDataError(_("积分归属只能是户或个人。"))
    settings = mapping(data.get("settings", {}), str(_l("积分设置")))
    for key in settings:
        if not isinstance(key, str) or not key.startswith("points.") or len(key) > 64 \
                or key in town_settings.BOOKKEEPING or key in OWN_WAY:
            raise TemplateDataError(_("积分设置“%(k)s”不能导入。", k=key))
    at_zero = settings.get(town_settings.AT_ZERO_SETTING, town_settings.at_zero(town))
    if at_zero not in town_settings.AT_ZERO:
        raise TemplateDataError(_("请选择余额不足时的扣分方式。"))
    labels = _setting_labels()
    for key in (town_settings.NOTICE_SETTING, town_settings.VALID_SETTING):
        if key in settings:
            whole_number(settings[key], labels[key])
    rules = [_read_rule(item) for item in items(data.get("rules", []), str(_l("积分事项")))]
    distinct((r["name"] for r in rules), str(_l("积分事项")))
    sources = mapping(data.get("sources", {}), str(_l("各模块积分事项")))
    known = {r.name for r in _rules(town)} | {r["name"] for r in rules}
    for name in sources.values():
        if not isinstance(name, str) or name not in known:
            raise TemplateDataError(_("模块奖励所用的积分事项“%(name)s”既不在文件中，也不在本镇。",
                                      name=name))
    return {"owner": owner, "settings": settings, "rules": rules, "sources": sources}


def _has_accounts(town) -> bool:
    return db.session.scalar(select(PointsAccount.id).filter_by(town_id=town.id).limit(1)) \
        is not None


def _rule_text(rule: dict) -> str:
    from .forms import CATEGORY_LABELS

    parts = [_("%(n)d分", n=rule["points"])]
    parts += [f"{CATEGORY_LABELS[c]}{rule['category_points'][c]}"
              for c in CATEGORIES if c in rule["category_points"]]
    if not rule["active"]:
        parts.append(_("停用"))
    return listing(parts)


def _rule_now(rule: PointsRule) -> dict:
    return {"points": rule.points, "category_points": dict(rule.category_points or {}),
            "active": rule.active}


def _sources_wanted(town, data: dict) -> dict[str, str]:
    """{kind: rule name} the file sets for the deeds the target town's modules reward."""
    kinds = _deed_kinds(town)
    return {kind: name for kind, name in data["sources"].items() if kind in kinds}


def plan_rules(town, data: Any) -> list[Change]:
    from .forms import OWNER_LABELS

    data = _read_rules_part(town, data)
    part = str(RULES_LABEL)
    changes = []
    owner = ledger.owner_mode(town)
    if data["owner"] != owner:
        what, old, new = str(_l("积分归属")), str(OWNER_LABELS[owner]), \
            str(OWNER_LABELS[data["owner"]])
        if _has_accounts(town):
            changes.append(Change(part, what, old, new, note=_(
                "本镇已有积分账户，积分归属保持“%(old)s”。", old=old)))
        else:
            changes.append(Change(part, what, old, new))
    existing = {rule.name: rule for rule in _rules(town)}
    for rule in data["rules"]:
        found = existing.get(rule["name"])
        if found is None:
            changes.append(Change(part, _("积分事项“%(n)s”", n=rule["name"]), None, _rule_text(rule)))
        elif _rule_now(found) != {k: rule[k] for k in ("points", "category_points", "active")}:
            changes.append(Change(part, _("积分事项“%(n)s”", n=rule["name"]),
                                  _rule_text({"name": found.name, **_rule_now(found)}),
                                  _rule_text(rule)))
    labels, now = _setting_labels(), _settings_now(town)
    for key, value in data["settings"].items():
        if now.get(key) != value:
            changes.append(Change(part, labels.get(key, key), _setting_text(key, now.get(key)),
                                  _setting_text(key, value)))
    kinds = _deed_kinds(town)
    names = {rule.id: rule.name for rule in existing.values()}
    chosen = {kind: names.get(rule_id) for kind, rule_id in town_settings.sources(town).items()}
    for kind, name in data["sources"].items():
        what = _("“%(k)s”所得积分事项", k=kinds.get(kind, kind))
        if kind not in kinds:
            changes.append(Change(part, what, None, name,
                                  note=_("本镇没有开启奖励这项的模块，不导入。")))
        elif chosen.get(kind) != name:
            changes.append(Change(part, what, chosen.get(kind) or "—", name))
    return changes


def apply_rules(town, data: Any, actor) -> None:
    from . import town_rules

    data = _read_rules_part(town, data)
    existing = {rule.name: rule for rule in _rules(town)}
    for rule in data["rules"]:
        found = existing.get(rule["name"])
        wanted = {k: rule[k] for k in ("points", "category_points", "active")}
        if found is None:
            existing[rule["name"]] = town_rules.save_rule(
                PointsRule(town_id=town.id), name=rule["name"], **wanted,
                action="points.rule_create")
        elif _rule_now(found) != wanted:
            town_rules.save_rule(found, name=found.name, **wanted, action="points.rule_update")
    if data["owner"] != ledger.owner_mode(town) and not _has_accounts(town):
        ledger.set_owner_mode(town, data["owner"], actor=actor)
    settings, now = data["settings"], _settings_now(town)
    sources = {**town_settings.sources(town),
               **{kind: existing[name].id for kind, name in _sources_wanted(town, data).items()}}
    if any(now.get(key) != settings[key] for key in FORM_SETTINGS if key in settings) \
            or sources != town_settings.sources(town):
        # through the settings form's service: its checks (ranges, a deed earns an award rule
        # of this town) and its audit entry
        town_settings.save(
            town, at_zero=settings.get(town_settings.AT_ZERO_SETTING, now[town_settings.AT_ZERO_SETTING]),
            notice_days=settings.get(town_settings.NOTICE_SETTING, now[town_settings.NOTICE_SETTING]),
            valid_months=settings.get(town_settings.VALID_SETTING, now[town_settings.VALID_SETTING]),
            sources=sources, actor=actor)
    for key, value in settings.items():
        if key not in FORM_SETTINGS and now.get(key) != value:
            set_setting(town, key, value)  # a setting added since: copied as the model has it


# ---------------------------------------------------------------- the goods catalogue


def _shops(town, active_only: bool = True) -> list[PointsShop]:
    query = (select(PointsShop).join(Grid, Grid.id == PointsShop.grid_id)
             .where(in_subtree_where_on("points", town)).order_by(Grid.code, PointsShop.id))
    if active_only:
        query = query.where(PointsShop.active.is_(True))
    return list(db.session.scalars(query))


def export_goods(town) -> list:
    """The goods on offer in the town's supermarkets, once per name (the first supermarket's
    price where two differ)."""
    shops = _shops(town)
    rows = db.session.scalars(select(PointsGoods).where(
        PointsGoods.shop_id.in_([s.id for s in shops]), PointsGoods.active.is_(True))
        .order_by(PointsGoods.shop_id, PointsGoods.id)).all()
    order = {shop.id: n for n, shop in enumerate(shops)}
    catalogue: dict[str, dict] = {}
    for goods in sorted(rows, key=lambda g: (order[g.shop_id], g.id)):
        catalogue.setdefault(goods.name, {"name": goods.name, "price": goods.price,
                                          "unit": goods.unit})
    return sorted(catalogue.values(), key=lambda g: g["name"])


def _read_goods(data: Any) -> list[dict]:
    from .forms import GoodsForm

    catalogue = []
    for item in items(data, str(GOODS_LABEL)):
        item = mapping(item, str(GOODS_LABEL))
        name = text(item.get("name"), str(_l("商品名称")), 64)
        what = _("商品“%(name)s”", name=name)
        price = whole_number(item.get("price"), what)
        unit = text(item.get("unit"), what, 8, required=False)
        try:
            with_form(GoodsForm, {"name": name, "price": price, "unit": unit or "",
                                  "active": True})
        except TemplateDataError as error:
            raise TemplateDataError(f"{what}{colon()}{error}") from None
        catalogue.append({"name": name, "price": price, "unit": unit})
    distinct((g["name"] for g in catalogue), str(_l("商品")))
    return catalogue


def _missing(town, catalogue: list[dict]) -> list[tuple[PointsShop, dict]]:
    """(shop, goods) of each goods a supermarket of the town has under no name yet."""
    shops = _shops(town)
    held: dict[int, set[str]] = {shop.id: set() for shop in shops}
    for shop_id, name in db.session.execute(select(PointsGoods.shop_id, PointsGoods.name).where(
            PointsGoods.shop_id.in_(list(held)))):
        held[shop_id].add(name)
    return [(shop, goods) for shop in shops for goods in catalogue
            if goods["name"] not in held[shop.id]]


def _price_text(goods: dict) -> str:
    if goods["unit"]:
        return _("%(n)d分/%(unit)s", n=goods["price"], unit=goods["unit"])
    return _("%(n)d分", n=goods["price"])


def plan_goods(town, data: Any) -> list[Change]:
    catalogue, part = _read_goods(data), str(GOODS_LABEL)
    if catalogue and not _shops(town):
        return [Change(part, str(_l("商品目录")), None, None,
                       note=_("本镇还没有开放的积分超市，商品不导入；先添加积分超市再导入。"))]
    return [Change(part, f"{shop.name}{colon()}{goods['name']}", None, _price_text(goods))
            for shop, goods in _missing(town, catalogue)]


def apply_goods(town, data: Any, actor) -> None:
    from .shop import save_goods

    for shop, goods in _missing(town, _read_goods(data)):
        save_goods(PointsGoods(shop_id=shop.id, stock=0), name=goods["name"],
                   price=goods["price"], unit=goods["unit"], active=True, photo_file=None,
                   action="points.goods_create")


PARTS = (
    TemplatePart(RULES_KEY, RULES_LABEL, export_rules, plan_rules, apply_rules, order=100),
    TemplatePart(GOODS_KEY, GOODS_LABEL, export_goods, plan_goods, apply_goods, order=110),
)
