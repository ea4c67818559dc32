"""Rental houses: the list of lettings in the user's scope (active first, by grid, expiring
registrations marked), letting a house (the landlord found in the register of the scope), one
letting with its tenants (add, end), the landlord's responsibility letter, ending the letting."""
from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal import audit
from portal.errors import DomainError
from portal.extensions import db
from portal.grids.models import GRID, SPECIAL, Grid
from portal.pagination import paginate
from portal.people.models import Resident
from portal.people.search import find_residents, refusal_status
from portal.permissions import can, requires
from portal.rendering import render
from portal.request_guard import parse_id
from portal.tenancy import in_subtree_where_on, load_scoped
from portal.timeutil import local_today
from portal.uploads import send_photo
from portal.web import commit, submit_form

from . import services
from .figures import EXPIRY_NOTICE_DAYS, MODULE, expiry_marks
from .forms import EndForm, LetterForm, LettingForm, TenantForm
from .models import RentalsLetting, RentalsTenant

PAGE_SIZE = 50


def base_grids() -> list[Grid]:
    """The base grids of the user's scope where the module is on (the list's grid filter)."""
    return list(db.session.scalars(select(Grid).where(
        Grid.level.in_((GRID, SPECIAL)), Grid.retired_at.is_(None),
        in_subtree_where_on(MODULE, current_user.scope)).order_by(Grid.code)))


def grid_arg() -> Grid:
    grid_id = request.args.get("grid", type=parse_id)
    return load_scoped(Grid, grid_id) if grid_id else current_user.scope


@requires("rentals.view")
def index():
    node = grid_arg()
    show = request.args.get("show", "active")
    query = (select(RentalsLetting).join(Grid, Grid.id == RentalsLetting.grid_id)
             .where(in_subtree_where_on(MODULE, node)))
    if show == "active":
        query = query.where(RentalsLetting.ended_on.is_(None))
    listing = paginate(query.options(joinedload(RentalsLetting.grid),
                                     joinedload(RentalsLetting.landlord),
                                     selectinload(RentalsLetting.tenants))
                       .order_by(RentalsLetting.ended_on.is_not(None), Grid.code,
                                 RentalsLetting.started_on.desc(), RentalsLetting.id.desc()),
                       PAGE_SIZE)
    today = local_today()
    marks = {letting.id: expiry_marks(letting.tenants, today) for letting in listing.rows}
    return render("rentals/index.html", node=node, scope=node, show=show, grids=base_grids(),
                  marks=marks, **listing.context())


def _landlords(q: str):
    """Residents of the user's scope matching ``q`` (the register's own search and its limits)."""
    return find_residents(current_user.scope, q, limit=20) if q else ([], None)


@requires("rentals.manage")
def new():
    form = LettingForm(started_on=local_today())
    q = request.args.get("q", "").strip()
    found, refusal = _landlords(q)

    def save():
        landlord = db.session.get(Resident, form.landlord.data)
        if landlord is None or not can(current_user, "rentals.manage", landlord):
            raise DomainError(_("请从本辖区的居民中选择房东。"), field="landlord")
        return services.let_house(landlord, started_on=form.started_on.data,
                                  address=form.address.data or None, rooms=form.rooms.data,
                                  note=form.note.data, actor=current_user)

    chosen = db.session.get(Resident, form.landlord.data) if form.landlord.data else None
    if chosen is not None and not can(current_user, "rentals.manage", chosen):
        chosen = None
    return submit_form(
        form, save, done=_("已登记出租房屋。"),
        then=lambda letting: url_for("rentals.show", letting_id=letting.id),
        page=lambda: (render("rentals/new.html", form=form, found=found, q=q, chosen=chosen,
                             search_refusal=refusal), refusal_status(refusal)))


