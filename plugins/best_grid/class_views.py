"""The best-grid start page and the town's classes: which grids are ranked together."""
from flask import abort, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.admin.blueprint import chosen_town
from portal.extensions import db
from portal.permissions import requires
from portal.rendering import render
from portal.web import submit_form

from . import services
from .forms import ClassForm, PlacementForm
from .models import BestGridClass, BestGridContest, BestGridFlag, BestGridPlacement


def user_town():
    town, towns = chosen_town()
    if town is None:
        abort(404)
    return town, towns


@requires("best_grid.view")
def index():
    town, towns = user_town()
    contests = db.session.scalars(select(BestGridContest).filter_by(town_id=town.id)
                                  .order_by(BestGridContest.starts_on.desc())).all()
    classes = db.session.scalars(select(BestGridClass).filter_by(town_id=town.id)
                                 .order_by(BestGridClass.position)).all()
    history = db.session.scalars(
        select(BestGridFlag).join(BestGridClass).where(BestGridClass.town_id == town.id)
        .order_by(BestGridFlag.id.desc()).limit(40)).all()
    return render("best_grid/index.html", town=town, towns=towns, contests=contests,
                  classes=classes, flags=services.current_flags(town), history=history,
                  scope=town)


def _town_classes(town):
    return db.session.scalars(select(BestGridClass).filter_by(town_id=town.id)
                              .order_by(BestGridClass.position)).all()


def _placed(grids) -> dict[int, int]:
    """{grid id: class id} of the grids in a class."""
    return dict(db.session.execute(select(BestGridPlacement.grid_id, BestGridPlacement.class_id)
                                   .where(BestGridPlacement.grid_id.in_([g.id for g in grids]))
                                   ).all())


def _placement_form(town, rows) -> PlacementForm:
    grids = services.town_grids(town)
    return PlacementForm.over(grids, rows, _placed(grids))


def _classes_page(town, towns, rows, form, placement_form):
    return render("best_grid/classes.html", town=town, towns=towns, rows=rows, form=form,
                  placement_form=placement_form, scope=town)


@requires("best_grid.manage")
def classes():
    """The town's classes (adding one is this page's POST) and each grid's class."""
    town, towns = user_town()
    rows = _town_classes(town)
    form = ClassForm()
    return submit_form(
        form, lambda: services.create_class(town, form.name.data, actor=current_user),
        done=_("已添加类别。"), then=url_for("best_grid.classes", town=town.code),
        page=lambda: _classes_page(town, towns, rows, form, _placement_form(town, rows)))


@requires("best_grid.manage")
def placements():
    town, towns = user_town()
    rows = _town_classes(town)
    grids = services.town_grids(town)
    placed = _placed(grids)
    form = PlacementForm.over(grids, rows, placed)

    def save():
        by_id, chosen = {k.id: k for k in rows}, form.chosen()
        for grid in grids:
            if chosen[grid.id] != placed.get(grid.id):
                services.place(grid, by_id.get(chosen[grid.id]), actor=current_user)

    return submit_form(form, save, done=_("已保存网格分类。"),
                       then=url_for("best_grid.classes", town=town.code),
                       page=lambda: _classes_page(town, towns, rows, ClassForm(formdata=None),
                                                  form))
