"""Excel files and QR codes the points pages hand out."""

import segno
from flask_babel import force_locale
from markupsafe import Markup
from portal.rendering import ExportWorkbook, xlsx_download
from portal.timeutil import to_local

from .forms import KIND_LABELS



def card_qr(account) -> Markup:
    """What the kiosk scanner reads: a prefix it recognises and the card's token (no personal
    data on the card)."""
    return Markup(segno.make(f"PTS:{account.card_token}", error="m").svg_inline(scale=4, border=2))


def _response(workbook: ExportWorkbook, filename: str):
    return xlsx_download(workbook, filename)


def evidence(entry) -> str:
    """Why the entry exists, in words: the rule, the other module's record, the basket, the
    corrected entry."""
    parts = []
    if entry.rule is not None:
        parts.append(entry.rule.name)
    if entry.source_label:
        parts.append(entry.source_label)
    if entry.redemption is not None:
        parts.append("、".join(f"{line.name}×{line.quantity}" for line in entry.redemption.lines))
    if entry.reverses_id:
        parts.append(f"冲正 #{entry.reverses_id}")
    if entry.note:
        parts.append(entry.note)
    return "；".join(parts)


def statement(account, entries):
    workbook = ExportWorkbook()
    sheet = workbook.create_sheet("积分明细")
    sheet.append(["账户", account.owner_name, "地址", account.home.address, "余额", account.balance,
                  "欠分", account.debt])
    sheet.append(["编号", "时间", "类型", "积分", "余额", "依据", "经办人"])
    with force_locale("zh_CN"):
        for entry in entries:
            sheet.append([entry.id, to_local(entry.created_at), str(KIND_LABELS[entry.kind]),
                          entry.points, entry.balance_after, evidence(entry),
                          entry.actor.display_name if entry.actor else ""])
    return _response(workbook, f"积分明细-{account.owner_name}.xlsx")


def report(scope, shop, months, top, low):
    workbook = ExportWorkbook()
    sheet = workbook.create_sheet("月度")
    sheet.append(["范围", shop.name if shop else scope.name])
    sheet.append(["月份", "发放积分", "兑换积分", "冲正/调整/过期"])
    for row in months:
        sheet.append([row.month, row.issued, row.redeemed, row.corrected])
    sheet = workbook.create_sheet("热门商品")
    sheet.append(["商品", "超市", "兑换数量", "积分"])
    for name, shop_name, quantity, points in top:
        sheet.append([name, shop_name, int(quantity), int(points)])
    sheet = workbook.create_sheet("库存预警")
    sheet.append(["商品", "超市", "库存", "预警线"])
    for goods in low:
        sheet.append([goods.name, goods.shop.name, goods.stock, goods.shop.low_stock])
    return _response(workbook, f"积分报表-{shop.name if shop else scope.name}.xlsx")
