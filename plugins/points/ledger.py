"""The points ledger: the only code that changes a balance.

Every change is one conditional UPDATE of the cached balance (``balance + p >= 0``) followed by the
entry that explains it, in the caller's transaction. The UPDATE is the check: two kiosks debiting
the same account at the same moment cannot both pass it, on SQLite (one writer at a time) or on
PostgreSQL (the second waits for the first's row lock and re-reads the row). Callers commit.
"""
import secrets
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from portal import audit
from portal.errors import DomainError
from portal.extensions import db
from portal.people.models import Household, Resident
from portal.settings import get_setting, set_setting
from portal.tenancy import town_of

from .models import OWNERS, PointsAccount, PointsEntry, PointsRule

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
#: The conditional UPDATE every balance change is (the check itself), built once: the kiosk
#: runs it on every confirm, and building it cost about what running it does.
_CHANGE_BALANCE = (update(_ACCOUNTS)
                   .where(_ACCOUNTS.c.id == bindparam("account"),
                          _ACCOUNTS.c.balance + bindparam("points") >= 0)
                   .values(balance=_ACCOUNTS.c.balance + bindparam("points"))
                   .returning(_ACCOUNTS.c.balance))
_NEW_ENTRY = insert(PointsEntry.__table__)


def _change_balance(account_id: int, points: int) -> int:
    """The balance after adding ``points``, or the refusal when it would go below zero."""
    balance = db.session.execute(_CHANGE_BALANCE, {"account": account_id,
                                                   "points": points}).scalar_one_or_none()
    if balance is None:
        current = db.session.scalar(select(PointsAccount.balance).filter_by(id=account_id))
        raise DomainError(_("积分不足：当前余额 %(b)d 分，需要 %(n)d 分。", b=current, n=-points),
                          field="points")
    return balance


def post(account: PointsAccount, kind: str, points: int, *, actor=None, rule=None, note=None,
         source=None, source_label=None, redemption_id=None, reverses=None) -> PointsEntry:
    """Add ``points`` (signed) to the account and write the entry; refuse to go below zero."""
    if points == 0:
        raise DomainError(_("积分不能为0。"), field="points")
    db.session.flush()
    balance = _change_balance(account.id, points)
    set_committed_value(account, "balance", balance)
    entry = PointsEntry(account_id=account.id, town_id=account.town_id, kind=kind, points=points,
                        balance_after=balance, rule_id=rule.id if rule else None,
                        redemption_id=redemption_id, reverses_id=reverses.id if reverses else None,
                        source=source, source_label=source_label, note=note,
                        actor_id=getattr(actor, "id", None))
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
    balance = _change_balance(account.id, points)
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


def award(rule: PointsRule, accounts: list[PointsAccount], actor=None, note=None) -> list[PointsEntry]:
    """Award a rule to several accounts at once, each at its category's value; all or nothing."""
    if not rule.active:
        raise DomainError(_("该积分规则已停用。"), field="rule")
    unique = {a.id: a for a in accounts}
    if not unique:
        raise DomainError(_("请至少选择一位居民。"), field="target")
    entries = []
    for account in unique.values():
        if account.town_id != rule.town_id:
            raise DomainError(_("积分规则属于另一个镇。"), field="rule")
        value = rule.value_for(account.category)
        if value <= 0:
            continue  # a category the rule deliberately gives nothing
        entries.append(post(account, "earn", value, actor=actor, rule=rule, note=note))
    if entries:
        audit.record("points.award", rule, scope_code=rule.town.code, user=actor,
                     accounts=len(entries), note=note)
    return entries


def award_from_module(resident: Resident, points: int, reason: str, source: str, actor=None):
    """What another module asks for through the ``points_award_requested`` hook: the same
    ``source`` pays an account once, however often it is asked."""
    if points <= 0:
        return None
    account = account_for(resident)
    existing = db.session.scalar(select(PointsEntry).filter_by(account_id=account.id,
                                                               source=source))
    if existing is not None:
        return existing
    try:
        with db.session.begin_nested():  # the same ask at the same moment: one entry, one credit
            return post(account, "earn", points, actor=actor, source=source, source_label=reason)
    except IntegrityError:
        db.session.expire(account, ["balance"])
        return db.session.scalar(select(PointsEntry).filter_by(account_id=account.id,
                                                               source=source))


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
        db.session.expire(account, ["balance"])
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
