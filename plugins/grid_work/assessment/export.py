"""The sheets a town's finance office files: the quarter's subsidy sheet (考核补贴发放表) of a
published scheme and the month's five-small rewards (“五小”奖励发放表), one sheet each, a blank
column for the recipient's signature and a total row. Written by the portal's one text-safe
workbook, so no name can become a formula; each download is audited with the names on it."""
from portal import audit
from portal.rendering import ExportWorkbook, xlsx_download

from . import scoring, texts

SUBSIDY_HEADER = ["序号", "村(社区)", "网格", "网格员", "考核得分", "档次", "补贴金额(元)", "领取人签字"]
REWARDS_HEADER = ["序号", "村(社区)", "网格", "网格员", "事件编号", "事件", "类型", "奖励金额(元)",
                  "领取人签字"]


def subsidy_title(scheme) -> str:
    if scheme.quarter:
        return f"{scheme.town.name} {scheme.year}年第{scheme.quarter}季度网格员考核补贴发放表"
    return f"{scheme.town.name} {scheme.year}年度网格员考核补贴发放表"


def subsidy_rows(scheme, scope) -> list[list]:
    bands = scoring.bands_of(scheme)
    rows = []
    for n, row in enumerate(sorted(scoring.visible_rows(scheme, scope),
                                   key=lambda r: (r.grid_code, r.worker_id)), start=1):
        _amount, band = scoring.subsidy_for(row.total, bands)
        rows.append([n, row.village_name, row.grid_name, row.name, row.total / 10,
                     texts.band(band, bands), row.subsidy, ""])
    return rows


def subsidy_sheet(scheme, scope, actor=None):
    book = ExportWorkbook()
    sheet = book.create_sheet("补贴发放表")
    title = subsidy_title(scheme)
    sheet.append([title])
    sheet.append(SUBSIDY_HEADER)
    rows = subsidy_rows(scheme, scope)
    for row in rows:
        sheet.append(row)
    sheet.append(["合计", "", "", f"{len(rows)}人", "", "", sum(r[6] for r in rows), ""])
    audit.record("grid_work.subsidy_export", scheme, scope_code=scope.code, user=actor,
                 names=[r[3] for r in rows], subsidy=sum(r[6] for r in rows))
    return xlsx_download(book, f"{title}.xlsx")


def rewards_sheet(town_name: str, month, rewards, cases, scope, actor=None):
    from portal.cases.forms import CATEGORY_LABELS

    book = ExportWorkbook()
    sheet = book.create_sheet("五小奖励")
    title = f"{town_name} {month:%Y年%m月} 网格员“五小”奖励发放表"
    sheet.append([title])
    sheet.append(REWARDS_HEADER)
    total = 0
    for n, reward in enumerate(rewards, start=1):
        case = cases.get(reward.case_id)
        village = reward.grid.parent.name if reward.grid.parent else ""
        kind = str(CATEGORY_LABELS.get(case.category, case.category)) if case else ""
        if reward.major:
            kind += "(重大)" if reward.amount else "(重大，待审定)"
        sheet.append([n, village, reward.grid.name, reward.worker.display_name,
                      case.number if case else "", case.title if case else "", kind,
                      reward.amount, ""])
        total += reward.amount
    sheet.append(["合计", "", "", f"{len(rewards)}件", "", "", "", total, ""])
    audit.record("grid_work.rewards_export", None, scope_code=scope.code, user=actor,
                 month=f"{month:%Y-%m}", names=sorted({r.worker.display_name for r in rewards}),
                 amount=total)
    return xlsx_download(book, f"{title}.xlsx")
