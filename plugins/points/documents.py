"""The points account's printed statement (积分对账单): the owner, their household's address, the
balance and every entry of the account, oldest first, as the resident checks it against their
own reckoning. Offered from the account's statement page; rendered by the core's documents
service (portal.documents)."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.documents import A4, DocumentType, Period
from portal.documents.letters import issuer_of

from .account_views import statement_entries
from .export import evidence
from .models import PointsAccount


def statement_context(account: PointsAccount, period: Period | None) -> dict:
    # the statement page's own query (newest first), turned over: a printed statement reads
    # like a bank book, each balance following from the one above it
    entries = list(reversed(statement_entries(account)))
    return {"account": account, "issuer": issuer_of(account.grid), "entries": entries,
            "evidence": {e.id: evidence(e) for e in entries},
            "earned": sum(e.points for e in entries if e.points > 0),
            "spent": -sum(e.points for e in entries if e.points < 0)}


def statement_title(account: PointsAccount, period: Period | None) -> str:
    return _("%(name)s 积分对账单", name=account.owner_name)


TYPES = (
    # the whole account, as the statement page shows it (it has no period either)
    DocumentType(
        "points_statement", _l("积分对账单"), PointsAccount, "points.view",
        "points/doc_statement.html", statement_context, statement_title, size=A4,
        sensitive=True, offered="record",
        description=_l("一个积分账户的户主、住址、余额和全部积分流水，供居民核对签字。")),
)
