"""A town's choices about its grid workers' work, kept as one town setting
(``grid_work.rules``, portal.settings) so that a town that never chose has the defaults and a
town template copies them as they are:

- ``min_credits``: training credits (学分) a worker should earn a year (the articles: at least 2);
- ``patrol_days``: days of patrol a worker owes in a month (the articles: daily; 22 working days);
- ``five_small_amount``: yuan for each five-small case a worker found and solved (Xiangyang:
  20–30), and ``major_min`` / ``major_max``: the range an admin chooses from for a major one
  (Xiangyang: 100–300).
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal import audit
from portal.errors import DomainError
from portal.settings import get_setting, set_setting

SETTING = "grid_work.rules"
DEFAULTS = {"min_credits": 2, "patrol_days": 22, "five_small_amount": 25, "major_min": 100,
            "major_max": 300}
LABELS = {"min_credits": _l("每年最少培训学分"), "patrol_days": _l("每月应巡查天数"),
          "five_small_amount": _l("“五小”问题每件奖励(元)"),
          "major_min": _l("重大问题奖励下限(元)"), "major_max": _l("重大问题奖励上限(元)")}
#: What a value may be (a form checks the same): days of a month, credits of a year, yuan.
RANGES = {"min_credits": (0, 50), "patrol_days": (0, 31), "five_small_amount": (0, 1000),
          "major_min": (0, 10000), "major_max": (0, 10000)}


def rules(town) -> dict[str, int]:
    """The town's choices over the defaults (the defaults above a town)."""
    stored = get_setting(town, SETTING, {}) or {}
    return {key: int(stored.get(key, default)) for key, default in DEFAULTS.items()}


def check(values: dict) -> dict[str, int]:
    """The values as stored, or DomainError naming the field at fault."""
    checked = {}
    for key, (low, high) in RANGES.items():
        value = values.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise DomainError(_("“%(what)s”应为%(low)d到%(high)d之间的整数。", what=LABELS[key],
                                low=low, high=high), key)
        checked[key] = value
    if checked["major_min"] > checked["major_max"]:
        raise DomainError(_("重大问题奖励的下限不能高于上限。"), "major_max")
    return checked


def save(town, values: dict, actor=None) -> dict[str, int]:
    checked = check(values)
    before = rules(town)
    set_setting(town, SETTING, checked)
    audit.record("grid_work.rules", town, scope_code=town.code, user=actor, before=before,
                 value=checked)
    return checked
