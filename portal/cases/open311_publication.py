"""Which cases the public Open311 API shows to a client without a key, and how much of them.

FixMyStreet is the model: a non-public report does not appear at all, and a public one shows its
category, status, a coarse location and its dates, never who reported it or what they wrote. A
town chooses its public categories (``cases.open311_public_categories``, edited on its case rules
page) among those that may ever be public; a client with the town's API key sees every case of
that town as before.
"""
from flask_babel import lazy_gettext as _l

from portal.cases.models import CATEGORIES
from portal.settings import get_setting

SETTING = "cases.open311_public_categories"

#: Never published, whatever a town sets, because a case of these is about people rather than
#: places, and naming the place is already naming them:
#: - dispute (小纠纷) and mediation (矛盾调解): a quarrel between neighbours, families or a
#:   landlord and tenant; its location and dates identify the parties.
#: - minor_case (小案件): small criminal and public-order cases (theft, fights, fraud) — the
#:   security type; publishing them exposes victims and suspects and warns the culprits.
#: - psychological (心理服务): mental-health help; severe mental illness is one of the five
#:   classes of key persons (重点人员).
#: - public_opinion (社情民意): residents' grievances and opinions, the channel of petitions
#:   (信访); petitioners are a class of key persons.
#: - info_collection (信息采集): the collection of a household's or a person's own data.
NEVER_PUBLIC = frozenset({"dispute", "mediation", "minor_case", "psychological",
                          "public_opinion", "info_collection"})

#: Public unless a town says otherwise: things wrong with a place that every passer-by sees
#: (a broken street light, a pothole, rubbish) and requests for a legal-education session.
DEFAULT_PUBLIC = ("hazard", "problem", "legal_publicity")

#: The categories a town may publish (its choice among these); need, safety_hazard and
#: proxy_service are about one household more often than not, so they start private.
PUBLISHABLE = tuple(c for c in CATEGORIES if c not in NEVER_PUBLIC)

#: Coordinates are rounded to this many decimals for anonymous clients: about 1 km, the size
#: of a hamlet, not of a house.
COARSE_DECIMALS = 2

FIELD_LABEL = _l("开放接口(Open311)向公众公开的事件类别")
FIELD_HINT = _l("只公开类别、状态、所在网格、大致位置和日期，不公开标题、描述、地址、办理意见和"
                "报告人。纠纷、调解、小案件、心理服务、社情民意和信息采集涉及个人，任何设置下都不公开。")


def public_categories(town) -> list[str]:
    """The town's public categories in the standard order; never one of NEVER_PUBLIC even if
    the stored setting (edited by hand, or from an older version) names it."""
    chosen = get_setting(town, SETTING, list(DEFAULT_PUBLIC))
    if not isinstance(chosen, list):
        chosen = list(DEFAULT_PUBLIC)
    return [c for c in PUBLISHABLE if c in chosen]


def coarse(value: float | None) -> float | None:
    return None if value is None else round(value, COARSE_DECIMALS)
