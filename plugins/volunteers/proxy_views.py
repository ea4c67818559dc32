"""Volunteer-service pages: proxy services (a volunteer runs an errand or a case for a resident)."""
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.errors import DomainError
from portal.extensions import db
from portal.forms import refuse
from portal.grids.models import Grid
from portal.people.models import Resident
from portal.people.search import find_residents, refusal_status
from portal.permissions import requires
from portal.plugins import in_subtree_where_on
from portal.rendering import render
from portal.scoping import in_user_scope, scoped

from . import services
from .forms import ProxyForm, ProxyMoveForm
from .models import VolunteersProxy, VolunteersVolunteer


@requires("volunteers.proxy")
def proxies():
    state = request.args.get("state") or None
    query = (select(VolunteersProxy).join(Grid, Grid.id == VolunteersProxy.grid_id)
             .where(in_subtree_where_on("volunteers", current_user.scope))
             .options(joinedload(VolunteersProxy.resident), joinedload(VolunteersProxy.volunteer)))
    if state:
        query = query.filter(VolunteersProxy.status == state)
    rows = db.session.scalars(query.order_by(VolunteersProxy.id.desc()).limit(200)).all()
    return render("volunteers/proxies.html", rows=rows, state=state)


def _case_by_number(number):
    from portal.cases.models import Case

    case = db.session.scalar(select(Case).filter_by(number=number))
    if case is None or not in_user_scope(case.grid.code):
        return None
    return case


@requires("volunteers.proxy")
def proxy_new():
    form = ProxyForm(case=request.args.get("case", ""))
    q = request.args.get("q", "").strip()
    found, search_refusal = find_residents(current_user.scope, q, limit=20)
    case = _case_by_number(form.case.data) if form.case.data else None
    if form.validate_on_submit():
        resident = scoped(Resident, form.resident.data, lambda r: r.grid.code)
        if form.case.data and case is None:
            form.case.errors.append(_("没有这个事件编号。"))
        else:
            item = services.request_proxy(resident, form.errand.data, form.description.data,
                                          actor=current_user, case=case)
            db.session.commit()
            flash(_("已登记代办事项。"), "success")
            return redirect(url_for("volunteers.proxy", proxy_id=item.id))
    return render("volunteers/proxy_form.html", form=form, q=q, found=found,
                  search_refusal=search_refusal, case=case), \
        refusal_status(search_refusal, 400 if form.errors else 200)


@requires("volunteers.proxy")
def proxy(proxy_id):
    item = scoped(VolunteersProxy, proxy_id, lambda p: p.grid.code)
    form = ProxyMoveForm()
    status = 200
    if request.method == "POST":
        to = request.form.get("to")
        if to not in ("accepted", "done", "cancelled"):
            abort(400)
        if form.validate_on_submit():
            volunteer = None
            if form.volunteer.data:
                volunteer = scoped(VolunteersVolunteer, form.volunteer.data,
                                   lambda v: v.town.code)
            try:
                services.move_proxy(item, to, actor=current_user, volunteer=volunteer,
                                    result=form.result.data or None,
                                    satisfaction=int(form.satisfaction.data)
                                    if form.satisfaction.data else None)
                db.session.commit()
                flash(_("已更新代办事项。"), "success")
                return redirect(url_for("volunteers.proxy", proxy_id=item.id))
            except DomainError as error:
                refuse(form, error)
        status = 400
    volunteers_ = db.session.scalars(
        select(VolunteersVolunteer).filter_by(town_id=item.town_id, left_on=None)
        .order_by(VolunteersVolunteer.name)).all()
    return render("volunteers/proxy.html", proxy=item, form=form, volunteers=volunteers_,
                  scope=item.grid), status
