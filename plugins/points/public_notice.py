"""积分公示 · the public notice window: a village's awards still on notice (``held_until`` in the
future: the ledger holds them, they cannot be spent yet) are listed on its public page with the
owners' names masked; any villager may object to one with a reason, and the village admin
upholds the objection (the award is reversed) or dismisses it. Everything is audited.

The ledger (plugins/points/ledger.py) puts an award on notice; this module only reads what is on
notice and keeps the objections.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import aliased, joinedload

from portal import audit
from portal.errors import DomainError
from portal.extensions import db
from portal.grids.models import TOWN, VILLAGE, Grid
from portal.people.masking import mask_name
from portal.people.models import Household
from portal.tenancy import in_subtree, in_subtree_where_on
from portal.timeutil import to_local, utcnow

from . import ledger
from .models import PointsAccount, PointsEntry, PointsObjection

EVENT = "points_objection"
#: A reason shorter than this says nothing a village admin could check; longer ones are essays.
REASON_MIN, REASON_MAX = 5, 300
NOTE_MAX = 300
#: The public page lists at most this many awards (a village awards far fewer in a window).
ROW_LIMIT = 500
#: Rows of the today list (the page lists them all).
TODAY_ROWS = 20

# ---------------------------------------------------------------- masking names


def masked_owner(account: PointsAccount) -> str:
    """The account's owner as the public page names them: 张** or, for a household, 张**户."""
    if account.resident is not None:
        return mask_name(account.resident.name)
    head = account.household.head if account.household is not None else None
    if head is None:
        return _("某户")  # the address would name the household as surely as a name
    return _("%(name)s户", name=mask_name(head.name))


def _names_of(account: PointsAccount) -> list[str]:
    """Everyone the account's points belong to: their names must not appear in full."""
    home = account.household or (account.resident.household if account.resident else None)
    names = [m.name for m in home.members] if home is not None else []
    return [account.resident.name, *names] if account.resident is not None else names


def reason_of(entry: PointsEntry) -> str:
    """What the award was for (a module's label, the rule, the note), with the owner's household
    members' names masked: a note typed by staff may well name the person."""
    text = entry.source_label or (entry.rule.name if entry.rule is not None else "") \
        or entry.note or ""
    for name in sorted(_names_of(entry.account), key=len, reverse=True):
        if name and len(name) > 1:
            text = text.replace(name, mask_name(name))
    return text


# ---------------------------------------------------------------- what is on notice


@dataclass
class NoticeRow:
    entry: PointsEntry
    owner: str
    reason: str
    points: int
    #: The local day the award was made, and the last day of its notice.
    awarded_on: date
    ends_on: date
    #: Objections to it still being looked into (the villagers see theirs was heard).
    open_objections: int = 0


def notice_node(grid: Grid) -> Grid:
    """The node whose awards a grid's public page lists: its village (a special grid directly
    under a town has none: then its own)."""
    if grid.level in (VILLAGE, TOWN):
        return grid
    return grid.ancestor_at(VILLAGE) or grid


def _not_reversed():
    reversal = aliased(PointsEntry)
    return ~select(reversal.id).where(reversal.reverses_id == PointsEntry.id).exists()


def _on_notice_query(village: Grid, now: datetime):
    return (select(PointsEntry)
            .join(PointsAccount, PointsAccount.id == PointsEntry.account_id)
            .join(Grid, Grid.id == PointsAccount.grid_id)
            .where(PointsEntry.kind == "earn", PointsEntry.held_until.is_not(None),
                   PointsEntry.held_until > now, in_subtree_where_on("points", village),
                   _not_reversed()))


