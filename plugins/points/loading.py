"""The points records a staff user may open: each found within the user's scope, or 404."""
from portal.scoping import scoped

from .models import PointsAccount, PointsGoods, PointsShop


def scoped_account(account_id) -> PointsAccount:
    return scoped(PointsAccount, account_id, lambda a: a.grid.code)


def scoped_shop(shop_id) -> PointsShop:
    return scoped(PointsShop, shop_id, lambda s: s.grid.code)


def scoped_goods(goods_id) -> PointsGoods:
    return scoped(PointsGoods, goods_id, lambda g: g.shop.grid.code)