def letting_page(letting: RentalsLetting, *, tenant_form=None, end: tuple | None = None,
                 letter_form=None, end_form=None, status: int = 200,
                 revealed: int | None = None):
    """One letting, its tenants and the forms the user may fill; ``end``: (tenant id, form) of
    a refused end, shown open with its error; ``revealed``: the tenant whose full ID number and
    phone are shown (the look already audited)."""
    db.session.scalars(select(RentalsLetting).filter_by(id=letting.id).options(
        selectinload(RentalsLetting.tenants))).one()
    tenants = sorted(letting.tenants, key=lambda t: (t.left_on is not None, t.id))
    end_forms = {t.id: EndForm(prefix=f"end{t.id}", formdata=None, on=local_today())
                 for t in tenants if t.left_on is None}
    if end is not None:
        end_forms[end[0]] = end[1]
    return render("rentals/show.html", letting=letting, scope=letting.grid, tenants=tenants,
                  tenant_form=tenant_form or TenantForm(moved_in_on=local_today(), formdata=None),
                  end_forms=end_forms, refused_end=end[0] if end else None,
                  letter_form=letter_form or LetterForm(formdata=None),
                  end_form=end_form or EndForm(prefix="letting", formdata=None, on=local_today()),
                  may_manage=can(current_user, "rentals.manage", letting),
                  may_reveal=can(current_user, "people.sensitive", letting),
                  revealed=revealed,
                  today=local_today(), notice_days=EXPIRY_NOTICE_DAYS), status


@requires("rentals.view")
def show(letting_id):
    return letting_page(load_scoped(RentalsLetting, letting_id))


@requires("rentals.manage")
def add_tenant(letting_id):
    letting = load_scoped(RentalsLetting, letting_id)
    form = TenantForm()
    return submit_form(
        form, lambda: services.add_tenant(
            letting, name=form.name.data, moved_in_on=form.moved_in_on.data,
            id_number=form.id_number.data or None, phone=form.phone.data or None,
            registration_number=form.registration_number.data or None,
            registered_on=form.registered_on.data,
            registration_expires_on=form.registration_expires_on.data, actor=current_user),
        done=lambda t: _("已登记租客 %(name)s。", name=t.name),
        then=url_for("rentals.show", letting_id=letting.id),
        page=lambda: letting_page(letting, tenant_form=form))


@requires("people.sensitive")
def reveal_tenant(tenant_id):
    """A tenant's full ID number and phone, for the police's registration: a POST, because every
    look is written down, and only for those who may see a resident's (people.sensitive)."""
    tenant = load_scoped(RentalsTenant, tenant_id)
    letting = tenant.letting
    if not can(current_user, "rentals.view", letting):
        abort(403)
    audit.record("rentals.tenant_view_sensitive", tenant, scope_code=letting.grid.code,
                 user=current_user)
    commit()
    return letting_page(letting, revealed=tenant.id)


@requires("rentals.manage")
def end_tenant(tenant_id):
    tenant = load_scoped(RentalsTenant, tenant_id)
    letting = tenant.letting
    form = EndForm(prefix=f"end{tenant.id}")
    return submit_form(form, lambda: services.end_tenant(tenant, form.on.data, actor=current_user),
                       done=_("租客 %(name)s 已搬离(记录保留)。", name=tenant.name),
                       then=url_for("rentals.show", letting_id=letting.id),
                       page=lambda: letting_page(letting, end=(tenant.id, form))[0])


@requires("rentals.manage")
def end(letting_id):
    letting = load_scoped(RentalsLetting, letting_id)
    form = EndForm(prefix="letting")
    return submit_form(form, lambda: services.end_letting(letting, form.on.data,
                                                          actor=current_user),
                       done=_("已停止出租，在住租客已一并搬离。"),
                       then=url_for("rentals.show", letting_id=letting.id),
                       page=lambda: letting_page(letting, end_form=form)[0])


@requires("rentals.manage")
def upload_letter(letting_id):
    letting = load_scoped(RentalsLetting, letting_id)
    form = LetterForm()
    return submit_form(
        form, lambda: services.attach_letter(letting, form.letter.data, actor=current_user),
        done=_("已上传房东治安责任书。"), then=url_for("rentals.show", letting_id=letting.id),
        page=lambda: letting_page(letting, letter_form=form))


@requires("rentals.view")
def letter(letting_id):
    return send_photo(load_scoped(RentalsLetting, letting_id).letter)
