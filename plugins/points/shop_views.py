"""Points staff pages: the village shops, their goods with photos, and restocking."""
from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.errors import DomainError
from portal.extensions import db
from portal.forms import choices, refuse
from portal.grids.models import VILLAGE, Grid
from portal.grids.services import grids_in
from portal.permissions import can, requires
from portal.plugins import in_subtree_where_on, require_module_at
from portal.rendering import render
from portal.uploads import UploadError, prepare_optional, send_photo, stored

from . import shop as shops
from .forms import GoodsForm, RestockForm, ShopForm
from .loading import scoped_goods, scoped_shop
from .models import PointsGoods, PointsShop, PointsStockEntry


@requires("points.goods")
def shop_list():
    villages = db.session.scalars(grids_in(current_user.scope)
                                  .where(Grid.level == VILLAGE,
                                         in_subtree_where_on("points", current_user.scope))).all()
    form = ShopForm()
    form.grid.choices = choices([(v.id, v.name) for v in villages])
    if form.validate_on_submit():
        village = next(v for v in villages if v.id == form.grid.data)
        if db.session.scalar(select(PointsShop.id).filter_by(grid_id=village.id,
                                                             name=form.name.data)):
            form.name.errors.append(_("本村已有同名积分超市。"))
        else:
            from portal import audit

            item = PointsShop(grid_id=village.id, name=form.name.data,
                              address=form.address.data or None, low_stock=form.low_stock.data)
            db.session.add(item)
            db.session.flush()
            audit.record("points.shop_create", item, scope_code=village.code, name=item.name)
            db.session.commit()
            flash(_("已添加积分超市。"), "success")
            return redirect(url_for("points.shop_goods", shop_id=item.id))
    return render("points/shops.html", form=form, shops=shops.shops_in(current_user.scope),
                  villages=villages), 400 if form.errors else 200


@requires("points.goods")
def shop_goods(shop_id):
    item = scoped_shop(shop_id)
    form = GoodsForm()
    if form.validate_on_submit():
        goods = PointsGoods(shop_id=item.id, stock=0)
        error = _save_goods(goods, form, "points.goods_create")
        if error is None:
            flash(_("已添加商品，请登记入库数量。"), "success")
            return redirect(url_for("points.goods_edit", goods_id=goods.id))
    goods = db.session.scalars(select(PointsGoods).filter_by(shop_id=item.id)
                               .order_by(PointsGoods.active.desc(), PointsGoods.name)).all()
    return render("points/shop.html", shop=item, goods=goods, form=form,
                  scope=item.grid), 400 if form.errors else 200


def _save_goods(goods: PointsGoods, form: GoodsForm, action: str):
    from portal import audit

    try:
        photo = prepare_optional(form.photo.data)  # checked in memory, written at commit
    except UploadError as error:
        form.photo.errors.append(str(error))
        return error
    goods.name, goods.price = form.name.data, form.price.data
    goods.unit, goods.active = form.unit.data or None, form.active.data
    if photo:
        goods.photo = photo.name
    db.session.add(goods)
    db.session.flush()
    audit.record(action, goods, scope_code=goods.shop.grid.code, name=goods.name,
                 price=goods.price, active=goods.active)
    with stored([photo]):
        db.session.commit()
    return None


@requires("points.goods")
def goods_edit(goods_id):
    goods = scoped_goods(goods_id)
    form = GoodsForm(obj=goods)
    if form.validate_on_submit() and _save_goods(goods, form, "points.goods_update") is None:
        flash(_("已保存商品。"), "success")
        return redirect(url_for("points.shop_goods", shop_id=goods.shop_id))
    return _goods_page(goods, form, RestockForm(), 400 if form.errors else 200)


def _goods_page(goods, form, restock_form, status):
    moves = db.session.scalars(select(PointsStockEntry).filter_by(goods_id=goods.id)
                               .order_by(PointsStockEntry.id.desc()).limit(100)
                               .options(joinedload(PointsStockEntry.actor))).all()
    return render("points/goods.html", goods=goods, form=form, restock_form=restock_form,
                  moves=moves, scope=goods.shop.grid), status


@requires("points.goods")
def restock(goods_id):
    goods = scoped_goods(goods_id)
    form = RestockForm()
    if form.validate_on_submit():
        try:
            shops.restock(goods, form.quantity.data, actor=current_user,
                          note=form.note.data or None)
            db.session.commit()
            flash(_("已入库 %(n)d。", n=form.quantity.data), "success")
            return redirect(url_for("points.goods_edit", goods_id=goods.id))
        except DomainError as error:
            refuse(form, error)
    return _goods_page(goods, GoodsForm(obj=goods), form, 400)


@login_required
def goods_photo(goods_id):
    if not (can(current_user, "points.view") or can(current_user, "points.redeem")):
        abort(403)
    # The village's shop serves everyone in the village: a grid worker may see its goods too.
    goods = db.session.get(PointsGoods, goods_id)
    code = current_user.scope.code
    if goods is None or not (goods.scope_code.startswith(code) or code.startswith(goods.scope_code)):
        abort(404)
    require_module_at(goods.scope_code)
    return send_photo(goods.photo)
