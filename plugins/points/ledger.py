"""The points ledger: the only code that changes a balance.

Every change is one conditional UPDATE of the cached balance (``balance + p >= 0``; a redemption
also leaves the points on public notice, a deduction the town lets run into a debt has no
condition) followed by the entry that explains it, in the caller's transaction. The UPDATE is the
check: two kiosks debiting the same account at the same moment cannot both pass it, on SQLite
(one writer at a time) or on PostgreSQL (the second waits for the first's row lock and re-reads
the row). What the account holds is ``balance - debt``, at most one of them above zero, and the
entries sum to it. Callers commit.
"""
import secrets
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import Integer, bindparam, case, exists, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from portal import audit
from portal.errors import DomainError
from portal.extensions import db
from portal.people.models import Household, Resident
from portal.settings import get_setting, set_setting
from portal.tenancy import town_of
from portal.timeutil import utcnow

from .models import OWNERS, PointsAccount, PointsEntry, PointsObjection, PointsRule

OWNER_SETTING = "points.owner"


# ---------------------------------------------------------------- accounts


def owner_mode(town) -> str:
    """Whether the town's points belong to households or to residents."""
    return get_setting(town, OWNER_SETTING, "household")


def set_owner_mode(town, mode: str, actor=None) -> None:
    """Only before the first account: afterwards the points already belong to someone."""
    if mode not in OWNERS:
        raise DomainError(_("积分归属只能是户或个人。"), field="owner")
    if mode == owner_mode(town):
        return
    if db.session.scalar(select(PointsAccount.id).filter_by(town_id=town.id).limit(1)):
        raise DomainError(_("本镇已有积分账户，不能再改变积分归属。"), field="owner")
    set_setting(town, OWNER_SETTING, mode)
    audit.record("points.owner_mode", town, scope_code=town.code, user=actor, mode=mode)


def new_card_token() -> str:
    return secrets.token_urlsafe(12)


def account_for(resident: Resident | None = None, household: Household | None = None,
                create: bool = True) -> PointsAccount | None:
    """The account that holds the points of ``resident`` (or of their household, as the town
    chose), created on first use."""
    home = household or resident.household
    town = town_of(home.grid)
    if owner_mode(town) == "household":
        found = db.session.scalar(select(PointsAccount).filter_by(household_id=home.id))
        owner = {"household_id": home.id}
        party = any(m.party_member for m in home.active_members)
    else:
        if resident is None:
            resident = home.head
            if resident is None:
                raise DomainError(_("该户没有户主，无法确定积分账户。"))
        found = db.session.scalar(select(PointsAccount).filter_by(resident_id=resident.id))
        owner = {"resident_id": resident.id}
        party = resident.party_member
    if found is not None or not create:
        return found
    account = PointsAccount(town_id=town.id, grid_id=home.grid_id, card_token=new_card_token(),
                            category="party_member" if party else "villager", balance=0, **owner)
    db.session.add(account)
    db.session.flush()
    return account


def reissue_card(account: PointsAccount, actor=None) -> str:
    """A lost card stops working: the new card carries a new token."""
    account.card_token = new_card_token()
    audit.record("points.card_reissue", account, scope_code=account.grid.code, user=actor)
    return account.card_token


# ---------------------------------------------------------------- the one writer of balances


_ACCOUNTS = PointsAccount.__table__
_ENTRIES = PointsEntry.__table__
_REVERSALS = _ENTRIES.alias("reversal")
_POINTS = bindparam("points", type_=Integer)
#: What the account holds after the change: its balance less its debt, plus the points.
_NET = _ACCOUNTS.c.balance - _ACCOUNTS.c.debt + _POINTS


def _balance_change(*conditions):
    """The conditional UPDATE every balance change is (the check itself): the net amount split
    into a balance (never below zero) and a debt (never below zero), at most one of them above
    zero, so an award pays a debt back first. Built once: the kiosk runs it on every confirm,
    and building it cost about what running it does."""
    return (update(_ACCOUNTS)
            .where(_ACCOUNTS.c.id == bindparam("account"), *conditions)
            .values(balance=case((_NET > 0, _NET), else_=0),
                    debt=case((_NET < 0, -_NET), else_=0))
            .returning(_ACCOUNTS.c.balance, _ACCOUNTS.c.debt))


