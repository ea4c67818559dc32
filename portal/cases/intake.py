"""The town's intake queue (待分派): cases no base grid could be found for (Open311 with only an
address, coordinates outside every boundary, a form without a grid or a placeable position) wait
in their town's own grid record until a town or county dispatcher puts each into a base grid
(放入网格), helped by the grid its coordinates suggest (portal/cases/placement.py)."""
from flask import Blueprint, abort, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms import SelectField
from wtforms.validators import DataRequired

from portal.cases import placement, services
from portal.cases.models import Case
from portal.cases.workflow import OPEN_STATES
from portal.extensions import db
from portal.forms import choices
from portal.grids.models import GRID, SPECIAL, TOWN, Grid
from portal.grids.services import grids_in
from portal.pagination import paginate
from portal.permissions import requires
from portal.rendering import render
from portal.tenancy import in_subtree, load_scoped
from portal.web import submit_form

bp = Blueprint("cases_intake", __name__, url_prefix="/cases/intake")

PAGE_SIZE = 30


class PlaceForm(FlaskForm):
    grid = SelectField(_l("放入网格"), coerce=int,
                       validators=[DataRequired(_l("请选择本镇的基础网格。"))])


def intake_query(scope):
    """Open cases waiting in the intake queue of the towns under ``scope``."""
    return (select(Case).join(Grid, Grid.id == Case.grid_id)
            .where(Grid.level == TOWN, in_subtree(Grid.code, scope),
                   Case.state.in_(OPEN_STATES)))


@bp.route("/")
@requires("cases.dispatch")
def index():
    listing = paginate(intake_query(current_user.scope).options(joinedload(Case.grid))
                       .order_by(Case.created_at, Case.id), PAGE_SIZE)
    suggested = {case.id: placement.place(case.grid, case.latitude, case.longitude)
                 for case in listing.rows}
    return render("cases/intake.html", "cases/_intake_rows.html", suggested=suggested,
                  **listing.context())


def _town_grids(town: Grid) -> list[Grid]:
    """The base grids of ``town`` the user may place into."""
    return list(db.session.scalars(
        grids_in(current_user.scope).where(in_subtree(Grid.code, town),
                                           Grid.level.in_((GRID, SPECIAL)))
        .order_by(Grid.code)))


@bp.route("/<int:intake_case_id>/place", methods=["GET", "POST"])
@requires("cases.dispatch")
def place(intake_case_id):
    """The form to put one intake case into a base grid, with the grid its coordinates suggest
    chosen; another town's case, or one already in a grid, is a 404."""
    case = load_scoped(Case, intake_case_id)
    if not services.is_unplaced(case) or case.state not in OPEN_STATES:
        abort(404)
    grids = _town_grids(case.grid)
    suggestion = placement.place(case.grid, case.latitude, case.longitude)
    form = PlaceForm()
    form.grid.choices = choices([(0, "—"), *((g.id, f"{g.name} {g.code}") for g in grids)])
    if request.method == "GET" and suggestion is not None:
        form.grid.data = suggestion.id

    def save() -> Case:
        chosen = next((g for g in grids if g.id == form.grid.data), None)
        return services.place(case, chosen, current_user)

    return submit_form(form, save,
                       done=lambda placed: _("已将事件 %(n)s 放入%(grid)s。", n=placed.number,
                                             grid=placed.grid.name),
                       then=url_for("cases_intake.index"),
                       page=lambda: render("cases/intake_place.html", case=case, form=form,
                                           suggestion=suggestion))
