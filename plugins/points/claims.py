"""Residents' own claims (积分申报): a resident, or their grid worker for them, claims a deed of
one of the town's rules with a note and a photo from the phone; the village reviews it. Approved,
it pays the rule's value once (its entry's source is ``points.claim:<id>``, unique per account);
rejected, the resident reads why.

A decision is one conditional UPDATE of the claim (``state = 'pending'``) before anything is
paid: of two reviewers pressing "approve" at the same moment (or one pressing it twice) one
passes it, the other waits for the row and is told the claim was decided. The ledger's unique
source key is the second guard should anything get past the first.
"""
from __future__ import annotations

from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from portal import audit
from portal.errors import DomainError
from portal.extensions import db
from portal.people.models import Resident
from portal.tenancy import town_of
from portal.timeutil import local_today, utcnow
from portal.uploads import UploadError, prepare_optional, store_at_commit

from . import ledger
from .models import PointsClaim, PointsRule

#: A deed older than this is not claimed any more: the village cannot check it.
MAX_AGE_DAYS = 90
MAX_NOTE = 500
EVENT = "points_claim_decided"


def claimable_rules(town) -> list[PointsRule]:
    """The rules a resident may claim: the town's active rules that give points."""
    return list(db.session.scalars(select(PointsRule).where(
        PointsRule.town_id == town.id, PointsRule.active.is_(True), PointsRule.points > 0)
        .order_by(PointsRule.name)))


def source_of(claim: PointsClaim) -> str:
    return f"points.claim:{claim.id}"


def _check_rule(resident, rule: PointsRule | None) -> None:
    town = town_of(resident.grid)
    if rule is None or town is None or rule.town_id != town.id:
        raise DomainError(_("积分事项不属于本镇。"), field="rule")
    if not rule.active:
        raise DomainError(_("该积分事项已停用。"), field="rule")
    if rule.points <= 0:
        raise DomainError(_("只能申报加分事项。"), field="rule")


def _check_day(happened_on: date | None) -> None:
    today = local_today()
    if happened_on is None:
        raise DomainError(_("请填写日期。"), field="happened_on")
    if happened_on > today:
        raise DomainError(_("日期不能晚于今天。"), field="happened_on")
    if happened_on < today - timedelta(days=MAX_AGE_DAYS):
        raise DomainError(_("只能申报%(n)d天以内的事。", n=MAX_AGE_DAYS), field="happened_on")


def file_claim(resident, rule: PointsRule | None, *, happened_on: date | None, note: str | None,
               photo_file=None, actor=None) -> PointsClaim:
    """A new pending claim of ``rule`` for ``resident``, filed by ``actor`` (the resident or
    their grid worker); the photo is checked now and written at commit."""
    if resident.left_at is not None:
        raise DomainError(_("该居民已不在本地居住。"))
    _check_rule(resident, rule)
    _check_day(happened_on)
    note = (note or "").strip()
    if not note:
        raise DomainError(_("请写明做了什么事。"), field="note")
    if len(note) > MAX_NOTE:
        raise DomainError(_("说明不能超过%(n)d字。", n=MAX_NOTE), field="note")
    try:
        photo = prepare_optional(photo_file)
    except UploadError as error:
        raise DomainError(str(error), field="photo") from error
    # A double tap on a slow phone sends the claim twice at once. The resident's row is locked
    # first (PostgreSQL: the second request waits here, then sees the first's claim) and the
    # check is made again after the insert (SQLite locks nothing on a read, but its second
    # writer waits for the first's commit and then sees its claim).
    db.session.execute(select(Resident.id).where(Resident.id == resident.id).with_for_update())
    same = select(PointsClaim.id).filter_by(resident_id=resident.id, rule_id=rule.id,
                                            happened_on=happened_on, state="pending")
    if db.session.scalar(same):
        raise DomainError(_("这件事已经申报过，正在审核。"))
    claim = PointsClaim(town_id=rule.town_id, resident_id=resident.id, rule_id=rule.id,
                        happened_on=happened_on, note=note, photo=photo.name if photo else None,
                        state="pending", filed_by_id=getattr(actor, "id", None))
    db.session.add(claim)
    db.session.flush()
    if db.session.scalar(same.where(PointsClaim.id != claim.id)):
        raise DomainError(_("这件事已经申报过，正在审核。"))
    audit.record("points.claim_file", claim, scope_code=resident.grid.code, user=actor,
                 resident=resident.name, name=rule.name, note=note)
    store_at_commit(photo)
    return claim


def _decide(claim: PointsClaim, state: str, actor, reason: str | None = None) -> None:
    """Take the decision on the claim, or refuse when another decision came first (a second
    press, another reviewer): the UPDATE only passes a claim still pending."""
    now = utcnow()
    values = {"state": state, "decided_by_id": getattr(actor, "id", None), "decided_at": now,
              "reason": reason}
    taken = db.session.execute(update(PointsClaim).where(
        PointsClaim.id == claim.id, PointsClaim.state == "pending").values(**values)
        .execution_options(synchronize_session=False))
    if taken.rowcount != 1:
        db.session.expire(claim)
        raise DomainError(_("该申报已审核。"))
    for name, value in values.items():
        set_committed_value(claim, name, value)