_OBJECTIONS = PointsObjection.__table__
#: Points on public notice (积分公示): awards whose notice has not ended, or that a villager's
#: objection still open holds past it, and that were not reversed (an objection upheld). They
#: are on the balance but may not be spent yet.
_HELD = (select(func.coalesce(func.sum(_ENTRIES.c.points), 0))
         .where(_ENTRIES.c.account_id == bindparam("account"),
                _ENTRIES.c.held_until.is_not(None),
                or_(_ENTRIES.c.held_until > bindparam("now"),
                    exists().where(_OBJECTIONS.c.entry_id == _ENTRIES.c.id,
                                   _OBJECTIONS.c.state == "open")),
                ~exists().where(_REVERSALS.c.reverses_id == _ENTRIES.c.id))
         .scalar_subquery())
#: Any change that may not take the balance below zero: an award always passes (it pays a
#: debt back first), a taking only when the balance covers it.
_CHANGE_BALANCE = _balance_change(or_(_POINTS >= 0, _ACCOUNTS.c.balance + _POINTS >= 0))
#: A redemption: only what is not on public notice may be spent.
_SPEND = _balance_change(_ACCOUNTS.c.balance + _POINTS >= _HELD)
#: A deduction where the town keeps debts: the rest of it beyond the balance is owed.
_OWE = _balance_change()
_NEW_ENTRY = insert(_ENTRIES)


def _change_balance(account_id: int, points: int, statement=_CHANGE_BALANCE) -> tuple[int, int]:
    """(balance, debt) after adding ``points``, or the refusal when the balance does not cover a
    taking."""
    params = {"account": account_id, "points": points}
    if statement is _SPEND:
        params["now"] = utcnow()
    changed = db.session.execute(statement, params).first()
    if changed is None:
        current = db.session.scalar(select(PointsAccount.balance).filter_by(id=account_id))
        held = held_points(account_id) if statement is _SPEND else 0
        if held:
            raise DomainError(_("积分不足：当前余额 %(b)d 分，其中 %(h)d 分尚在公示期、暂不能兑换，"
                                "需要 %(n)d 分。", b=current, h=held, n=-points), field="points")
        raise DomainError(_("积分不足：当前余额 %(b)d 分，需要 %(n)d 分。", b=current, n=-points),
                          field="points")
    return changed.balance, changed.debt


def held_points(account_id: int, now: datetime | None = None) -> int:
    """Points of the account still on public notice: on its balance, not yet to be spent."""
    return int(db.session.scalar(select(_HELD), {"account": account_id,
                                                 "now": now or utcnow()}) or 0)


def post(account: PointsAccount, kind: str, points: int, *, actor=None, rule=None, note=None,
         source=None, source_label=None, redemption_id=None, reverses=None, held_until=None,
         may_owe: bool = False) -> PointsEntry:
    """Add ``points`` (signed) to the account and write the entry; refuse to take the balance
    below zero, except a deduction the town lets run into a debt (``may_owe``)."""
    if points == 0:
        raise DomainError(_("积分不能为0。"), field="points")
    db.session.flush()
    balance, debt = _change_balance(account.id, points, _OWE if may_owe else _CHANGE_BALANCE)
    set_committed_value(account, "balance", balance)
    set_committed_value(account, "debt", debt)
    entry = PointsEntry(account_id=account.id, town_id=account.town_id, kind=kind, points=points,
                        balance_after=balance - debt, rule_id=rule.id if rule else None,
                        redemption_id=redemption_id, reverses_id=reverses.id if reverses else None,
                        source=source, source_label=source_label, note=note,
                        actor_id=getattr(actor, "id", None), held_until=held_until)
    db.session.add(entry)
    db.session.flush()
    if kind == "earn":  # the owner's login is told, in this transaction (plugins/points/notices)
        from .notices import tell_award

        tell_award(account, entry)
    return entry


def post_row(account: PointsAccount, kind: str, points: int, *, actor_id: int | None,
             redemption_id: int | None, note: str, created_at: datetime) -> None:
    """``post`` for the kiosk's redemption, which writes with Core (plugins/points/shop.py):
    the same balance change and the same entry, without an ORM object. Spending only: an award
    tells its owner (``post``)."""
    if points >= 0:
        raise ValueError("post_row takes points out; awards go through post()")
    balance, _debt = _change_balance(account.id, points, _SPEND)  # no debt: the spend was covered
    set_committed_value(account, "balance", balance)
    db.session.execute(_NEW_ENTRY, {
        "account_id": account.id, "town_id": account.town_id, "kind": kind, "points": points,
        "balance_after": balance, "redemption_id": redemption_id, "note": note,
        "actor_id": actor_id, "created_at": created_at})


# ---------------------------------------------------------------- earning


