"""The floating population (流动人口) of the user's scope: the tenants living here who are not
registered residents (incoming) and the registered residents living elsewhere (户在人不在), with
the counts per grid; recording a resident as away (chosen from the residents of the scope) and
ending that record when they come back."""
from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.errors import DomainError
from portal.extensions import db
from portal.grids.models import Grid
from portal.people.models import Household, Resident
from portal.people.search import find_residents, refusal_status
from portal.permissions import requires
from portal.rendering import render
from portal.tenancy import in_subtree_where_on, load_scoped
from portal.timeutil import local_today
from portal.web import REFUSED, commit, refuse, submit_form

from . import services
from .figures import EXPIRY_NOTICE_DAYS, MODULE, away_in, figures, living, per_grid, tenants_in
from .forms import REASONS, AwayForm, EndForm
from .letting_views import grid_arg
from .models import RentalsAway, RentalsLetting, RentalsTenant

#: Rows of each list on the page (the counts above them are complete).
LIST_LIMIT = 200


@requires("rentals.view")
def floating():
    node = grid_arg()
    incoming = db.session.scalars(
        tenants_in(node).where(*living(), RentalsTenant.resident_id.is_(None))
        .options(joinedload(RentalsTenant.letting).joinedload(RentalsLetting.grid))
        .order_by(Grid.code, RentalsTenant.moved_in_on.desc(), RentalsTenant.id)
        .limit(LIST_LIMIT)).all()
    away = db.session.scalars(
        away_in(node).options(joinedload(RentalsAway.resident).joinedload(Resident.grid))
        .order_by(Grid.code, RentalsAway.since.desc(), RentalsAway.id).limit(LIST_LIMIT)).all()
    return render("rentals/floating.html", node=node, scope=node, figures=figures(node),
                  rows=per_grid(node), incoming=incoming, away=away, reasons=REASONS,
                  today=local_today(), notice_days=EXPIRY_NOTICE_DAYS,
                  end_forms={a.id: EndForm(prefix=f"away{a.id}", formdata=None, on=local_today())
                             for a in away}, limit=LIST_LIMIT)


@requires("rentals.manage")
def away_pick():
    """The residents of the scope to choose from: a search, or the first of the register."""
    q = request.args.get("q", "").strip()
    if q:
        found, refusal = find_residents(current_user.scope, q, limit=50)
    else:
        found, refusal = list(db.session.scalars(
            select(Resident).join(Grid, Grid.id == Resident.grid_id)
            .join(Household, Household.id == Resident.household_id)
            .where(in_subtree_where_on(MODULE, current_user.scope), Resident.left_at.is_(None))
            .options(joinedload(Resident.grid), joinedload(Resident.household))
            .order_by(Grid.code, Household.address, Resident.id).limit(50))), None
    return render("rentals/away_pick.html", found=found, q=q,
                  search_refusal=refusal), refusal_status(refusal)


@requires("rentals.manage")
def away_new(resident_id):
    resident = load_scoped(Resident, resident_id)
    form = AwayForm()
    return submit_form(
        form, lambda: services.record_away(resident, place=form.place.data,
                                           since=form.since.data, reason=form.reason.data,
                                           actor=current_user),
        done=_("已登记 %(name)s 外出。", name=resident.name),
        then=url_for("rentals.floating"),
        page=lambda: render("rentals/away_new.html", form=form, resident=resident,
                            scope=resident.grid))


@requires("rentals.manage")
def away_end(away_id):
    away = load_scoped(RentalsAway, away_id)
    form = EndForm(prefix=f"away{away.id}")
    if form.validate_on_submit():
        try:
            services.end_away(away, form.on.data, actor=current_user)
            commit()
        except DomainError as error:
            refuse(form, error)
        else:
            flash(_("%(name)s 已返回，外出记录已结束(记录保留)。", name=away.resident.name),
                  "success")
            return redirect(url_for("rentals.floating"), 303)
    return render("rentals/away_end.html", form=form, away=away, scope=away.resident.grid), \
        REFUSED
