"""The association's Excel files: members, a year's score items, the annual roster, party
members' performance (for party-member points) and the reports to the party branch."""

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.rendering import ExportWorkbook, xlsx_download

from . import services
from .models import AssociationsMember, AssociationsReport, AssociationsScore

TITLES = {"members": "会员名单", "scores": "加减分记录", "roster": "年度花名册",
          "party": "党员会员表现", "reports": "向党支部报告"}


def workbook(association, kind: str, year: int):
    book = ExportWorkbook()
    sheet = book.create_sheet(TITLES[kind])
    if kind == "members":
        sheet.append(["姓名", "住址", "入会日期", "退会日期", "党员"])
        for m in db.session.scalars(select(AssociationsMember).filter_by(
                association_id=association.id).options(joinedload(AssociationsMember.resident))
                .order_by(AssociationsMember.id)):
            sheet.append([m.resident.name, m.resident.household.address, m.joined_on, m.left_on,
                          "是" if m.resident.party_member else ""])
    elif kind == "scores":
        sheet.append(["日期", "会员", "项目", "分值", "事由", "状态"])
        for s in db.session.scalars(
                select(AssociationsScore).filter_by(association_id=association.id, year=year)
                .options(joinedload(AssociationsScore.member).joinedload(AssociationsMember.resident),
                         joinedload(AssociationsScore.item), joinedload(AssociationsScore.appeal))
                .order_by(AssociationsScore.happened_on, AssociationsScore.id)):
            state = "已作废(申诉成立)" if s.voided_at else (
                "申诉中" if s.appeal and not s.appeal.decision else "")
            sheet.append([s.happened_on, s.member.resident.name, s.item.name, s.points, s.reason,
                          state])
    elif kind in ("roster", "party"):
        sheet.append(["名次", "姓名", "住址", "党员", f"{year}年得分"])
        for row in services.roster(association, year):
            resident = row.member.resident
            if kind == "party" and not resident.party_member:
                continue
            sheet.append([row.rank, resident.name, resident.household.address,
                          "是" if resident.party_member else "", row.score])
    else:
        sheet.append(["报告期间", "报告内容", "报告人", "报告时间"])
        for r in db.session.scalars(select(AssociationsReport).filter_by(
                association_id=association.id).order_by(AssociationsReport.id)):
            sheet.append([r.period, r.content, r.submitted_by.display_name if r.submitted_by
                          else "", r.submitted_at])
    return xlsx_download(book, f"{association.name}-{TITLES[kind]}-{year}.xlsx")
