"""A town's choices about its places' inspections: the months between inspections of each kind
group, and the days a hazard is given to be rectified by default. One town setting (portal.settings)
that a town template (样板间) copies as it is; a town that never chose has the defaults."""
from flask_babel import gettext as _

from portal import audit
from portal.errors import DomainError
from portal.settings import get_setting, set_setting

from .kinds import DEFAULT_MONTHS, FACILITIES, GROUPS, SMALL, UNITS

SETTING = "places.schedule"
#: The form's field of each group's months.
MONTH_FIELDS = {UNITS: "units_months", SMALL: "small_months", FACILITIES: "facilities_months"}
FIELDS = (*MONTH_FIELDS.values(), "rectify_days")
DEFAULTS = {**{MONTH_FIELDS[g]: m for g, m in DEFAULT_MONTHS.items()}, "rectify_days": 7}
MAX_MONTHS = 24
MAX_RECTIFY_DAYS = 90


def values(town) -> dict[str, int]:
    """The town's four numbers (the defaults for any it never set)."""
    stored = get_setting(town, SETTING, {}) or {}
    return {key: int(stored.get(key, default)) for key, default in DEFAULTS.items()}


def months(town, group: str) -> int:
    return values(town)[MONTH_FIELDS[group]]


def rectify_days(town) -> int:
    return values(town)["rectify_days"]


def save(town, *, units_months: int, small_months: int, facilities_months: int,
         rectify_days: int, actor=None) -> None:
    """Store the town's choices and move every open place's next inspection to match."""
    from .schedule import refresh_town

    given = {"units_months": units_months, "small_months": small_months,
             "facilities_months": facilities_months}
    for key, value in given.items():
        if value is None or not 1 <= value <= MAX_MONTHS:
            raise DomainError(_("巡查周期应在1到%(n)d个月之间。", n=MAX_MONTHS), field=key)
    if rectify_days is None or not 1 <= rectify_days <= MAX_RECTIFY_DAYS:
        raise DomainError(_("整改期限应在1到%(n)d天之间。", n=MAX_RECTIFY_DAYS),
                          field="rectify_days")
    stored = {**given, "rectify_days": rectify_days}
    set_setting(town, SETTING, stored)
    audit.record("places.settings", town, scope_code=town.code, user=actor, **stored)
    refresh_town(town)


def group_labels() -> dict[str, str]:
    return {MONTH_FIELDS[g]: str(label) for g, label in GROUPS.items()}
