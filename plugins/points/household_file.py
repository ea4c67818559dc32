"""The points' part of the household file (一户一档): each account of the household (one for the
household, or one per member, as the town chose) with its balance, debt, points on public notice
and last entries, linked to its statement. Only for those who may read points accounts."""
from flask import url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import or_, select

from portal.extensions import db
from portal.permissions import can
from portal.plugins import Card
from portal.timeutil import to_local

from .forms import KIND_LABELS
from .ledger import held_points
from .models import PointsAccount, PointsEntry

#: The entries shown per account: the statement has them all.
LAST_ENTRIES = 5


def accounts_of(household) -> list[PointsAccount]:
    members = [m.id for m in household.members]
    owner = PointsAccount.household_id == household.id
    if members:
        owner = or_(owner, PointsAccount.resident_id.in_(members))
    return list(db.session.scalars(select(PointsAccount).where(owner).order_by(PointsAccount.id)))


def _entries(account: PointsAccount) -> list[PointsEntry]:
    return list(db.session.scalars(select(PointsEntry).filter_by(account_id=account.id)
                                   .order_by(PointsEntry.id.desc()).limit(LAST_ENTRIES)))


def _account(account: PointsAccount) -> Markup:
    owner = account.resident.name if account.resident is not None else _("本户")
    figures = Markup("<p><strong>{}</strong> · {} <strong>{}</strong>").format(
        owner, _("余额"), account.balance)
    if account.debt:
        figures += Markup(" · {} {}").format(_("欠分"), account.debt)
    held = held_points(account.id)
    if held:
        figures += Markup(" · {} {}").format(_("公示中"), held)
    figures += Markup(' · <a href="{}">{}</a></p>').format(
        url_for("points.statement", account_id=account.id), _("积分流水"))
    rows = Markup("").join(
        Markup("<li>{} {} {:+d} {}</li>").format(
            to_local(entry.created_at).date().isoformat(), KIND_LABELS.get(entry.kind, entry.kind),
            entry.points, entry.source_label or (entry.rule.name if entry.rule else ""))
        for entry in _entries(account))
    return figures + (Markup("<ul>{}</ul>").format(rows) if rows else Markup(""))


def parts(household, user) -> list[Card]:
    if not can(user, "points.view"):
        return []
    accounts = accounts_of(household)
    if accounts:
        body = Markup("").join(_account(a) for a in accounts)
    else:
        body = Markup("<p>{}</p>").format(escape(_("该户还没有积分账户。")))
    return [Card(110, _("积分"), body)]
