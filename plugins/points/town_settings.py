"""A town's choices about its points, besides its rules: what a deduction does at zero, how long
an award stays on public notice before it may be spent, how long points stay valid, and which
rule each module's deeds earn. Kept as town settings (portal.settings), one key each, so a town
that never chose has the defaults and a town template (样板间) copies them as they are."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal import audit
from portal.errors import DomainError
from portal.settings import get_setting, set_setting

#: A deduction larger than the balance: stop at zero, or keep what is left as a debt that the next
#: awards pay back first (shown on the statement).
AT_ZERO = {"floor": _l("扣到0为止"), "debt": _l("记为欠分，下次获得积分时先抵扣")}
AT_ZERO_SETTING = "points.at_zero"
NOTICE_SETTING = "points.notice_days"
VALID_SETTING = "points.valid_months"
SOURCES_SETTING = "points.sources"
#: The day the worker last expired the town's points (bookkeeping, not a choice: a town
#: template leaves it out).
EXPIRED_ON_SETTING = "points.expired_on"
BOOKKEEPING = (EXPIRED_ON_SETTING,)

MAX_NOTICE_DAYS = 30
MAX_VALID_MONTHS = 120


def at_zero(town) -> str:
    return get_setting(town, AT_ZERO_SETTING, "floor")


def notice_days(town) -> int:
    """Days an award stays on public notice before it may be spent (0: no notice window)."""
    return int(get_setting(town, NOTICE_SETTING, 0) or 0)


def valid_months(town) -> int:
    """Months an award stays valid (0: points never expire)."""
    return int(get_setting(town, VALID_SETTING, 0) or 0)


def sources(town) -> dict[str, int]:
    """{source kind: rule id}: the rule each module's deed earns in the town (none: nothing)."""
    return {key: int(value) for key, value in (get_setting(town, SOURCES_SETTING, {}) or {}).items()
            if value}


def set_notice_days(town, days: int, actor=None) -> None:
    save(town, at_zero=at_zero(town), notice_days=days, valid_months=valid_months(town),
         sources=sources(town), actor=actor)


def save(town, *, at_zero: str, notice_days: int, valid_months: int, sources: dict[str, int],
         actor=None) -> None:
    """All of a town's choices at once (the settings form sends them together)."""
    from .models import PointsRule
    from portal.extensions import db

    if at_zero not in AT_ZERO:
        raise DomainError(_("请选择余额不足时的扣分方式。"), field="at_zero")
    if not 0 <= notice_days <= MAX_NOTICE_DAYS:
        raise DomainError(_("公示天数应在0到%(n)d之间。", n=MAX_NOTICE_DAYS), field="notice_days")
    if not 0 <= valid_months <= MAX_VALID_MONTHS:
        raise DomainError(_("积分有效期应在0到%(n)d个月之间。", n=MAX_VALID_MONTHS),
                          field="valid_months")
    for kind, rule_id in sources.items():
        rule = db.session.get(PointsRule, rule_id) if rule_id else None
        if rule_id and (rule is None or rule.town_id != town.id):
            raise DomainError(_("积分事项不属于本镇。"), field=f"source_{kind}")
        if rule is not None and rule.points <= 0:
            raise DomainError(_("模块奖励只能选择加分事项。"), field=f"source_{kind}")
    kept = {kind: rule_id for kind, rule_id in sources.items() if rule_id}
    set_setting(town, AT_ZERO_SETTING, at_zero)
    set_setting(town, NOTICE_SETTING, notice_days)
    set_setting(town, VALID_SETTING, valid_months)
    set_setting(town, SOURCES_SETTING, kept)
    audit.record("points.settings", town, scope_code=town.code, user=actor, at_zero=at_zero,
                 notice_days=notice_days, valid_months=valid_months, sources=kept)
