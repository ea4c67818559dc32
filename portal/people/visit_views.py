"""Visits: who is due, recording a visit, and the town's visit rules."""
from flask import Blueprint, abort, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user

from portal.errors import DomainError
from portal.people.forms import VisitForm, VisitRulesForm
from portal.offline.conflicts import check_household
from portal.offline.replay import replayable, stamp
from portal.people.models import Household, Visit, VisitPhoto
from portal.people.visits import (DEFAULT_VISIT_DAYS, due_list, record_visit, set_visit_days,
                                   visit_days)
from portal.permissions import requires
from portal.rendering import render
from portal.tenancy import load_scoped, scoped_grid_arg
from portal.uploads import (UploadError, coordinates, prepare_photos, send_photo,
                            store_at_commit)
from portal.web import submit_form

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
@replayable(Visit, owner="user_id", endpoint="people.household",
            values=lambda visit: {"household_id": visit.household_id},
            done=lambda visit: _("已记录走访。"),
            gone=_l("这户已不在您的网格内（可能已迁到其他网格或已删除），走访没有保存。"))
def new(household_id):
    household = load_scoped(Household, household_id)
    form = VisitForm()

    def save():
        # a visit kept on a phone: the household may have moved meanwhile
        check_household(household, form.household_grid.data)
        try:
            photos = prepare_photos(form.photos.data)  # checked in memory, written at commit
        except UploadError as error:
            raise DomainError(str(error), "photos") from error
        latitude, longitude = coordinates(form, photos)
        visit = record_visit(household, current_user, form.visited_on.data, form.found.data,
                             form.follow_up.data, latitude=latitude, longitude=longitude,
                             photos=[p.name for p in photos])
        stamp(visit)  # the phone's idempotency key, when it sent one
        store_at_commit(*photos)
        return visit

    return submit_form(
        form, save,
        done=_("已记录走访。"),
        then=(url_for("visits.due") if request.args.get("next") == "due"
              else url_for("people.household", household_id=household.id)),
        page=lambda: render("people/visit_form.html", form=form, household=household))


@bp.route("/photos/<int:visit_photo_id>")
@requires("people.view")
def photo(visit_photo_id):
    """A visit's photo, for whoever may see the household's grid (another town's is a 404)."""
    item = load_scoped(VisitPhoto, visit_photo_id)
    return send_photo(item.filename)


@bp.route("/rules", methods=["GET", "POST"])
@requires("settings.manage")
def rules():
    """The town's visit intervals (a county admin chooses the town)."""
    from portal.admin.blueprint import chosen_town

    town, towns = chosen_town()
    if town is None:
        abort(404)
    form = VisitRulesForm(data=visit_days(town))
    return submit_form(
        form, lambda: set_visit_days(town, {k: getattr(form, k).data for k in DEFAULT_VISIT_DAYS},
                                     actor=current_user),
        done=_("已保存%(town)s的走访规则。", town=town.name),
        then=url_for("visits.rules", town=town.code),
        page=lambda: render("people/visit_rules.html", form=form, town=town, towns=towns,
                            defaults=DEFAULT_VISIT_DAYS))


