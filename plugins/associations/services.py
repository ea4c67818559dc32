"""Association rules: officers, members, the 100-point score, appeals, reports, dues. The caller
commits."""
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from portal import audit
from portal.errors import DomainError
from portal.extensions import db
from portal.grids.models import VILLAGE
from portal.people.models import Household, Resident
from portal.tenancy import in_subtree, in_subtree_or_above
from portal.timeutil import local_today, utcnow

from .models import (KINDS, AssociationsAppeal, AssociationsAssociation, AssociationsDues,
                     AssociationsItem, AssociationsMember, AssociationsOfficer,
                     AssociationsReport, AssociationsScore)


def create(village, *, name, kind, charter=None, base_score=100, dues_fen=None, actor=None):
    if village.level != VILLAGE:
        raise DomainError(_("协会属于一个村(社区)。"), field="grid")
    if kind not in KINDS:
        raise DomainError(_("请选择协会类型。"), field="kind")
    if db.session.scalar(select(AssociationsAssociation.id).filter_by(grid_id=village.id,
                                                                      name=name)):
        raise DomainError(_("本村已有同名协会。"), field="name")
    association = AssociationsAssociation(grid_id=village.id, name=name, kind=kind,
                                          charter=charter, base_score=base_score,
                                          dues_fen=dues_fen)
    db.session.add(association)
    db.session.flush()
    audit.record("associations.create", association, scope_code=village.code, user=actor,
                 name=name)
    return association


def is_officer(user, association) -> bool:
    return db.session.scalar(select(AssociationsOfficer.id).filter_by(
        association_id=association.id, user_id=user.id)) is not None


def add_officer(association, user, title, actor=None):
    if not in_subtree_or_above(association.grid.code, user.scope):
        raise DomainError(_("负责人须是本村的账号。"), field="user")
    if is_officer(user, association):
        raise DomainError(_("已是本协会负责人。"), field="user")
    officer = AssociationsOfficer(association_id=association.id, user_id=user.id, title=title)
    db.session.add(officer)
    db.session.flush()
    audit.record("associations.officer", association, scope_code=association.scope_code,
                 user=actor, officer=user.username, title=title)
    return officer


def add_member(association, resident, actor=None, on: date | None = None):
    if not in_subtree(resident.grid.code, association.grid):
        raise DomainError(_("会员须是本村居民。"), field="resident")
    member = db.session.scalar(select(AssociationsMember).filter_by(
        association_id=association.id, resident_id=resident.id))
    if member is not None and member.left_on is None:
        raise DomainError(_("已是本协会会员。"), field="resident")
    if member is None:
        member = AssociationsMember(association=association, resident=resident)
        db.session.add(member)
    member.joined_on, member.left_on = on or local_today(), None
    db.session.flush()
    audit.record("associations.join", association, scope_code=association.scope_code,
                 user=actor, resident=resident.name)
    return member


def leave(member, actor=None, on: date | None = None):
    if member.left_on is not None:
        raise DomainError(_("已退会。"))
    member.left_on = on or local_today()
    audit.record("associations.leave", member.association, scope_code=member.scope_code,
                 user=actor, resident=member.resident.name)


def add_item(association, *, name: str, points: int) -> AssociationsItem:
    """A recording item (what earns or costs how many points); names are distinct, points not 0."""
    if db.session.scalar(select(AssociationsItem.id).filter_by(association_id=association.id,
                                                               name=name)):
        raise DomainError(_("已有同名项目。"), field="name")
    if points == 0:
        raise DomainError(_("分值不能为0。"), field="points")
    item = AssociationsItem(association_id=association.id, name=name, points=points)
    db.session.add(item)
    return item


def toggle_item(item: AssociationsItem) -> None:
    item.active = not item.active


def record_score(member, item, *, reason, happened_on, actor=None) -> AssociationsScore:
    if item.association_id != member.association_id or not item.active:
        raise DomainError(_("请从本协会的加减分项目中选择。"), field="item")
    if not reason:
        raise DomainError(_("请写明加减分的事由。"), field="reason")
    if happened_on > local_today():
        raise DomainError(_("日期不能晚于今天。"), field="happened_on")
    if happened_on < member.joined_on or (member.left_on and happened_on > member.left_on):
        raise DomainError(_("这一天不是会员。"), field="happened_on")
    score = AssociationsScore(association_id=member.association_id, member_id=member.id,
                              item_id=item.id, points=item.points, reason=reason,
                              happened_on=happened_on, year=happened_on.year,
                              recorded_by_id=getattr(actor, "id", None))
    db.session.add(score)
    db.session.flush()
    audit.record("associations.score", member.association, scope_code=member.scope_code,
                 user=actor, member=member.resident.name, points=item.points, reason=reason)
    return score


