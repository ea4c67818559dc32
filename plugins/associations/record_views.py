"""Association pages: the annual roster, the Excel exports, reports to the party branch, dues and
receipts."""
from decimal import Decimal

from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.forms import choices
from portal.permissions import can, requires
from portal.rendering import render
from portal.tenancy import load_scoped
from portal.timeutil import local_today
from portal.web import submit_form

from . import export, points_awards, services
from .forms import DuesForm, ReportForm
from .loading import running, this_year
from .models import AssociationsAssociation, AssociationsDues, AssociationsReport


# ---------------------------------------------------------------- roster and exports


def _year_arg(year):
    if year < 2000 or year > this_year() + 1:
        abort(404)
    return year


@requires("associations.view")
def roster(association_id, year):
    association = load_scoped(AssociationsAssociation, association_id)
    rows = services.roster(association, _year_arg(year))
    return render("associations/roster.html", association=association, rows=rows, year=year,
                  scope=association.grid, points_form=FlaskForm(),
                  pay_points=_pays_points(association, year))


@requires("associations.manage")
def roster_points(association_id, year):
    """年终兑现: the year's scores paid in points by the town's rule (points_awards)."""
    association = load_scoped(AssociationsAssociation, association_id)
    year = _year_arg(year)
    form = FlaskForm()
    return submit_form(
        form, lambda: points_awards.award_year(association, year, actor=current_user),
        done=lambda done: _("已为 %(n)d 位会员发放积分，共 %(p)d 分。", n=done[0], p=done[1]),
        then=url_for("associations.roster", association_id=association.id, year=year),
        page=lambda: render("associations/roster.html", association=association,
                            rows=services.roster(association, year), year=year,
                            scope=association.grid, points_form=form,
                            pay_points=_pays_points(association, year)))


def _pays_points(association, year) -> bool:
    """Whether the roster offers 年终兑现: a town admin's, points on, the year's last month."""
    from portal.modules.services import enabled_modules

    return (can(current_user, "associations.manage")
            and "points" in enabled_modules(association.grid) and points_awards.may_pay(year))


@requires("associations.view")
def export_xlsx(association_id, kind):
    association = load_scoped(AssociationsAssociation, association_id)
    year = _year_arg(request.args.get("year", type=int) or this_year())
    return export.workbook(association, kind, year)


# ---------------------------------------------------------------- reports to the party branch


@requires("associations.view")
def reports(association_id):
    association = load_scoped(AssociationsAssociation, association_id)
    form = ReportForm()
    if request.method == "POST":
        running(association)

    def page():
        rows = db.session.scalars(
            select(AssociationsReport).filter_by(association_id=association.id)
            .options(joinedload(AssociationsReport.submitted_by))
            .order_by(AssociationsReport.id.desc())).all()
        return render("associations/reports.html", association=association, rows=rows,
                      form=form, run=can(current_user, "associations.run", association),
                      scope=association.grid)

    return submit_form(
        form, lambda: services.submit_report(association, form.period.data, form.content.data,
                                             actor=current_user),
        done=_("已向村党支部报告。"),
        then=url_for("associations.reports", association_id=association.id), page=page)


# ---------------------------------------------------------------- dues


@requires("associations.view")
def dues(association_id, year):
    association = load_scoped(AssociationsAssociation, association_id)
    year = _year_arg(year)
    if association.dues_fen is None:
        abort(404)
    members = services.members_in(association, year)
    paid = {d.member_id: d for d in db.session.scalars(select(AssociationsDues).filter_by(
        association_id=association.id, year=year))}
    form = DuesForm(paid_on=local_today())
    form.member.choices = choices([(m.id, m.resident.name) for m in members if m.id not in paid])
    if request.method == "POST":
        running(association)
    return submit_form(
        form, lambda: services.pay_dues(next(m for m in members if m.id == form.member.data),
                                        year, form.paid_on.data, actor=current_user),
        done=lambda receipt: _("已登记会费，收据号 %(n)s。", n=receipt.receipt_number),
        then=lambda receipt: url_for("associations.receipt", dues_id=receipt.id),
        page=lambda: render("associations/dues.html", association=association, members=members,
                            paid=paid, year=year, form=form,
                            yuan=f"{Decimal(association.dues_fen) / 100:.2f}",
                            run=can(current_user, "associations.run", association),
                            scope=association.grid))


@requires("associations.view")
def receipt(dues_id):
    item = load_scoped(AssociationsDues, dues_id)
    return render("associations/receipt.html", dues=item, yuan=f"{Decimal(item.amount_fen) / 100:.2f}",
                  scope=item.member.association.grid)
