"""Information completeness (信息采集率): the grids of a scope worst first, what one grid lacks,
and the town's required fields and target."""
from flask import Blueprint, abort, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectMultipleField
from wtforms.validators import NumberRange

from portal.forms import choices
from portal.grids.models import Grid
from portal.people.completeness import (HOUSEHOLD_FIELDS, LABELS, RESIDENT_FIELDS, grid_shares,
                                        missing, required_fields, scope_share,
                                        set_required_fields)
from portal.permissions import requires
from portal.rendering import render
from portal.tenancy import load_scoped, scoped_grid_arg
from portal.web import submit_form

bp = Blueprint("completeness", __name__, url_prefix="/people/completeness")

PAGE_SIZE = 50


class RequiredFieldsForm(FlaskForm):
    households = SelectMultipleField(_l("住户必填"), choices=choices(HOUSEHOLD_FIELDS.items()))
    residents = SelectMultipleField(_l("居民必填"), choices=choices(RESIDENT_FIELDS.items()))
    target = IntegerField(_l("目标采集率(%)"), validators=[
        NumberRange(0, 100, _l("目标应在0到100之间。"))])


@bp.route("")
@requires("people.view")
def index():
    """The base grids under the user's scope (or the ``grid`` chosen in it), worst first."""
    scope = scoped_grid_arg(request.args.get("grid")) or current_user.scope
    shares = grid_shares(scope)
    return render("people/completeness.html", scope=scope, shares=shares,
                  total=scope_share(scope, shares))


@bp.route("/grids/<int:grid_id>")
@requires("people.view")
def grid(grid_id):
    """What the households (``kind=households``) or residents of one base grid lack, a page at
    a time, each linked to its edit page."""
    grid = load_scoped(Grid, grid_id)
    if not grid.is_leaf:
        abort(404)
    kind = request.args.get("kind") if request.args.get("kind") in LABELS else "households"
    page, fields = missing(grid, kind, PAGE_SIZE)
    return render("people/completeness_grid.html", grid=grid, kind=kind, fields=fields,
                  labels=LABELS[kind], **page.context(),
                  share=next((s for s in grid_shares(grid) if s.grid.id == grid.id), None))


@bp.route("/rules", methods=["GET", "POST"])
@requires("settings.manage")
def rules():
    """The town's required fields and target (a county admin chooses the town)."""
    from portal.admin.blueprint import chosen_town

    town, towns = chosen_town()
    if town is None:
        abort(404)
    form = RequiredFieldsForm(data=required_fields(town))
    return submit_form(
        form, lambda: set_required_fields(town, form.households.data or [],
                                          form.residents.data or [], form.target.data,
                                          actor=current_user),
        done=_("已保存%(town)s的必填信息。", town=town.name),
        then=url_for("completeness.rules", town=town.code),
        page=lambda: render("people/completeness_rules.html", form=form, town=town,
                            towns=towns))

