"""The association's printed annual roster (年度会员花名册): its members in a year, ranked by
their score as the roster page ranks them (services.roster), for the party branch's file and the
village's notice board. Offered from the roster page; rendered by the core's documents service
(portal.documents)."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.documents import A4, DocumentType, Period
from portal.documents.letters import issuer_of
from portal.timeutil import local_today

from . import services
from .models import AssociationsAssociation


def year_of(period: Period | None) -> int:
    """The roster's year. The documents service reads a period, not ``?year=``: the year is the
    one the period starts in (the roster page links with the whole year, since=Y-01-01 and
    until=Y-12-31; this month's period, the default, gives this year)."""
    return (period or Period.month_of(local_today())).since.year


def roster_context(association: AssociationsAssociation, period: Period | None) -> dict:
    year = year_of(period)
    return {"association": association, "year": year, "rows": services.roster(association, year),
            "issuer": issuer_of(association.grid)}


def roster_title(association: AssociationsAssociation, period: Period | None) -> str:
    return _("%(name)s %(year)d年度会员花名册", name=association.name, year=year_of(period))


TYPES = (
    DocumentType(
        "association_roster", _l("协会年度会员花名册"), AssociationsAssociation,
        "associations.view", "associations/doc_roster.html", roster_context, roster_title,
        size=A4, period=True, offered="record",
        description=_l("协会一年的会员、住址、是否党员、入会日期和百分制得分名次。")),
)
