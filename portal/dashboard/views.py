"""The command centre's pages: the dashboard of a scope, its export, the list of grids without a
worker, and the wall screen."""
from datetime import date, timedelta
from flask import abort, current_app, request
from flask_login import current_user
from sqlalchemy import select

from portal.cases import deadlines
from portal.dashboard.figures import build
from portal.extensions import db
from portal.grids.models import GRID, SPECIAL, Grid, GridStaff
from portal.permissions import can, requires
from portal.plugins import host
from portal.rendering import ExportWorkbook, render, xlsx_download
from portal.tenancy import in_subtree, load_scoped


#: Period presets a town official picks from: key → (label, function of today → (since, until)).
PERIODS = ("month", "last_month", "quarter", "year", "30d")


def period_bounds(key: str, today: date) -> tuple[date, date]:
    if key == "last_month":
        end = today.replace(day=1) - timedelta(days=1)
        return end.replace(day=1), end
    if key == "quarter":
        return date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), today
    if key == "year":
        return date(today.year, 1, 1), today
    if key == "30d":
        return today - timedelta(days=29), today
    return today.replace(day=1), today


def _date(name):
    try:
        return date.fromisoformat(request.args[name]) if request.args.get(name) else None
    except ValueError:
        return None


def chosen_scope() -> Grid:
    """The node the page is about: ``grid`` (id) or ``code``, inside the user's scope (404
    outside it), else the user's own scope."""
    value, code = request.args.get("grid"), request.args.get("code")
    if value:
        try:
            return load_scoped(Grid, int(value))
        except ValueError:
            abort(404)
    if code:
        grid = db.session.scalar(select(Grid).filter_by(code=code))
        if grid is None or not in_subtree(grid.code, current_user.scope):
            abort(404)
        return grid
    return current_user.scope


def chosen_period(today: date) -> tuple[str, date, date]:
    since, until = _date("since"), _date("until")
    if since or until:
        since, until = since or until, until or today
        if until < since:
            since, until = until, since
        return "custom", since, until
    key = request.args.get("period") if request.args.get("period") in PERIODS else "month"
    return key, *period_bounds(key, today)


def links(grid_id: int, board) -> dict[str, str]:
    """Where each figure of a node leads: the filtered list that it counts."""
    from flask import url_for

    period = {"since": board.since.isoformat(), "until": board.until.isoformat()}
    return {
        "dashboard": url_for("dashboard.index", grid=grid_id, **period),
        "grids": url_for("grids.show", grid_id=grid_id),
        "unstaffed": url_for("dashboard.unstaffed", grid=grid_id),
        "households": url_for("people.households", grid=grid_id),
        "residents": url_for("people.residents", grid=grid_id),
        "visits": url_for("visits.due", grid=grid_id),
        "received": url_for("cases.index", grid=grid_id, state="counted", **period),
        "open": url_for("cases.index", grid=grid_id, state="open"),
        "red": url_for("cases.index", grid=grid_id, light="red"),
        "stats": url_for("cases.stats", grid=grid_id, **period),
    }


def _context(scope: Grid, trend_months=12):
    today = deadlines.today()
    period, since, until = chosen_period(today)
    board = build(scope, since, until, today, trend_months=trend_months)
    breadcrumb = [a for a in scope.ancestors() if in_subtree(a.code, current_user.scope)]
    cards = host().collect(scope, "dashboard_cards", scope=scope, user=current_user)
    return dict(board=board, scope=scope, period=period, periods=PERIODS, today=today,
                breadcrumb=breadcrumb, cards=cards, links=links)


@requires("dashboard.view")
def index():
    from portal.people.completeness import scope_share

    scope = chosen_scope()
    # the information completeness (信息采集率) of the scope against its town's target: a core
    # figure, so beside the others rather than among the modules' cards
    return render("dashboard/index.html", **_context(scope),
                  completeness=scope_share(scope) if can(current_user, "people.view") else None)


@requires("dashboard.view")
def wall():
    """Full screen for the command centre's wall; the panel refreshes itself through htmx."""
    context = _context(chosen_scope())
    from portal.timeutil import local_now

    return render("dashboard/wall.html", "dashboard/_wall_panel.html", **context,
                  refresh=current_app.config["WALL_REFRESH_SECONDS"],
                  now_local=local_now())


@requires("dashboard.view")
def unstaffed():
    """Base grids under the scope with no grid worker now (the "一格一员" gap)."""
    scope = chosen_scope()
    staffed = select(GridStaff.grid_id).where(GridStaff.post == "worker",
                                              GridStaff.ended_at.is_(None))
    grids = db.session.scalars(
        select(Grid).where(in_subtree(Grid.code, scope), Grid.retired_at.is_(None),
                           Grid.level.in_((GRID, SPECIAL)), Grid.id.not_in(staffed))
        .order_by(Grid.code)).all()
    parents = {g.id: g for g in db.session.scalars(
        select(Grid).where(Grid.id.in_({g.parent_id for g in grids})))}
    return render("dashboard/unstaffed.html", scope=scope, grids=grids, parents=parents)


@requires("dashboard.view")
def export():
    """The dashboard's tables (the scope, its children, the monthly trend) as an Excel file."""
    from flask_babel import force_locale, gettext as _

    context = _context(chosen_scope())
    board = context["board"]
    workbook = ExportWorkbook()
    with force_locale("zh_CN"):
        sheet = workbook.create_sheet(_("概况"))
        sheet.append([_("范围"), board.scope.name, board.scope.code])
        sheet.append([_("统计期间"), board.since, board.until])
        sheet.append(_headers())
        sheet.append(_row(board.scope.name, board.total))
        for node in board.children:
            sheet.append(_row(node.grid.name, node.figures))
        trend = workbook.create_sheet(_("月度趋势"))
        trend.append([_("月份"), _("受理"), _("办结"), _("按时办结"), _("按时办结率")])
        for month in board.trend:
            trend.append([month.month, month.received, month.resolved, month.on_time,
                          round(month.on_time_rate, 4) if month.on_time_rate is not None else None])
    return xlsx_download(workbook, f"指挥中心-{board.scope.name}-{board.until:%Y%m%d}.xlsx")


def _headers():
    from flask_babel import gettext as _

    return [_("名称"), _("网格"), _("无网格员"), _("网格员"), _("户"), _("人"), _("走访逾期"),
            _("三天内到期"), _("受理"), _("在办"), _("红灯"), _("办结"), _("按时办结率"),
            _("平均满意度"), _("满意率")]


def _row(name, f):
    def ratio(value, digits=4):
        return round(value, digits) if value is not None else None

    return [name, f.base_grids, f.unstaffed, f.workers, f.households, f.residents,
            f.visits_overdue, f.visits_soon, f.received, f.open, f.red, f.resolved,
            ratio(f.on_time_rate), ratio(f.satisfaction, 2), ratio(f.satisfied_rate)]
