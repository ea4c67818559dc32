"""Volunteer-service pages: proxy services (a volunteer runs an errand or a case for a resident)."""
from flask import request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.errors import DomainError
from portal.extensions import db
from portal.grids.models import Grid
from portal.people.models import Resident
from portal.people.search import find_residents, refusal_status
from portal.permissions import requires
from portal.rendering import render
from portal.tenancy import in_scope, in_subtree_where_on, load_scoped
from portal.web import submit_form

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
    if case is None or not in_scope(current_user, case):
        return None
    return case


@requires("volunteers.proxy")
def proxy_new():
    form = ProxyForm(case=request.args.get("case", ""))
    q = request.args.get("q", "").strip()
    found, search_refusal = find_residents(current_user.scope, q, limit=20)
    case = _case_by_number(form.case.data) if form.case.data else None

    def save() -> VolunteersProxy:
        resident = load_scoped(Resident, form.resident.data)
        if form.case.data and case is None:
            raise DomainError(_("没有这个事件编号。"), field="case")
        return services.request_proxy(resident, form.errand.data, form.description.data,
                                      actor=current_user, case=case)

    return submit_form(
        form, save, done=_("已登记代办事项。"),
        then=lambda item: url_for("volunteers.proxy", proxy_id=item.id),
        page=lambda: (render("volunteers/proxy_form.html", form=form, q=q, found=found,
                             search_refusal=search_refusal, case=case),
                      refusal_status(search_refusal)))


@requires("volunteers.proxy")
def proxy(proxy_id):
    item = load_scoped(VolunteersProxy, proxy_id)
    form = ProxyMoveForm()

    def save() -> None:
        volunteer = None
        if form.volunteer.data:
            volunteer = load_scoped(VolunteersVolunteer, form.volunteer.data, via="town.code")
        services.move_proxy(item, form.to.data, actor=current_user, volunteer=volunteer,
                            result=form.result.data or None,
                            satisfaction=int(form.satisfaction.data)
                            if form.satisfaction.data else None)

    def page():
        volunteers_ = db.session.scalars(
            select(VolunteersVolunteer).filter_by(town_id=item.town_id, left_on=None)
            .order_by(VolunteersVolunteer.name)).all()
        return render("volunteers/proxy.html", proxy=item, form=form, volunteers=volunteers_,
                      scope=item.grid)

    return submit_form(form, save, done=_("已更新代办事项。"),
                       then=url_for("volunteers.proxy", proxy_id=item.id), page=page)
