"""Volunteer-service pages: pairing help (a volunteer paired with a resident who needs help, and
the visits made)."""
from flask import request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.errors import DomainError
from portal.extensions import db
from portal.grids.models import Grid
from portal.people.models import Household
from portal.people.search import find_residents, refusal_status
from portal.permissions import requires
from portal.rendering import render
from portal.tenancy import in_subtree_where_on, load_scoped, town_of
from portal.timeutil import local_today
from portal.web import run_action, submit_form

from . import services
from .forms import PairingForm, PairVisitForm
from .models import VolunteersPairing, VolunteersVolunteer


@requires("volunteers.pairing")
def pairings():
    rows = services.pairings_due(current_user.scope)
    due = request.args.get("due") == "1"
    if due:  # the today list's number: overdue or due within DUE_SOON days
        from .today import due_soon

        rows = [row for row in rows if due_soon(row)]
    return render("volunteers/pairings.html", rows=rows, today=local_today(), due=due)


@requires("volunteers.pairing")
def pairing_new():
    form = PairingForm()
    q = request.args.get("q", "").strip()
    found, search_refusal = find_residents(current_user.scope, q, limit=20)
    volunteers_ = db.session.scalars(
        select(VolunteersVolunteer).join(Grid, Grid.id == VolunteersVolunteer.grid_id)
        .where(in_subtree_where_on("volunteers", town_of(current_user.scope) or current_user.scope),
               VolunteersVolunteer.left_on.is_(None)).order_by(VolunteersVolunteer.name)).all()

    def save() -> VolunteersPairing:
        household = load_scoped(Household, form.household.data)
        volunteer = next((v for v in volunteers_ if v.id == form.volunteer.data), None)
        if volunteer is None:
            raise DomainError(_("请选择本镇的志愿者。"), field="volunteer")
        return services.create_pairing(volunteer, household, need=form.need.data,
                                       visit_days=form.visit_days.data,
                                       notes=form.notes.data or None)

    return submit_form(
        form, save, done=_("已建立结对。"),
        then=lambda item: url_for("volunteers.pairing", pairing_id=item.id),
        page=lambda: (render("volunteers/pairing_form.html", form=form, q=q, found=found,
                             search_refusal=search_refusal, volunteers=volunteers_),
                      refusal_status(search_refusal)))


@requires("volunteers.pairing")
def pairing(pairing_id):
    item = load_scoped(VolunteersPairing, pairing_id)
    form = PairVisitForm()

    def page():
        due = next((d for d in services.pairings_due(item.household.grid)
                    if d.pairing.id == item.id), None)
        return render("volunteers/pairing.html", pairing=item, form=form, due=due,
                      scope=item.household.grid)

    return submit_form(
        form, lambda: services.record_pair_visit(item, form.visited_on.data, form.found.data,
                                                 actor=current_user),
        done=_("已记录走访。"), then=url_for("volunteers.pairing", pairing_id=item.id),
        page=page)


@requires("volunteers.pairing")
def pairing_end(pairing_id):
    item = load_scoped(VolunteersPairing, pairing_id)
    return run_action(lambda: services.end_pairing(item), done=_("已结束结对。"),
                      then=url_for("volunteers.pairings"))
