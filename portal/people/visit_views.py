"""Visits: who is due, recording a visit, and the town's visit rules."""
from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.errors import DomainError
from portal.extensions import db
from portal.forms import refuse
from portal.people.forms import VisitForm, VisitRulesForm
from portal.people.scoping import scoped_grid_arg, scoped_household
from portal.people.visits import DEFAULT_VISIT_DAYS, SETTING, due_list, record_visit, visit_days
from portal.permissions import requires
from portal.rendering import render
from portal.settings import set_setting

bp = Blueprint("visits", __name__, url_prefix="/visits")


@bp.route("/due")
@requires("people.view")
def due():
    """Households due or overdue for a visit, most urgent first."""
    grid = scoped_grid_arg(request.args.get("grid")) or current_user.scope
    show_all = request.args.get("all") == "1"
    rows = due_list(grid, only_due=not show_all)
    return render("people/visits_due.html", "people/_due_rows.html", grid=grid, rows=rows,
                  show_all=show_all, scope=grid, days=visit_days(grid),
                  summary=per_grid(rows) if not grid.is_leaf else [])


def per_grid(rows):
    """(grid id, grid name, overdue, due soon) for every grid with households in the list."""
    counts = {}
    for row in rows:
        entry = counts.setdefault(row.grid_id, [row.grid_id, row.grid_name, 0, 0])
        if row.status == "overdue":
            entry[2] += 1
        elif row.status == "due":
            entry[3] += 1
    return sorted(counts.values(), key=lambda e: (-e[2], -e[3], e[1]))


@bp.route("/households/<int:household_id>/new", methods=["GET", "POST"])
@requires("visits.record")
def new(household_id):
    household = scoped_household(household_id)
    form = VisitForm()
    if form.validate_on_submit():
        try:
            record_visit(household, current_user, form.visited_on.data, form.found.data,
                         form.follow_up.data)
            db.session.commit()
            flash(_("已记录走访。"), "success")
            if request.args.get("next") == "due":
                return redirect(url_for("visits.due"))
            return redirect(url_for("people.household", household_id=household.id))
        except DomainError as error:
            refuse(form, error)
    return render("people/visit_form.html", form=form, household=household), \
        400 if form.errors else 200


@bp.route("/rules", methods=["GET", "POST"])
@requires("settings.manage")
def rules():
    """The town's visit intervals (a county admin chooses the town)."""
    from portal.admin.blueprint import chosen_town

    town, towns = chosen_town()
    if town is None:
        abort(404)
    form = VisitRulesForm(data=visit_days(town))
    if form.validate_on_submit():
        set_setting(town, SETTING, {k: getattr(form, k).data for k in DEFAULT_VISIT_DAYS})
        from portal import audit

        audit.record("settings.visit_days", town, scope_code=town.code, user=current_user,
                     value={k: getattr(form, k).data for k in DEFAULT_VISIT_DAYS})
        db.session.commit()
        flash(_("已保存%(town)s的走访规则。", town=town.name), "success")
        return redirect(url_for("visits.rules", town=town.code))
    return render("people/visit_rules.html", form=form, town=town, towns=towns,
                  defaults=DEFAULT_VISIT_DAYS), 400 if form.errors else 200