def appeal(score, reason, actor=None) -> AssociationsAppeal:
    if not reason:
        raise DomainError(_("请写明申诉理由。"), field="reason")
    if score.appeal is not None:
        raise DomainError(_("这一项已经申诉过。"))
    if score.voided_at is not None:
        raise DomainError(_("这一项已作废。"))
    item = AssociationsAppeal(score=score, reason=reason, filed_by_id=getattr(actor, "id", None))
    db.session.add(item)
    db.session.flush()
    audit.record("associations.appeal", score, scope_code=score.scope_code, user=actor,
                 reason=reason)
    return item


def decide(appeal_: AssociationsAppeal, uphold: bool, note, actor=None) -> None:
    if appeal_.decision is not None:
        raise DomainError(_("这份申诉已经处理。"))
    if not note:
        raise DomainError(_("请写明处理意见。"), field="note")
    appeal_.decision = "upheld" if uphold else "rejected"
    appeal_.decision_note, appeal_.decided_at = note, utcnow()
    appeal_.decided_by_id = getattr(actor, "id", None)
    if uphold:
        appeal_.score.voided_at = utcnow()
    audit.record("associations.appeal_" + appeal_.decision, appeal_.score,
                 scope_code=appeal_.score.scope_code, user=actor, note=note)


# ---------------------------------------------------------------- scores and ranking


def year_points(association_id: int, year: int) -> dict[int, int]:
    """{member id: sum of the year's standing items} in one grouped query."""
    return dict(db.session.execute(
        select(AssociationsScore.member_id, func.sum(AssociationsScore.points))
        .where(AssociationsScore.association_id == association_id,
               AssociationsScore.year == year, AssociationsScore.voided_at.is_(None))
        .group_by(AssociationsScore.member_id)).all())


def member_score(member, year: int) -> int:
    total = db.session.scalar(select(func.coalesce(func.sum(AssociationsScore.points), 0)).where(
        AssociationsScore.member_id == member.id, AssociationsScore.year == year,
        AssociationsScore.voided_at.is_(None))) or 0
    return member.association.base_score + int(total)


@dataclass
class RosterRow:
    rank: int
    member: AssociationsMember
    score: int


def members_in(association, year: int):
    """Members at any time during ``year``."""
    return db.session.scalars(
        select(AssociationsMember).filter_by(association_id=association.id)
        .where(AssociationsMember.joined_on <= date(year, 12, 31))
        .where((AssociationsMember.left_on.is_(None))
               | (AssociationsMember.left_on >= date(year, 1, 1)))
        .options(joinedload(AssociationsMember.resident).joinedload(Resident.household)
                 .selectinload(Household.members))
        .order_by(AssociationsMember.id)).all()


def roster(association, year: int) -> list[RosterRow]:
    """The year's ranking, highest score first. Tie rule: equal scores share a rank (1, 2, 2, 4)
    and are listed by how long they have been members, then by name."""
    points = year_points(association.id, year)
    scored = [(association.base_score + int(points.get(m.id, 0)), m)
              for m in members_in(association, year)]
    scored.sort(key=lambda s: (-s[0], s[1].joined_on, s[1].resident.name_pinyin or ""))
    rows, rank = [], 0
    for position, (score, member) in enumerate(scored, start=1):
        if not rows or score != rows[-1].score:
            rank = position
        rows.append(RosterRow(rank, member, score))
    return rows


# ---------------------------------------------------------------- reports and dues


def submit_report(association, period, content, actor=None):
    if not period or not content:
        raise DomainError(_("请填写报告期间和内容。"), field="content")
    report = AssociationsReport(association_id=association.id, period=period, content=content,
                                submitted_by_id=getattr(actor, "id", None))
    db.session.add(report)
    db.session.flush()
    audit.record("associations.report", association, scope_code=association.scope_code,
                 user=actor, period=period)
    return report


def pay_dues(member, year: int, paid_on: date, actor=None) -> AssociationsDues:
    association = member.association
    if association.dues_fen is None:
        raise DomainError(_("本协会不收会费。"))
    if db.session.scalar(select(AssociationsDues.id).filter_by(member_id=member.id, year=year)):
        raise DomainError(_("%(y)d年的会费已经交过。", y=year), field="member")
    count = db.session.scalar(select(func.count(AssociationsDues.id)).filter_by(
        association_id=association.id, year=year)) or 0
    dues = AssociationsDues(association_id=association.id, member_id=member.id, year=year,
                            amount_fen=association.dues_fen, paid_on=paid_on,
                            receipt_number=f"HF{association.id:04d}-{year}-{count + 1:04d}",
                            recorded_by_id=getattr(actor, "id", None))
    db.session.add(dues)
    db.session.flush()
    audit.record("associations.dues", association, scope_code=association.scope_code,
                 user=actor, member=member.resident.name, year=year)
    return dues
