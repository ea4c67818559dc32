"""Points staff pages: the village shops, their goods with photos, and restocking."""
from flask import abort, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.forms import choices
from portal.grids.models import VILLAGE, Grid
from portal.grids.services import grids_in
from portal.permissions import can, requires
from portal.rendering import render
from portal.tenancy import in_subtree_where_on, load_scoped
from portal.uploads import send_photo
from portal.web import submit_form

from . import shop as shops
from .forms import GoodsForm, RestockForm, ShopForm
from .models import PointsGoods, PointsShop, PointsStockEntry


@requires("points.goods")
def shop_list():
    villages = db.session.scalars(grids_in(current_user.scope)
                                  .where(Grid.level == VILLAGE,
                                         in_subtree_where_on("points", current_user.scope))).all()
    form = ShopForm()
    form.grid.choices = choices([(v.id, v.name) for v in villages])
    return submit_form(
        form, lambda: shops.create_shop(next(v for v in villages if v.id == form.grid.data),
                                        name=form.name.data, address=form.address.data or None,
                                        low_stock=form.low_stock.data),
        done=_("已添加积分超市。"), then=lambda item: url_for("points.shop_goods", shop_id=item.id),
        page=lambda: render("points/shops.html", form=form,
                            shops=shops.shops_in(current_user.scope), villages=villages))


@requires("points.goods")
def shop_goods(shop_id):
    item = load_scoped(PointsShop, shop_id)
    form = GoodsForm()

    def page():
        goods = db.session.scalars(select(PointsGoods).filter_by(shop_id=item.id)
                                   .order_by(PointsGoods.active.desc(), PointsGoods.name)).all()
        return render("points/shop.html", shop=item, goods=goods, form=form, scope=item.grid)

    return submit_form(form, lambda: _save_goods(PointsGoods(shop_id=item.id, stock=0), form,
                                                 "points.goods_create"),
                       done=_("已添加商品，请登记入库数量。"),
                       then=lambda goods: url_for("points.goods_edit", goods_id=goods.id),
                       page=page)


def _save_goods(goods: PointsGoods, form: GoodsForm, action: str) -> PointsGoods:
    return shops.save_goods(goods, name=form.name.data, price=form.price.data,
                            unit=form.unit.data or None, active=form.active.data,
                            photo_file=form.photo.data, action=action)


@requires("points.goods")
def goods_edit(goods_id):
    goods = load_scoped(PointsGoods, goods_id)
    form = GoodsForm(obj=goods)
    return submit_form(form, lambda: _save_goods(goods, form, "points.goods_update"),
                       done=_("已保存商品。"),
                       then=url_for("points.shop_goods", shop_id=goods.shop_id),
                       page=lambda: _goods_page(goods, form, RestockForm()))


def _goods_page(goods, form, restock_form):
    moves = db.session.scalars(select(PointsStockEntry).filter_by(goods_id=goods.id)
                               .order_by(PointsStockEntry.id.desc()).limit(100)
                               .options(joinedload(PointsStockEntry.actor))).all()
    return render("points/goods.html", goods=goods, form=form, restock_form=restock_form,
                  moves=moves, scope=goods.shop.grid)


@requires("points.goods")
def restock(goods_id):
    goods = load_scoped(PointsGoods, goods_id)
    form = RestockForm()
    return submit_form(
        form, lambda: shops.restock(goods, form.quantity.data, actor=current_user,
                                    note=form.note.data or None),
        done=lambda _move: _("已入库 %(n)d。", n=form.quantity.data),
        then=url_for("points.goods_edit", goods_id=goods.id),
        page=lambda: _goods_page(goods, GoodsForm(obj=goods), form))


@login_required
def goods_photo(goods_id):
    if not (can(current_user, "points.view") or can(current_user, "points.redeem")):
        abort(403)
    # The village's shop serves everyone in the village: a grid worker may see its goods too.
    goods = load_scoped(PointsGoods, goods_id, from_below=True)
    return send_photo(goods.photo)
