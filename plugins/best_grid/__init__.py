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
    return {"label": _l("最美网格擂台赛"),
            "description": _l(
                "网格分类排名，按期办结、满意度、走访等自动计算加评审打分，发布结果、流动红旗、最美网格员。")}


@hookimpl
def audit_labels():
    return {
        "actions": {
            "best_grid.class_create": _l("新建网格分类"), "best_grid.contest_create": _l("新建评比"),
            "best_grid.adjust": _l("调整评比得分"), "best_grid.place": _l("评比名次"),
            "best_grid.publish": _l("发布评比结果"), "best_grid.worker_award": _l("评选最美网格员"),
        },
        "objects": {
            "BestGridClass": _l("网格分类"), "BestGridContest": _l("评比"),
            "BestGridCriterion": _l("评比指标"), "BestGridEntry": _l("参评网格"),
            "BestGridJudgement": _l("评审打分"), "BestGridAdjustment": _l("得分调整"),
            "BestGridPlacement": _l("名次"), "BestGridFlag": _l("流动红旗"),
            "BestGridWorkerAward": _l("最美网格员"),
        },
        "fields": {"criteria": _l("评比指标"), "klass": _l("网格分类"), "points": _l("分数"),
                   "prize": _l("奖项"), "winners": _l("获奖者")},
    }


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
def town_template_parts():
    """A town template (样板间) carries the classes and the latest contest's criteria."""
    from .town_template import PARTS

    return list(PARTS)


@hookimpl
def menu_links(user, town):
    if can(user, "best_grid.view"):
        return [MenuLink(340, str(_l("网格评比")), url_for("best_grid.index"))]
    return []


@hookimpl(optionalhook=True)
def points_award_sources():
    """The prizes the points supermarket may pay in points (plugins/best_grid/points_awards)."""
    from .points_awards import sources

    return sources()


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
