"""The disputes' printed documents: the mediation agreement (人民调解协议书) the parties sign, made
from the same content as the agreement's print page; and a node's monthly 台账 (矛盾纠纷排查调处
台账) with the rows of the .xlsx ledger (export.rows) and the month's figures (stats.figures).
Both name parties: sensitive, every copy audited. Rendered by the core's documents service
(portal.documents)."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.documents import A4, DocumentType, Period
from portal.documents.letters import issuer_of
from portal.extensions import db
from portal.grids.models import COUNTY, GRID, SPECIAL, TOWN, VILLAGE, Grid
from portal.timeutil import local_today

from . import export, stats
from .models import DisputeAgreement, DisputeParty

# ---------------------------------------------------------------- 人民调解协议书


def agreement_context(agreement: DisputeAgreement, period: Period | None) -> dict:
    dispute = agreement.dispute
    # as the print page lists them: the side that raised it first
    parties = db.session.scalars(select(DisputeParty).filter_by(dispute_id=dispute.id)
                                 .order_by(DisputeParty.side, DisputeParty.id)).all()
    return {"agreement": agreement, "dispute": dispute, "parties": parties,
            "issuer": issuer_of(dispute.grid)}


def agreement_title(agreement: DisputeAgreement, period: Period | None) -> str:
    return _("人民调解协议书 %(number)s", number=agreement.dispute.number)


# ---------------------------------------------------------------- 矛盾纠纷排查调处台账

#: The ledger's columns as the page names them, in export.HEADER's order (export.rows' cells).
COLUMNS = (_l("序号"), _l("编号"), _l("发现日期"), _l("所属网格"), _l("纠纷类型"), _l("当事人"),
           _l("简要情况"), _l("涉及金额(元)"), _l("风险等级"), _l("责任单位"), _l("包案领导"),
           _l("协办单位"), _l("当前环节"), _l("调解协议日期"), _l("回访情况"), _l("调处结果"),
           _l("结案日期"))
assert len(COLUMNS) == len(export.HEADER)


def month_of(period: Period | None) -> date:
    """The 台账 is monthly (export.rows, stats.figures): a period is read as the month it starts
    in (``?month=`` gives exactly one)."""
    return (period.since if period else local_today()).replace(day=1)


def _cell(value) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)


def ledger_context(node: Grid, period: Period | None) -> dict:
    month = month_of(period)
    total, children = stats.figures(node, month)
    return {"node": node, "month": month, "columns": COLUMNS,
            "rows": [[_cell(v) for v in row] for row in export.rows(node, month)],
            "total": total, "children": children, "issuer": issuer_of(node)}


def ledger_title(node: Grid, period: Period | None) -> str:
    return _("%(node)s %(month)s 矛盾纠纷排查调处台账", node=node.name,
             month=f"{month_of(period):%Y-%m}")


TYPES = (
    DocumentType(
        "dispute_agreement", _l("人民调解协议书"), DisputeAgreement, "disputes.view",
        "disputes/doc_agreement.html", agreement_context, agreement_title, size=A4,
        sensitive=True, offered="record",
        description=_l("调解协议的当事人、纠纷事实、协议内容和签名栏，一式三份。")),
    DocumentType(
        "disputes_ledger", _l("矛盾纠纷排查调处台账"), Grid, "disputes.view",
        "disputes/doc_ledger.html", ledger_context, ledger_title, size=A4, landscape=True,
        period=True, levels=(COUNTY, TOWN, VILLAGE, GRID, SPECIAL), sensitive=True,
        description=_l("本月发现的每件纠纷(当事人、风险、调处环节、协议和回访)和月度排查统计，横向A4。")),
)