def on_notice(village: Grid, now: datetime | None = None) -> list[NoticeRow]:
    """The village's awards on notice at ``now``, newest first, as the public page shows them."""
    now = now or utcnow()
    entries = db.session.scalars(
        _on_notice_query(village, now)
        .order_by(PointsEntry.created_at.desc(), PointsEntry.id.desc()).limit(ROW_LIMIT)
        .options(joinedload(PointsEntry.rule),
                 joinedload(PointsEntry.account).joinedload(PointsAccount.resident),
                 joinedload(PointsEntry.account).joinedload(PointsAccount.household)
                 .selectinload(Household.members))).unique().all()
    waiting = dict(db.session.execute(
        select(PointsObjection.entry_id, func.count(PointsObjection.id))
        .where(PointsObjection.entry_id.in_([e.id for e in entries]),
               PointsObjection.state == "open")
        .group_by(PointsObjection.entry_id)).all()) if entries else {}
    return [NoticeRow(entry=e, owner=masked_owner(e.account), reason=reason_of(e),
                      points=e.points, awarded_on=to_local(e.created_at).date(),
                      ends_on=to_local(e.held_until).date(),
                      open_objections=waiting.get(e.id, 0)) for e in entries]


def is_on_notice(entry: PointsEntry, village: Grid | None = None,
                 now: datetime | None = None) -> bool:
    """Whether ``entry`` is an award on notice now (in ``village``, when given)."""
    now = now or utcnow()
    if entry.kind != "earn" or entry.held_until is None or entry.held_until <= now:
        return False
    if village is not None and not in_subtree(entry.account.grid.code, village):
        return False
    return not db.session.scalar(select(PointsEntry.id).filter_by(reverses_id=entry.id).limit(1))


# ---------------------------------------------------------------- objections


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def object_to(entry: PointsEntry, reason: str | None, user=None,
              now: datetime | None = None) -> PointsObjection:
    """A villager's objection to an award on notice, told to the village's admins."""
    if not is_on_notice(entry, now=now):
        raise DomainError(_("这条积分已不在公示期内，不能再提出异议。"))
    reason = _clean(reason)
    if not REASON_MIN <= len(reason) <= REASON_MAX:
        raise DomainError(_("异议理由应为%(a)d到%(b)d个字。", a=REASON_MIN, b=REASON_MAX),
                          field="reason")
    same = db.session.scalar(select(PointsObjection.id).filter_by(
        entry_id=entry.id, state="open", reason=reason).limit(1))
    if same is not None:
        raise DomainError(_("已有相同理由的异议，村里正在核实，请勿重复提交。"), field="reason")
    objection = PointsObjection(town_id=entry.town_id, entry_id=entry.id, reason=reason,
                                user_id=getattr(user, "id", None), state="open")
    db.session.add(objection)
    db.session.flush()
    audit.record("points.object", objection, scope_code=entry.account.grid.code, user=user,
                 entry=entry.id, reason=reason)
    _tell_admins(objection)
    return objection


def _admins_over(grid: Grid) -> list:
    """Who decides objections to the awards of ``grid``: its village's admins (a special grid
    under a town: the town's)."""
    from portal.notifications.recipients import staff_at

    return (staff_at(grid, (VILLAGE,), "points.correct")
            or staff_at(grid, (TOWN,), "points.correct"))


def _tell_admins(objection: PointsObjection) -> int:
    from portal.notifications.writing import notify_each_language, site_path

    entry = objection.entry
    people = _admins_over(entry.account.grid)
    if not people:
        return 0
    owner = masked_owner(entry.account)

    def compose():
        return (_("积分公示收到异议"),
                _("%(owner)s 的 %(points)d 积分（%(reason)s）收到异议：%(text)s",
                  owner=owner, points=entry.points, reason=reason_of(entry),
                  text=objection.reason),
                {"owner": owner, "points": entry.points})

    return notify_each_language(EVENT, f"{EVENT}:{objection.id}", compose, users=people,
                                link=site_path("points.objections"), town=entry.account.town)