def open_accounts(grid) -> int:
    """Open the missing accounts of a grid's households (or of their residents, as the town
    keeps them); how many were opened."""
    opened = 0
    households = db.session.scalars(select(Household).filter_by(grid_id=grid.id, moved_out_at=None)
                                    .options(selectinload(Household.members))).all()
    for household in households:
        if not household.active_members:
            continue
        targets = ([None] if owner_mode(town_of(grid)) == "household"
                   else household.active_members)
        for resident in targets:
            if account_for(resident, household, create=False) is None:
                account_for(resident, household)
                opened += 1
    return opened


def set_category(account: PointsAccount, category: str) -> None:
    audit.record("points.category", account, scope_code=account.grid.code,
                 old=account.category, new=category)
    account.category = category


def notice_end(town) -> datetime | None:
    """When an award made now may be spent: after the town's public notice (积分公示), if any."""
    from .town_settings import notice_days

    days = notice_days(town)
    return utcnow() + timedelta(days=days) if days else None


def earn(account: PointsAccount, points: int, **kwargs) -> PointsEntry:
    """An award: on public notice first where the town keeps a notice window."""
    if "held_until" not in kwargs:  # asked only when not given: it reads (see award_entry)
        kwargs["held_until"] = notice_end(account.town)
    return post(account, "earn", points, **kwargs)


def award(rule: PointsRule, accounts: list[PointsAccount], actor=None, note=None) -> list[PointsEntry]:
    """Award a rule to several accounts at once, each at its category's value; all or nothing.
    A rule of negative value (负向扣分) deducts instead (``deduct``)."""
    if not rule.active:
        raise DomainError(_("该积分规则已停用。"), field="rule")
    unique = {a.id: a for a in accounts}
    if not unique:
        raise DomainError(_("请至少选择一位居民。"), field="target")
    entries, skipped = [], 0
    for account in unique.values():
        if account.town_id != rule.town_id:
            raise DomainError(_("积分规则属于另一个镇。"), field="rule")
        value = rule.value_for(account.category)
        if rule.points < 0:
            found = deduct(account, value, rule=rule, actor=actor, note=note) if value < 0 else None
            if found is None:
                skipped += 1
            else:
                entries.append(found)
        elif value > 0:  # a category the rule deliberately gives nothing gets nothing
            entries.append(earn(account, value, actor=actor, rule=rule, note=note))
    if entries or skipped:
        action = "points.deduct" if rule.points < 0 else "points.award"
        audit.record(action, rule, scope_code=rule.town.code, user=actor,
                     accounts=len(entries), note=note, **({"skipped": skipped} if skipped else {}))
    return entries


def deduct(account: PointsAccount, points: int, *, rule=None, actor=None, note=None,
           attempts: int = 3) -> PointsEntry | None:
    """Take ``-points`` off by a deduction rule. Beyond the balance, the town's choice: a debt
    the next awards pay back, or only what the balance holds (None when it holds nothing).
    Points on public notice may be deducted: notice protects the village from a wrong award,
    not the holder from a deduction."""
    from .town_settings import at_zero

    if points >= 0:
        raise ValueError("deduct takes a negative number of points")
    if at_zero(account.town) == "debt":
        return post(account, "deduct", points, rule=rule, actor=actor, note=note, may_owe=True)
    for _attempt in range(attempts):
        # only what the balance holds; a redemption at the same moment may take part of it
        # first, and the conditional UPDATE then refuses: read again and take what is left
        balance = db.session.scalar(select(PointsAccount.balance).filter_by(id=account.id))
        taken = min(-points, balance or 0)
        if taken == 0:
            return None
        try:
            with db.session.begin_nested():
                return post(account, "deduct", -taken, rule=rule, actor=actor, note=note)
        except DomainError:
            continue
    raise DomainError(_("账户余额正在变动，请稍后再扣。"), field="target")


def award_entry(account: PointsAccount, rule: PointsRule | None, points: int, *, actor=None,
                source: str, source_label: str | None = None,
                note: str | None = None) -> PointsEntry | None:
    """An award for one piece of evidence (``source``, e.g. "points.claim:12"): paid once per
    account, however often or concurrently it is asked; the entry already made is returned."""
    if points <= 0:
        return None
    existing = db.session.scalar(select(PointsEntry).filter_by(account_id=account.id,
                                                               source=source))
    if existing is not None:
        return existing
    # read before the savepoint, whose first statement must be the write: on SQLite a
    # transaction that read first cannot take the write lock after another writer committed
    held_until = notice_end(account.town)
    try:
        with db.session.begin_nested():  # the same ask at the same moment: one entry, one credit
            return earn(account, points, actor=actor, rule=rule, source=source,
                        source_label=source_label, note=note, held_until=held_until)
    except IntegrityError:
        db.session.expire(account, ["balance", "debt"])
        return db.session.scalar(select(PointsEntry).filter_by(account_id=account.id,
                                                               source=source))


