"""Volunteer-service pages: pairing help (a volunteer paired with a resident who needs help, and
the visits made)."""
from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.errors import DomainError
from portal.extensions import db
from portal.forms import refuse
from portal.grids.models import Grid
from portal.modules.services import town_of
from portal.people.models import Household
from portal.people.search import find_residents, refusal_status
from portal.permissions import requires
from portal.plugins import in_subtree_where_on
from portal.rendering import render
from portal.scoping import scoped
from portal.timeutil import local_today

from . import services
from .forms import PairingForm, PairVisitForm
from .models import VolunteersPairing, VolunteersVolunteer


@requires("volunteers.pairing")
def pairings():
    return render("volunteers/pairings.html",
                  rows=services.pairings_due(current_user.scope), today=local_today())


@requires("volunteers.pairing")
def pairing_new():
    form = PairingForm()
    q = request.args.get("q", "").strip()
    found, search_refusal = find_residents(current_user.scope, q, limit=20)
    volunteers_ = db.session.scalars(
        select(VolunteersVolunteer).join(Grid, Grid.id == VolunteersVolunteer.grid_id)
        .where(in_subtree_where_on("volunteers", town_of(current_user.scope) or current_user.scope),
               VolunteersVolunteer.left_on.is_(None)).order_by(VolunteersVolunteer.name)).all()
    if form.validate_on_submit():
        household = scoped(Household, form.household.data, lambda h: h.grid.code)
        volunteer = next((v for v in volunteers_ if v.id == form.volunteer.data), None)
        if volunteer is None:
            form.volunteer.errors.append(_("请选择本镇的志愿者。"))
        else:
            from portal import audit

            item = VolunteersPairing(volunteer_id=volunteer.id, household_id=household.id,
                                     need=form.need.data, visit_days=form.visit_days.data,
                                     notes=form.notes.data or None)
            db.session.add(item)
            db.session.flush()
            audit.record("volunteers.pairing_create", item, scope_code=household.grid.code,
                         volunteer=volunteer.number, household=household.address)
            db.session.commit()
            flash(_("已建立结对。"), "success")
            return redirect(url_for("volunteers.pairing", pairing_id=item.id))
    return render("volunteers/pairing_form.html", form=form, q=q, found=found,
                  search_refusal=search_refusal, volunteers=volunteers_), \
        refusal_status(search_refusal, 400 if form.errors else 200)


@requires("volunteers.pairing")
def pairing(pairing_id):
    item = scoped(VolunteersPairing, pairing_id, lambda p: p.scope_code)
    form = PairVisitForm()
    if request.method == "POST" and request.form.get("action") == "end":
        from portal import audit

        item.ended_on = local_today()
        audit.record("volunteers.pairing_end", item, scope_code=item.scope_code)
        db.session.commit()
        flash(_("已结束结对。"), "success")
        return redirect(url_for("volunteers.pairings"))
    if form.validate_on_submit():
        try:
            services.record_pair_visit(item, form.visited_on.data, form.found.data,
                                       actor=current_user)
            db.session.commit()
            flash(_("已记录走访。"), "success")
            return redirect(url_for("volunteers.pairing", pairing_id=item.id))
        except DomainError as error:
            refuse(form, error)
    due = next((d for d in services.pairings_due(item.household.grid) if d.pairing.id == item.id),
               None)
    return render("volunteers/pairing.html", pairing=item, form=form, due=due,
                  scope=item.household.grid), 400 if form.errors else 200
