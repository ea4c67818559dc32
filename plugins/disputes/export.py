"""The monthly 台账 (矛盾纠纷排查调处台账) of a node as .xlsx: one row per dispute found that
month, in the columns a township files, then the month's figures. Written by the portal's one
text-safe workbook, so no party's name or note can become a formula."""
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal.extensions import db
from portal.grids.models import Grid
from portal.rendering import ExportWorkbook, xlsx_download
from portal.tenancy import in_subtree_where_on

from . import stats
from .labels import KIND_LABELS, OUTCOME_LABELS, RISK_LABELS, SIDE_LABELS, STATE_LABELS
from .models import Dispute, DisputeAgreement

HEADER = ["序号", "编号", "发现日期", "所属网格", "纠纷类型", "当事人", "简要情况", "涉及金额(元)",
          "风险等级", "责任单位", "包案领导", "协办单位", "当前环节", "调解协议日期", "回访情况",
          "调处结果", "结案日期"]


def _followups(dispute: Dispute) -> str:
    agreement = dispute.agreement
    if agreement is None:
        return ""
    done = [f for f in agreement.followups if f.done_on is not None]
    return f"{len(done)}/{len(agreement.followups)}"


def rows(node: Grid, month: date) -> list[list]:
    first, end = stats.month_bounds(month)
    disputes = db.session.scalars(
        select(Dispute).join(Grid, Grid.id == Dispute.grid_id)
        .where(in_subtree_where_on("disputes", node), Dispute.found_on >= first,
               Dispute.found_on < end)
        .options(joinedload(Dispute.grid), selectinload(Dispute.parties),
                 selectinload(Dispute.agreements).selectinload(DisputeAgreement.followups))
        .order_by(Dispute.found_on, Dispute.id)).all()
    out = []
    for n, d in enumerate(disputes, start=1):
        agreement = d.agreement
        parties = "；".join(f"{SIDE_LABELS[p.side]} {p.name}" for p in d.parties)
        out.append([n, d.number, d.found_on, d.grid.name, str(KIND_LABELS[d.kind]), parties,
                    d.description, d.amount, str(RISK_LABELS[d.risk]), d.responsible_unit or "",
                    d.leading_cadre or "", d.helpers or "", str(STATE_LABELS[d.state]),
                    agreement.signed_on if agreement else None, _followups(d),
                    str(OUTCOME_LABELS[d.outcome]) if d.outcome else "", d.closed_on])
    return out


def ledger(node: Grid, month: date):
    book = ExportWorkbook()
    sheet = book.create_sheet("纠纷台账")
    sheet.append([f"{node.name} {month:%Y年%m月} 矛盾纠纷排查调处台账"])
    sheet.append(HEADER)
    for row in rows(node, month):
        sheet.append(row)
    total, children = stats.figures(node, month)
    summary = book.create_sheet("月度统计")
    summary.append(["单位", "网格数", "已报告", "零报告", "迟报", "发现纠纷", "调解成功", "调解不成",
                    "调解成功率", "上报升级", "红色", "黄色", "绿色"])
    for r in [*children, total]:
        rate = r.success_rate
        summary.append([r.name, r.grids, r.reported, r.zero_reports, r.late_reports, r.found,
                        r.mediated, r.terminated,
                        f"{rate:.0%}" if rate is not None else "", r.escalated,
                        r.risks["red"], r.risks["yellow"], r.risks["green"]])
    return xlsx_download(book, f"{node.name}-{month:%Y-%m}-矛盾纠纷台账.xlsx")