def approve(claim: PointsClaim, actor=None):
    """Pay the claim's rule to the resident's account (their own or their household's, at the
    account's category value), once."""
    if claim.state != "pending":
        raise DomainError(_("该申报已审核。"))
    rule = claim.rule
    if not rule.active:
        raise DomainError(_("该积分事项已停用，不能通过，请退回并说明原因。"))
    # decided first: of two approvals at once only one goes on to open the account and pay
    _decide(claim, "approved", actor)
    account = ledger.account_for(claim.resident)
    if account.town_id != rule.town_id:
        raise DomainError(_("该居民已迁往其他镇，不能通过，请退回并说明原因。"))
    points = rule.value_for(account.category)
    if points <= 0:
        raise DomainError(_("该积分事项对这个账户的类别不计分，请退回并说明原因。"))
    entry = ledger.award_entry(account, rule, points, actor=actor, source=source_of(claim),
                               source_label=_("积分申报：%(rule)s", rule=rule.name))
    claim.entry = entry
    db.session.flush()
    audit.record("points.claim_approve", claim, scope_code=claim.resident.grid.code, user=actor,
                 points=entry.points, entry=entry.id)
    tell_decision(claim)
    return entry


def reject(claim: PointsClaim, reason: str | None, actor=None) -> PointsClaim:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请说明退回原因。"), field="reason")
    if claim.state != "pending":
        raise DomainError(_("该申报已审核。"))
    _decide(claim, "rejected", actor, reason=reason)
    audit.record("points.claim_reject", claim, scope_code=claim.resident.grid.code, user=actor,
                 reason=reason)
    tell_decision(claim)
    return claim


# ---------------------------------------------------------------- telling the resident


def claimant_logins(claim: PointsClaim) -> list:
    """The logins of the resident who claimed (by ID number) that may read their own points in
    the claim's town; none for a resident without a login."""
    from portal.auth.models import User
    from portal.notifications.recipients import roles_with
    from portal.tenancy import in_subtree

    number = claim.resident.id_number
    roles = roles_with("points.own")
    if not number or not roles:
        return []
    town = town_of(claim.resident.grid)
    users = db.session.scalars(select(User).where(
        User.id_number == number, User.role.in_(roles), User.is_active_flag.is_(True)))
    return [user for user in users if in_subtree(user.scope.code, town)]


def tell_decision(claim: PointsClaim) -> int:
    """Tell the claimant's logins the outcome, in this transaction (a rolled-back decision tells
    nobody; the claim's id in the key makes a retried write add nothing)."""
    from portal.notifications.writing import Composed, notify_each_language, site_path

    people = claimant_logins(claim)
    if not people:
        return 0
    rule, day = claim.rule.name, claim.happened_on.isoformat()
    points = claim.entry.points if claim.entry is not None else 0

    def compose() -> Composed:
        if claim.state == "approved":
            return (_("积分申报已通过"),
                    _("您%(day)s申报的“%(rule)s”已通过，获得 %(points)d 积分。",
                      day=day, rule=rule, points=points),
                    {"rule": rule, "state": _("通过"), "points": points})
        return (_("积分申报未通过"),
                _("您%(day)s申报的“%(rule)s”未通过：%(reason)s", day=day, rule=rule,
                  reason=claim.reason),
                {"rule": rule, "state": _("未通过"), "points": 0})

    return notify_each_language(EVENT, f"{EVENT}:{claim.id}", compose, users=people,
                                link=site_path("points.claim", claim_id=claim.id),
                                town=town_of(claim.resident.grid))


# ---------------------------------------------------------------- waiting for the village


def _pending_in(scope):
    from portal.grids.models import Grid
    from portal.tenancy import in_subtree_where_on

    return (select(PointsClaim).join(Resident, Resident.id == PointsClaim.resident_id)
            .join(Grid, Grid.id == Resident.grid_id)
            .where(PointsClaim.state == "pending", in_subtree_where_on("points", scope)))


def pending_count(scope) -> int:
    """Claims waiting for a decision under ``scope`` (the points index page's "待审核申报 N")."""
    from sqlalchemy import func

    return db.session.scalar(select(func.count()).select_from(_pending_in(scope).subquery())) or 0


#: A claim waiting longer than this is yellow on the reviewer's today list.
WAITING_DAYS = 7
TODAY_ROWS = 5


def today_items(user, scope) -> list:
    """A reviewer's today item: the claims waiting for a decision, the oldest first."""
    from flask import url_for
    from sqlalchemy.orm import joinedload

    from portal.permissions import can
    from portal.today import NONE, YELLOW, TodayItem, TodayRow

    if not can(user, "points.award"):
        return []
    count = pending_count(scope)
    if not count:
        return []
    oldest = db.session.scalars(_pending_in(scope).order_by(PointsClaim.id).limit(TODAY_ROWS)
                                .options(joinedload(PointsClaim.resident),
                                         joinedload(PointsClaim.rule))).all()
    late = utcnow() - timedelta(days=WAITING_DAYS)
    rows = [TodayRow(f"{c.resident.name} · {c.rule.name}",
                     url_for("points.claim", claim_id=c.id),
                     YELLOW if c.created_at < late else None,
                     _("发生于 %(d)s", d=c.happened_on.isoformat())) for c in oldest]
    return [TodayItem("points.claims", _("待审核积分申报"), count,
                      url_for("points.claims", state="pending"),
                      YELLOW if any(r.light == YELLOW for r in rows) else NONE, rows,
                      order=151, module="points")]
