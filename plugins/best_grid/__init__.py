"""最美网格 擂台赛 · the best-grid contest: quarterly arena and yearly safe-grid rating, grids ranked
within the town's classes on weighted measured and judged criteria, the rolling red flag and the
best grid worker. Hook implementations only."""
from flask import url_for
from flask_babel import lazy_gettext as _l

from portal import hookimpl
from portal.permissions import ADMINS, Permission, can
from portal.plugins import MenuLink


@hookimpl
def plugin_info():
    return {"label": "最美网格擂台赛",
            "description": "网格分类排名，按期办结、满意度、走访等自动计算加评审打分，发布结果、流动红旗、最美网格员。"}


@hookimpl
def configure_app(app):
    from .forms import KIND_LABELS

    app.jinja_env.globals.update(BEST_GRID_KINDS=KIND_LABELS)


@hookimpl
def register_permissions():
    return [
        Permission("best_grid.view", _l("查看网格评比"),
                   (*ADMINS, "grid_worker", "info_officer", "dept_staff")),
        Permission("best_grid.manage", _l("组织网格评比、发布结果"), ("county_admin", "town_admin")),
        Permission("best_grid.judge", _l("评审打分"), ("county_admin", "town_admin", "dept_staff")),
    ]


@hookimpl
def register_demo_data(town, db):
    from .demo import load

    load(town)


@hookimpl
def menu_links(user, town):
    if can(user, "best_grid.view"):
        return [MenuLink(340, str(_l("网格评比")), url_for("best_grid.index"))]
    return []


@hookimpl
def template_slot(name, context):
    """On the public notice board of a grid: the red flag it holds, if any."""
    if name != "public_notice":
        return None
    from markupsafe import Markup, escape
    from sqlalchemy import select

    from portal.extensions import db

    from .models import BestGridClass, BestGridFlag

    grid = context["grid"]
    flag = db.session.scalar(select(BestGridFlag).where(BestGridFlag.grid_id == grid.id)
                             .order_by(BestGridFlag.id.desc()).limit(1))
    if flag is None:
        return None
    newest = db.session.scalar(select(BestGridFlag.id).filter_by(class_id=flag.class_id)
                               .order_by(BestGridFlag.id.desc()).limit(1))
    if newest != flag.id:
        return None  # the flag has moved on
    klass = db.session.get(BestGridClass, flag.class_id)
    return Markup('<p class="flag">★ {}</p>').format(
        escape(_l("流动红旗：%(k)s第一名", k=klass.name)))
