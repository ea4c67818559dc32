"""Points pages: the reports (on screen and as Excel), and a resident's own statement."""
from datetime import datetime, timedelta

from flask import request
from flask_login import current_user
from sqlalchemy import select

from portal.extensions import db
from portal.people.models import Resident
from portal.permissions import requires
from portal.rendering import render
from portal.request_guard import parse_id
from portal.scoping import in_user_scope
from portal.timeutil import local_today

from . import export, reports
from . import shop as shops
from .account_views import statement_entries
from .loading import scoped_shop
from .models import PointsAccount


# ---------------------------------------------------------------- reports


def _report_args():
    shop_id = request.args.get("shop", type=parse_id)
    shop = scoped_shop(shop_id) if shop_id else None
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
    """The accounts of the resident a resident user is (matched by ID number, in their scope)."""
    if not user.id_number:
        return []
    resident = db.session.scalar(select(Resident).filter_by(id_number=user.id_number,
                                                            left_at=None))
    if resident is None or not in_user_scope(resident.grid.code):
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
