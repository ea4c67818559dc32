"""An association member's year-end score turned into points (协会积分兑现), where the town's
points supermarket is on and the town chose a rule for it on the points rules page: the rule's
value times the score out of 100 (a member at 86 earns 86 % of it), once per member and year."""
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal import audit
from portal.errors import DomainError
from portal.plugins import host
from portal.timeutil import local_today

from . import services

SOURCE = "associations.year"
#: The year's score is final enough to pay from its last month on (年终评定).
FROM_MONTH = 12


def sources() -> dict:
    return {SOURCE: _l("协会会员年度得分(满分100按比例折算)")}


def may_pay(year: int) -> bool:
    return local_today() >= date(year, FROM_MONTH, 1)


def award_year(association, year: int, actor=None) -> tuple[int, int]:
    """Ask the points module for each member's award of ``year``; (members paid, points)."""
    if not may_pay(year):
        raise DomainError(_("%(y)d年度得分要到当年12月才能兑现积分。", y=year))
    ask = host().hook(association.grid, "points_award_for_deed")
    paid = total = 0
    for row in services.roster(association, year):
        resident = row.member.resident
        if resident.left_at is not None or row.score <= 0:
            continue
        entry = ask(kind=SOURCE, resident=resident,
                    reason=_("%(a)s%(y)d年度会员得分 %(s)d 分", a=association.name, y=year,
                             s=row.score),
                    source=f"{SOURCE}:{association.id}:{year}:{row.member.id}", actor=actor,
                    share=min(row.score, 100) / 100)
        if entry is not None:
            paid += 1
            total += entry.points
    if not paid:
        raise DomainError(_("没有发放积分：本镇积分规则没有为“协会会员年度得分”选择积分事项，"
                            "或积分超市没有开启。"))
    audit.record("associations.year_points", association, scope_code=association.grid.code,
                 user=actor, year=year, members=paid, points=total)
    return paid, total