def award_from_module(resident: Resident, points: int, reason: str, source: str, actor=None):
    """What another module asks for through the ``points_award_requested`` hook: the same
    ``source`` pays an account once, however often it is asked."""
    if points <= 0:
        return None
    return award_entry(account_for(resident), None, points, actor=actor, source=source,
                       source_label=reason)


def award_for_deed(kind: str, resident: Resident, reason: str, source: str, actor=None,
                   share: float = 1.0) -> PointsEntry | None:
    """A module's deed (``kind``, one of the award sources the modules declare) earns the rule
    the resident's town chose for it on the points rules page, at the account's category value
    times ``share`` (an association member's year score out of 100, say); nothing where the
    town chose no rule or the rule is off."""
    from .town_settings import sources

    town = town_of(resident.grid)
    rule_id = sources(town).get(kind)
    rule = db.session.get(PointsRule, rule_id) if rule_id else None
    if rule is None or not rule.active or rule.points <= 0 or rule.town_id != town.id:
        return None
    account = account_for(resident)
    points = int(round(rule.value_for(account.category) * share))
    return award_entry(account, rule, points, actor=actor, source=source, source_label=reason)


# ---------------------------------------------------------------- corrections


def reverse(entry: PointsEntry, actor=None, reason: str | None = None) -> PointsEntry:
    """Undo an entry with its opposite; the original stays as it was."""
    if not reason:
        raise DomainError(_("请说明冲正原因。"), field="reason")
    if entry.kind == "reverse":
        raise DomainError(_("冲正记录不能再冲正。"))
    if entry.redemption_id is not None:
        raise DomainError(_("兑换记录请在兑换单上退货冲正。"))
    if db.session.scalar(select(PointsEntry.id).filter_by(reverses_id=entry.id)):
        raise DomainError(_("这条记录已经冲正过。"))
    account = entry.account  # loaded before the savepoint: its first statement is the write
    try:
        with db.session.begin_nested():  # the unique reverses_id lets one reversal through
            reversal = post(account, "reverse", -entry.points, actor=actor, reverses=entry,
                            note=reason)
    except DomainError:
        raise DomainError(_("余额不足，无法冲正：这些积分已被使用。"), field="reason") from None
    except IntegrityError:
        db.session.expire(account, ["balance", "debt"])
        raise DomainError(_("这条记录已经冲正过。")) from None
    audit.record("points.reverse", entry, scope_code=entry.account.grid.code, user=actor,
                 points=entry.points, reason=reason)
    return reversal


def adjust(account: PointsAccount, points: int, actor=None, reason: str | None = None):
    if not reason:
        raise DomainError(_("请说明调整原因。"), field="reason")
    entry = post(account, "adjust", points, actor=actor, note=reason)
    audit.record("points.adjust", account, scope_code=account.grid.code, user=actor,
                 points=points, reason=reason)
    return entry


def expiring_points(account_id: int, before: datetime) -> int:
    """Points earned before ``before`` that are still unspent, spending the oldest first: earned
    then minus everything taken out since the start (redemptions, expiries, negative
    adjustments), never more than the balance."""
    earned = db.session.scalar(select(func.coalesce(func.sum(PointsEntry.points), 0)).where(
        PointsEntry.account_id == account_id, PointsEntry.points > 0,
        PointsEntry.created_at < before)) or 0
    taken = -(db.session.scalar(select(func.coalesce(func.sum(PointsEntry.points), 0)).where(
        PointsEntry.account_id == account_id, PointsEntry.points < 0)) or 0)
    balance = db.session.scalar(select(PointsAccount.balance).filter_by(id=account_id))
    return max(0, min(balance, earned - taken))


def expire(town, before: datetime, actor=None) -> int:
    """Expire unspent points earned before ``before`` in the town; safe to run again (what has
    expired counts as taken). Returns the number of points expired."""
    total = 0
    for account in db.session.scalars(select(PointsAccount).filter_by(town_id=town.id)
                                      .where(PointsAccount.balance > 0)).all():
        amount = expiring_points(account.id, before)
        if amount:
            post(account, "expire", -amount, actor=actor,
                 note=_("%(d)s 之前获得的积分到期", d=f"{before:%Y-%m-%d}"))
            total += amount
    audit.record("points.expire", town, scope_code=town.code, user=actor,
                 before=f"{before:%Y-%m-%d}", points=total)
    return total


def balance_from_ledger(account_id: int) -> int:
    return db.session.scalar(select(func.coalesce(func.sum(PointsEntry.points), 0))
                             .filter_by(account_id=account_id)) or 0