def decide(objection: PointsObjection, uphold: bool, note: str | None, actor=None,
           now: datetime | None = None) -> PointsObjection:
    """Uphold (the award is reversed, and every other open objection to it is closed as upheld
    with the same note) or dismiss an open objection. Two admins deciding at the same moment:
    the conditional UPDATE lets one through."""
    note = _clean(note)
    if not note:
        raise DomainError(_("请填写处理意见。"), field="note")
    if len(note) > NOTE_MAX:
        raise DomainError(_("处理意见不能超过%(n)d个字。", n=NOTE_MAX), field="note")
    now = now or utcnow()
    state = "upheld" if uphold else "dismissed"
    values = {"state": state, "decided_by_id": getattr(actor, "id", None), "decided_at": now,
              "decision_note": note}
    done = db.session.execute(update(PointsObjection)
                              .where(PointsObjection.id == objection.id,
                                     PointsObjection.state == "open")
                              .values(**values).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        db.session.refresh(objection)
        raise DomainError(_("这条异议已经处理过了。"))
    db.session.refresh(objection)
    entry = objection.entry
    scope_code = entry.account.grid.code
    if not uphold:
        audit.record("points.objection_dismiss", objection, scope_code=scope_code, user=actor,
                     entry=entry.id, note=note)
        return objection
    others = db.session.scalars(select(PointsObjection).where(
        PointsObjection.entry_id == entry.id, PointsObjection.state == "open",
        PointsObjection.id != objection.id)).all()
    if others:
        db.session.execute(update(PointsObjection)
                           .where(PointsObjection.id.in_([o.id for o in others]),
                                  PointsObjection.state == "open")
                           .values(**values).execution_options(synchronize_session=False))
        for other in others:
            db.session.refresh(other)
    # reversed meanwhile by hand (on the statement): the points are already back, nothing to undo
    if db.session.scalar(select(PointsEntry.id).filter_by(reverses_id=entry.id).limit(1)) is None:
        ledger.reverse(entry, actor=actor, reason=_("公示异议成立：%(n)s", n=note))
    for closed in (objection, *others):
        audit.record("points.objection_uphold", closed, scope_code=scope_code, user=actor,
                     entry=entry.id, points=entry.points, note=note)
    return objection


# ---------------------------------------------------------------- staff lists


def objections_in(scope: Grid, state: str | None = "open", limit: int = 200):
    """Objections to the awards of accounts in ``scope`` (where the module is on), oldest
    open first; decided ones newest first."""
    query = (select(PointsObjection)
             .join(PointsEntry, PointsEntry.id == PointsObjection.entry_id)
             .join(PointsAccount, PointsAccount.id == PointsEntry.account_id)
             .join(Grid, Grid.id == PointsAccount.grid_id)
             .where(in_subtree_where_on("points", scope))
             .options(joinedload(PointsObjection.entry).joinedload(PointsEntry.rule),
                      joinedload(PointsObjection.entry).joinedload(PointsEntry.account)
                      .joinedload(PointsAccount.grid),
                      joinedload(PointsObjection.entry).joinedload(PointsEntry.account)
                      .joinedload(PointsAccount.resident),
                      joinedload(PointsObjection.entry).joinedload(PointsEntry.account)
                      .joinedload(PointsAccount.household).selectinload(Household.members),
                      joinedload(PointsObjection.decided_by)))
    if state == "open":
        query = query.where(PointsObjection.state == "open").order_by(PointsObjection.id)
    else:
        query = query.where(PointsObjection.state != "open").order_by(
            PointsObjection.decided_at.desc(), PointsObjection.id.desc())
    return db.session.scalars(query.limit(limit)).unique().all()


def open_count(scope: Grid) -> int:
    return db.session.scalar(
        select(func.count(PointsObjection.id))
        .join(PointsEntry, PointsEntry.id == PointsObjection.entry_id)
        .join(PointsAccount, PointsAccount.id == PointsEntry.account_id)
        .join(Grid, Grid.id == PointsAccount.grid_id)
        .where(PointsObjection.state == "open", in_subtree_where_on("points", scope))) or 0


def today_items(user, scope) -> list:
    """An admin's today list: the objections waiting for their decision (the oldest first)."""
    from flask import url_for

    from portal.today import YELLOW, TodayItem, TodayRow

    waiting = objections_in(scope, "open", limit=TODAY_ROWS + 1)
    if not waiting:
        return []
    count = len(waiting) if len(waiting) <= TODAY_ROWS else open_count(scope)
    rows = [TodayRow(_("%(owner)s +%(n)d 分", owner=o.entry.account.owner_name, n=o.entry.points),
                     url_for("points.objections") + f"#objection-{o.id}", YELLOW, o.reason[:40])
            for o in waiting[:TODAY_ROWS]]
    return [TodayItem("points.objections", _("积分公示异议"), count, url_for("points.objections"),
                      YELLOW, rows, order=150, module="points")]
