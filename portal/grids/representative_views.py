"""The households a resident representative looks after (联户), from their staff entry."""
from flask import Blueprint, abort, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import DataRequired

from portal.forms import choices
from portal.grids import representatives
from portal.grids.models import Grid, GridStaff
from portal.people.models import Household
from portal.permissions import can, requires
from portal.rendering import render
from portal.tenancy import load_scoped
from portal.web import REFUSED, run_action, submit_form

bp = Blueprint("representatives", __name__, url_prefix="/grids")


class LinkForm(FlaskForm):
    household = SelectField(_l("住户"), coerce=int, validate_choice=False,
                            validators=[DataRequired(_l("请选择住户。"))])


@bp.app_template_global("household_representative")
def household_representative(household):
    """The household's active link to its representative, for the household page's partial
    (templates/people/_household_representative.html)."""
    return representatives.representative_of(household)


def _staff(grid_id: int, staff_id: int) -> GridStaff:
    """The staff entry of a grid the user may see (another town's: 404)."""
    grid = load_scoped(Grid, grid_id)
    staff = load_scoped(GridStaff, staff_id)
    if staff.grid_id != grid.id:
        abort(404)
    return staff


def _household_label(household: Household) -> str:
    head = household.head
    return " ".join(part for part in (household.number, household.address,
                                      head.name if head else None) if part)


def _page(staff: GridStaff, form: LinkForm):
    links = representatives.links_of(staff)
    return render("grids/representative.html", staff=staff, grid=staff.grid, form=form,
                  links=links, ended=representatives.ended_links_of(staff),
                  hint=representatives.count_hint(len(links)),
                  last=representatives.last_visits([link.household_id for link in links]),
                  visits=representatives.visits_by(staff),
                  may_link=representatives.may_link(staff), label=_household_label,
                  advised=(representatives.ADVISED_MIN, representatives.ADVISED_MAX))


def _form(staff: GridStaff) -> LinkForm:
    form = LinkForm()
    # a household another representative looks after stays in the list with their name: the
    # refusal then says whom to ask, rather than the household seeming to be missing
    form.household.choices = choices([(0, "—"), *(
        (household.id, _household_label(household) + (
            _("（%(name)s联系）", name=link.staff.name) if link is not None else ""))
        for household, link in representatives.candidates(staff)
        if link is None or link.staff_id != staff.id)])
    return form


# One rule for the page and its form (read with people.view, linked with people.manage): a
# second rule on the same path for POST made Werkzeug answer 405 instead of 404 for an id out
# of range.
@bp.route("/<int:grid_id>/staff/<int:staff_id>/households", methods=["GET", "POST"])
@requires("people.view")
def households(grid_id, staff_id):
    staff = _staff(grid_id, staff_id)
    if request.method != "POST":
        return _page(staff, _form(staff))
    if not can(current_user, "people.manage", staff.grid):
        abort(403)
    form = _form(staff)
    if not representatives.may_link(staff):  # the page offers no form: say why above it
        form.form_errors.append(_("只有在任的居民代表可以联系住户。"))
        return _page(staff, form), REFUSED

    def save():
        household = load_scoped(Household, form.household.data)
        return representatives.link(staff, household, actor=current_user)

    return submit_form(
        form, save,
        done=lambda record: _("%(name)s开始联系这户。", name=staff.name),
        then=url_for("representatives.households", grid_id=grid_id, staff_id=staff.id),
        page=lambda: _page(staff, form))


@bp.route("/<int:grid_id>/staff/<int:staff_id>/households/<int:household_id>/end",
          methods=["POST"])
@requires("people.manage")
def unlink(grid_id, staff_id, household_id):
    staff = _staff(grid_id, staff_id)
    household = load_scoped(Household, household_id)
    return run_action(lambda: representatives.unlink(staff, household, actor=current_user),
                      done=_("已解除联户，记录保留。"),
                      then=url_for("representatives.households", grid_id=grid_id,
                                   staff_id=staff.id))
