"""Points pages: the reports (on screen and as Excel), and a resident's own statement."""
from datetime import datetime, timedelta

from flask import request
from flask_login import current_user
from sqlalchemy import select

from portal.extensions import db
from portal.permissions import requires
from portal.rendering import render
from portal.request_guard import parse_id
from portal.tenancy import in_subtree, load_scoped, resident_of
from portal.timeutil import local_today

from . import export, reports
from . import shop as shops
from .account_views import statement_entries
from .models import PointsAccount, PointsShop


# ---------------------------------------------------------------- reports


def _report_args():
    shop_id = request.args.get("shop", type=parse_id)
    shop = load_scoped(PointsShop, shop_id) if shop_id else None
    return shop, local_today()


@requires("points.view")
def report():
    shop, today = _report_args()
    scope = shop.grid if shop else current_user.scope
    since = datetime.combine(today - timedelta(days=90), datetime.min.time())
    return render("points/reports.html", shop=shop, shops=shops.shops_in(current_user.scope),
                  months=reports.monthly(scope, today, 12, shop=shop),
                  top=reports.top_goods(scope, since, shop=shop), low=reports.low_stock(scope),
                  scope=scope)


@requires("points.view")
def report_xlsx():
    shop, today = _report_args()
    scope = shop.grid if shop else current_user.scope
    since = datetime.combine(today - timedelta(days=90), datetime.min.time())
    return export.report(scope, shop, reports.monthly(scope, today, 12, shop=shop),
                         reports.top_goods(scope, since, shop=shop), reports.low_stock(scope))


# ---------------------------------------------------------------- a resident's own points


def own_accounts(user) -> list[PointsAccount]:
    """The accounts of the resident a user is (still living here, in their scope)."""
    resident = resident_of(user)
    if resident is None or resident.left_at is not None or \
            not in_subtree(resident.grid.code, user.scope):
        return []
    return [a for a in (db.session.scalar(select(PointsAccount).filter_by(resident_id=resident.id)),
                        db.session.scalar(select(PointsAccount)
                                          .filter_by(household_id=resident.household_id)))
            if a is not None]


@requires("points.own")
def mine():
    accounts_ = own_accounts(current_user)
    return render("points/mine.html",
                  items=[(a, statement_entries(a)) for a in accounts_])
