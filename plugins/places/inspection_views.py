"""Safety inspections: the checklist form of a place, the re-inspection (复查) of its open
hazards, a hazard reported as a case in one tap, a hazard's photos, and the list of what is due
(inspections due or overdue, rectifications overdue) per grid."""
from flask import abort, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.pagination import paginate
from portal.permissions import requires
from portal.rendering import render
from portal.tenancy import load_scoped
from portal.timeutil import local_today
from portal.uploads import send_photo
from portal.web import run_action, submit_form

from . import services
from .figures import due_condition, hazards_in, open_hazards, open_places, places_in
from .forms import InspectionForm, ReinspectionForm
from .kinds import checklist, kinds_of
from .models import PlacesHazard, PlacesHazardPhoto, PlacesPlace
from .place_views import base_grids, grid_arg, group_arg
from .schedule import DUE_NOTICE_DAYS

PAGE_SIZE = 50
HAZARD_LIMIT = 200


@requires("places.inspect")
def inspect(place_id):
    place = load_scoped(PlacesPlace, place_id)
    if place.closed_on is not None:
        abort(404)
    today = local_today()
    form = InspectionForm.over(checklist(place.kind), inspected_on=today)
    return submit_form(
        form, lambda: services.inspect(place, inspected_on=form.inspected_on.data,
                                       results=form.results(), hazards=form.hazards(),
                                       note=form.note.data, actor=current_user),
        done=lambda i: (_("已记录检查，发现 %(n)d 处隐患。", n=len(i.hazards)) if i.hazards
                        else _("已记录检查，未发现隐患。")),
        then=url_for("places.show", place_id=place.id),
        page=lambda: render("places/inspect.html", form=form, place=place,
                            default_deadline=services.default_deadline(place, today)))


@requires("places.inspect")
def reinspect(place_id):
    place = load_scoped(PlacesPlace, place_id)
    hazards = services.open_hazards_of(place)
    if place.closed_on is not None or not hazards:
        abort(404)
    form = ReinspectionForm.over(hazards, inspected_on=local_today())
    return submit_form(
        form, lambda: services.reinspect(place, inspected_on=form.inspected_on.data,
                                         outcomes=form.outcomes(), note=form.note.data,
                                         actor=current_user),
        done=_("已记录复查。"), then=url_for("places.show", place_id=place.id),
        page=lambda: render("places/reinspect.html", form=form, place=place, hazards=hazards,
                            today=local_today()))


@requires("places.inspect")
def hazard_case(hazard_id):
    hazard = load_scoped(PlacesHazard, hazard_id)
    return run_action(lambda: services.hazard_to_case(hazard, current_user),
                      done=lambda case: _("已上报为事件 %(n)s。", n=case.number),
                      then=url_for("places.show", place_id=hazard.place_id))


@requires("places.view")
def hazard_photo(photo_id):
    return send_photo(load_scoped(PlacesHazardPhoto, photo_id).filename)


@requires("places.view")
def due():
    node, group = grid_arg(), group_arg()
    today = local_today()
    query = places_in(node).where(*due_condition(today))
    if group:
        query = query.where(PlacesPlace.kind.in_(kinds_of(group)))
    listing = paginate(query.options(joinedload(PlacesPlace.grid))
                       .order_by(PlacesPlace.next_due_on, PlacesPlace.id), PAGE_SIZE)
    hazards = overdue_hazards(node, group, today)
    return render("places/due.html", node=node, scope=node, group=group, grids=base_grids(),
                  today=today, hazards=hazards, notice_days=DUE_NOTICE_DAYS,
                  hazard_limit=HAZARD_LIMIT, **listing.context())


def overdue_hazards(node, group: str, today):
    """Overdue rectifications of open places in ``node``, the longest overdue first."""
    query = hazards_in(node).where(open_hazards(), open_places(), PlacesHazard.deadline < today)
    if group:
        query = query.where(PlacesPlace.kind.in_(kinds_of(group)))
    return db.session.scalars(query.options(joinedload(PlacesHazard.place)
                                            .joinedload(PlacesPlace.grid))
                              .order_by(PlacesHazard.deadline, PlacesHazard.id)
                              .limit(HAZARD_LIMIT)).all()

