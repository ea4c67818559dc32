"""Disputes pages: the monthly screening board of a village or town (which grids reported, which
sent a zero report, which are late) and a grid's report."""
from datetime import date

from flask import request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.errors import DomainError
from portal.forms import choices
from portal.grids.models import GRID, SPECIAL, VILLAGE
from portal.permissions import can, requires
from portal.rendering import render
from portal.timeutil import local_today
from portal.web import submit_form

from . import services
from .forms import ScreeningForm
from .register_views import base_grids, node_arg

#: Who reports a grid's screening: its grid worker, or the village's staff for their grids (a
#: town or the county reads the board; a form listing a county's grids would help nobody).
REPORTING_LEVELS = (GRID, SPECIAL, VILLAGE)


def reporting_grids() -> list:
    if current_user.scope.level not in REPORTING_LEVELS or not can(current_user, "disputes.report"):
        return []
    return base_grids()


def month_arg(value: str | None) -> date:
    """``YYYY-MM`` (this month when missing or wrong; never a month to come)."""
    today = local_today()
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        chosen = date(year, month, 1)
    except ValueError:
        return today.replace(day=1)
    return min(chosen, today.replace(day=1))


@requires("disputes.view")
def board():
    node = node_arg()
    month = month_arg(request.args.get("month"))
    rows = services.screening_board(node, month)
    form = ScreeningForm(month=f"{month:%Y-%m}")
    grids = reporting_grids()
    form.grid.choices = choices([(g.id, g.name) for g in grids])
    return render("disputes/screening.html", node=node, scope=node, month=month, rows=rows,
                  form=form, grids=grids, today=local_today())


@requires("disputes.report")
def report():
    form = ScreeningForm()
    grids = reporting_grids()
    form.grid.choices = choices([(g.id, g.name) for g in grids])

    def save():
        grid = next((g for g in grids if g.id == form.grid.data), None)
        if grid is None:
            raise DomainError(_("请选择网格。"), field="grid")
        month = month_arg(form.month.data)
        if f"{month:%Y-%m}" != (form.month.data or "").strip():
            raise DomainError(_("请选择本月或以前的月份。"), field="month")
        return services.report_screening(grid, month, current_user, zero=form.zero.data,
                                         note=form.note.data)

    def page():
        month = month_arg(form.month.data)
        node = current_user.scope
        if not grids:  # the board has no form for them: say why beside the board
            form.form_errors.append(_("月度排查由网格员或村(社区)报告；镇和县在这里查看各网格的报告情况。"))
        return render("disputes/screening.html", node=node, scope=node, month=month,
                      rows=services.screening_board(node, month), form=form, grids=grids,
                      today=local_today())

    return submit_form(
        form, save,
        done=lambda r: (_("已零报告。") if r.found == 0
                        else _("已报告：本月发现纠纷 %(n)d 件。", n=r.found)),
        then=lambda r: url_for("disputes.board", month=f"{r.month:%Y-%m}"), page=page)
