"""Grid size standards: the grids outside their town's range, and the town's range."""
from flask import Blueprint, abort, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import NumberRange

from portal.grids.size_standards import (DEFAULT_SIZE, grids_outside, set_size_standard,
                                         size_standard)
from portal.permissions import requires
from portal.rendering import render
from portal.tenancy import scoped_grid_arg, town_of
from portal.web import submit_form

bp = Blueprint("grid_size", __name__, url_prefix="/grids/size")

#: NumberRange alone: it refuses an empty field too, and a POST without fields keeps the values
#: shown (as visits.rules)
_COUNT = [NumberRange(0, 100000, _l("户数应在0到100000之间。"))]


class SizeStandardForm(FlaskForm):
    min_households = IntegerField(_l("下限(户)"), validators=_COUNT)
    target_households = IntegerField(_l("标准(户)"), validators=_COUNT)
    max_households = IntegerField(_l("上限(户)"), validators=_COUNT)
    merge_below = IntegerField(_l("少于多少户建议合并"), validators=_COUNT)


@bp.route("")
@requires("people.view")
def index():
    """The base grids under the user's scope (or the ``grid`` chosen in it) outside their town's
    range, with what to do about each."""
    scope = scoped_grid_arg(request.args.get("grid")) or current_user.scope
    town = town_of(scope)
    return render("grids/size.html", scope=scope, rows=grids_outside(scope),
                  standard=size_standard(town) if town is not None else None)


@bp.route("/standard", methods=["GET", "POST"])
@requires("settings.manage")
def standard():
    """The town's range (a county admin chooses the town)."""
    from portal.admin.blueprint import chosen_town

    town, towns = chosen_town()
    if town is None:
        abort(404)
    form = SizeStandardForm(data=size_standard(town))
    return submit_form(
        form, lambda: set_size_standard(town, {k: getattr(form, k).data for k in DEFAULT_SIZE},
                                        actor=current_user),
        done=_("已保存%(town)s的网格规模标准。", town=town.name),
        then=url_for("grid_size.standard", town=town.code),
        page=lambda: render("grids/size_standard.html", form=form, town=town, towns=towns,
                            defaults=DEFAULT_SIZE))
