"""The points' part of a resident's today list (the core's ``today_items`` hook): their
balance (and their household's), linked to their statement (我的积分). A kiosk operator starts
on the kiosk (landing_page) and has no today list to add to."""
from flask import url_for
from flask_babel import gettext as _

from portal.permissions import can


def items(user, scope) -> list:
    from portal.today import NONE, TodayItem, TodayRow

    from .claims import today_items as claim_items

    waiting = claim_items(user, scope)  # a reviewer's residents' claims to decide (积分申报)
    if can(user, "points.correct"):  # the admins: objections to awards on public notice
        from .public_notice import today_items as objection_items

        return waiting + objection_items(user, scope)
    if user.role != "resident" or not can(user, "points.own"):
        return waiting
    from .report_views import own_accounts

    accounts = own_accounts(user)
    if not accounts:
        return []
    rows = [TodayRow(account.owner_name, url_for("points.mine"), None,
                     _("%(n)d 分", n=account.balance)) for account in accounts]
    return [TodayItem("points.balance", _("我的积分"), sum(a.balance for a in accounts),
                      url_for("points.mine"), NONE, rows, order=150, module="points")]
