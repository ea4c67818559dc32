"""The assessment part's answers to the module's hooks (gathered by plugins/grid_work/__init__.py)."""
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.permissions import can

from . import notices
from .labels import MODULE, AUDIT


def audit_labels():
    return AUDIT


def menu_links(user, town):
    from portal.plugins import MenuLink

    if can(user, "grid_work.view"):
        return [MenuLink(366, str(_l("考核")), url_for("grid_work_assessment.index"))]
    if can(user, "grid_work.own"):
        return [MenuLink(366, str(_l("考核")), url_for("grid_work_assessment.mine"))]
    return []


def notification_events():
    return {notices.APPEAL_DECIDED: _l("考核申诉已处理"),
            notices.SCORE_PUBLISHED: _l("考核结果已发布")}


def current_scheme(town):
    """The town's scheme to show now: the latest still running, else the latest published."""
    from sqlalchemy import select

    from portal.extensions import db

    from .models import GridWorkScheme

    return db.session.scalar(
        select(GridWorkScheme).filter_by(town_id=town.id)
        .order_by((GridWorkScheme.state == "draft").desc(), GridWorkScheme.year.desc(),
                  GridWorkScheme.quarter.desc()).limit(1))


def dashboard_cards(scope, user):
    """The current scheme of the town: its workers of the scope ranked, top 3 and bottom 3, and
    the open appeals."""
    if not can(user, "grid_work.view") or scope.level == "county":
        return []
    from flask import render_template
    from markupsafe import Markup

    from portal.plugins import Card
    from portal.tenancy import town_of

    from . import scoring, services

    town = town_of(scope)
    scheme = current_scheme(town) if town is not None else None
    if scheme is None:
        return []
    rows = scoring.visible_rows(scheme, scope)
    body = Markup(render_template(
        "grid_work/assessment/_card.html", scheme=scheme, top=rows[:3],
        bottom=rows[3:][-3:], waiting=services.open_appeals(scheme)))
    return [Card(366, str(_l("网格员考核")), body,
                 url_for("grid_work_assessment.sheet", scheme_id=scheme.id))]


def today_items(user, scope):
    """A town's admin who assesses: the appeals waiting for a decision."""
    if not can(user, "grid_work.assess") or scope.level == "county":
        return []
    from sqlalchemy import select
    from sqlalchemy.orm import joinedload

    from portal.extensions import db
    from portal.grids.models import Grid
    from portal.tenancy import in_subtree_where_on
    from portal.today import YELLOW, TodayRow
    from portal.today.items import TodayItem

    from .models import GridWorkAppeal, GridWorkItem

    waiting = list(db.session.scalars(
        select(GridWorkAppeal).join(Grid, Grid.id == GridWorkAppeal.grid_id)
        .where(in_subtree_where_on(MODULE, scope), GridWorkAppeal.state == "open")
        .options(joinedload(GridWorkAppeal.item).joinedload(GridWorkItem.scheme),
                 joinedload(GridWorkAppeal.worker))
        .order_by(GridWorkAppeal.created_at).limit(100)))
    if not waiting:
        return []
    rows = [TodayRow(_("%(name)s · %(item)s", name=a.worker.display_name, item=a.item.label),
                     url_for("grid_work_assessment.worker", scheme_id=a.item.scheme_id,
                             worker_id=a.worker_id), YELLOW, a.item.scheme.title)
            for a in waiting]
    return [TodayItem("grid_work.appeals", _("考核申诉待处理"), len(rows),
                      url_for("grid_work_assessment.appeals"), YELLOW, rows, order=366,
                      module="grid_work")]


def case_state_changed(case, old, new, action, actor):
    from .rewards import case_closed

    case_closed(case, old, new, action)


def town_template_parts():
    from .town_template import PARTS

    return list(PARTS)


def demo(town):
    from .demo import load

    load(town)
