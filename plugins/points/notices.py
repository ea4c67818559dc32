"""Telling a resident of points they earned (the ledger calls ``tell_award`` for every "earn"
entry, in its transaction: a rolled-back award tells nobody, and the entry's id in the key makes
a retried write add nothing).

Who is told: the logins of the account's owner. A login is linked to the register by its ID
number (portal.tenancy.resident_of), so a resident's account reaches the login carrying that
resident's ID number, a household's account the logins of its current members — those of them
who may read their points (``points.own``) in the town of the account. An owner without such a
login (most villagers at first) is told nothing: their points are on the card and the kiosk.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import gettext as _
from sqlalchemy import select

from portal.extensions import db
from portal.notifications.recipients import roles_with
from portal.notifications.writing import Composed, notify_each_language, site_path
from portal.tenancy import in_subtree

if TYPE_CHECKING:
    from .models import PointsAccount, PointsEntry

EVENT = "points_awarded"


def owners(account: PointsAccount) -> list:
    from portal.auth.models import User

    if account.resident is not None:
        numbers = [account.resident.id_number]
    else:
        numbers = [m.id_number for m in account.household.active_members]
    numbers = [number for number in numbers if number]
    roles = roles_with("points.own")
    if not numbers or not roles:
        return []
    users = db.session.scalars(select(User).where(
        User.id_number.in_(numbers), User.role.in_(roles), User.is_active_flag.is_(True)))
    return [user for user in users if in_subtree(user.scope.code, account.town)]


def tell_award(account: PointsAccount, entry: PointsEntry) -> int:
    people = owners(account)
    if not people:
        return 0
    reason = entry.source_label or (entry.rule.name if entry.rule is not None else None) \
        or entry.note or ""

    def compose() -> Composed:
        if reason:
            body = _("您获得 %(points)d 积分（%(reason)s），当前余额 %(balance)d 分。",
                     points=entry.points, reason=reason, balance=entry.balance_after)
        else:
            body = _("您获得 %(points)d 积分，当前余额 %(balance)d 分。", points=entry.points,
                     balance=entry.balance_after)
        return (_("获得积分 %(points)d 分", points=entry.points), body,
                {"points": entry.points, "balance": entry.balance_after, "reason": reason})

    return notify_each_language(EVENT, f"{EVENT}:{entry.id}", compose, users=people,
                                link=site_path("points.mine"), town=account.town)
