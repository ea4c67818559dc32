"""Volunteer-service pages: the overview and figures, the town's settings, and the register of
volunteers (list, registration, one volunteer, the service certificate)."""
from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from portal.errors import DomainError
from portal.extensions import db
from portal.forms import choices
from portal.grids.models import Grid
from portal.people import number_search
from portal.people.models import Resident
from portal.people.search import SearchRefused, find_residents, refusal_status
from portal.permissions import can, requires
from portal.rendering import render
from portal.tenancy import in_scope, in_subtree_where_on, load_scoped, require_module_at
from portal.timeutil import local_today, utcnow
from portal.web import submit_form

from . import services, stats
from .forms import RegisterForm, SettingsForm
from .models import (
    VolunteersActivity,
    VolunteersClaim,
    VolunteersMember,
    VolunteersSignup,
    VolunteersTeam,
    VolunteersVolunteer,
)
from .visibility import base_grids


# ---------------------------------------------------------------- overview and figures


@requires("volunteers.view")
def index():
    scope = current_user.scope
    upcoming = db.session.scalars(
        select(VolunteersActivity).join(VolunteersTeam).join(Grid, Grid.id == VolunteersTeam.grid_id)
        .where(in_subtree_where_on("volunteers", scope), VolunteersActivity.ends_at >= utcnow(),
               VolunteersActivity.cancelled_at.is_(None))
        .options(joinedload(VolunteersActivity.team))
        .order_by(VolunteersActivity.starts_at).limit(10)).all()
    return render("volunteers/index.html", scope=scope, figures=stats.figures(scope),
                  upcoming=upcoming, overdue=services.pairings_due(scope, only_overdue=True))


@requires("volunteers.settings")
def settings():
    from portal.admin.blueprint import chosen_town

    town, towns = chosen_town()
    if town is None:
        abort(404)
    form = SettingsForm(points_per_hour=services.points_per_hour(town))
    return submit_form(
        form, lambda: services.set_points_per_hour(town, form.points_per_hour.data,
                                                   actor=current_user),
        done=_("已保存。"), then=url_for("volunteers.settings", town=town.code),
        page=lambda: render("volunteers/settings.html", form=form, town=town, towns=towns))


# ---------------------------------------------------------------- volunteers


@requires("volunteers.view")
def people():
    q = request.args.get("q", "").strip()
    query = (select(VolunteersVolunteer).join(Grid, Grid.id == VolunteersVolunteer.grid_id)
             .where(in_subtree_where_on("volunteers", current_user.scope),
                    VolunteersVolunteer.left_on.is_(None)))
    check = None
    if q:
        try:  # phones are masked on these pages: searched by them as the register is
            phone, check = number_search.phone_condition(VolunteersVolunteer.phone, q,
                                                         current_user.scope)
        except SearchRefused as refusal:
            return render("volunteers/people.html", "volunteers/_people_rows.html", rows=[], q=q,
                          search_refusal=refusal), refusal_status(refusal)
        query = query.where(or_(VolunteersVolunteer.name.contains(q, autoescape=True),
                                VolunteersVolunteer.number.contains(q, autoescape=True),
                                *([phone] if phone is not None else [])))
    rows = db.session.scalars(query.options(
        joinedload(VolunteersVolunteer.grid),
        selectinload(VolunteersVolunteer.memberships).joinedload(VolunteersMember.team))
        .order_by(VolunteersVolunteer.id).limit(200)).all()
    if check is not None:
        check.done(len(rows))
    return render("volunteers/people.html", "volunteers/_people_rows.html", rows=rows, q=q)


@requires("volunteers.manage")
def register():
    form = RegisterForm()
    form.grid.choices = choices([(g.id, g.name) for g in base_grids()])
    q = request.args.get("q", "").strip()
    found, search_refusal = find_residents(current_user.scope, q, limit=20)

    def save():
        resident = load_scoped(Resident, form.resident.data) if form.resident.data else None
        grid = next((g for g in base_grids() if g.id == form.grid.data), None)
        if resident is None and grid is None:
            raise DomainError(_("请选择所属网格。"), field="grid")
        return services.register(grid=grid, resident=resident, name=form.name.data,
                                 phone=form.phone.data or None, email=form.email.data or None,
                                 password=form.password.data or None, actor=current_user)

    return submit_form(
        form, save,
        done=lambda volunteer: _("已登记志愿者 %(name)s，编号 %(n)s。", name=volunteer.name,
                                 n=volunteer.number),
        then=lambda volunteer: url_for("volunteers.person", volunteer_id=volunteer.id),
        page=lambda: (render("volunteers/register.html", form=form, q=q, found=found,
                             search_refusal=search_refusal), refusal_status(search_refusal)))


def scoped_volunteer(volunteer_id) -> VolunteersVolunteer:
    volunteer = db.session.get(VolunteersVolunteer, volunteer_id)
    if volunteer is None:
        abort(404)
    require_module_at(volunteer.grid.code)
    if in_scope(current_user, volunteer) and can(current_user, "volunteers.view"):
        return volunteer
    if volunteer.user_id is not None and volunteer.user_id == current_user.id:
        return volunteer  # one's own record
    abort(404)


@requires("volunteers.activities")
def person(volunteer_id):
    volunteer = scoped_volunteer(volunteer_id)
    signups = db.session.scalars(
        select(VolunteersSignup).filter_by(volunteer_id=volunteer.id)
        .options(joinedload(VolunteersSignup.activity).joinedload(VolunteersActivity.team))
        .order_by(VolunteersSignup.id.desc())).all()
    claims = db.session.scalars(select(VolunteersClaim).filter_by(volunteer_id=volunteer.id)
                                .options(joinedload(VolunteersClaim.team))
                                .order_by(VolunteersClaim.id.desc())).all()
    return render("volunteers/person.html", volunteer=volunteer, signups=signups, claims=claims,
                  minutes=stats.volunteer_minutes(volunteer.id), scope=volunteer.grid)


@requires("volunteers.activities")
def certificate(volunteer_id):
    volunteer = scoped_volunteer(volunteer_id)
    teams = [m.team for m in volunteer.memberships if m.left_on is None]
    return render("volunteers/certificate.html", volunteer=volunteer, teams=teams,
                  minutes=stats.volunteer_minutes(volunteer.id), today=local_today())
