"""Places: the list of the user's scope (filters by grid, kind group and state; due inspections,
licences expiring and open hazards marked), registering and changing a place, its page (details,
licences, map, inspections, open hazards), closing it, its licences, the audited look at its
full phone, and the map of the list."""
from flask import current_app, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from portal.errors import DomainError
from portal.extensions import db
from portal.grids.models import GRID, SPECIAL, Grid
from portal.pagination import paginate
from portal.permissions import can, requires
from portal.rendering import render
from portal.request_guard import parse_id
from portal.tenancy import in_subtree_where_on, load_scoped
from portal.timeutil import local_today
from portal.web import commit, submit_form

from . import services
from .figures import MODULE, licence_marks, open_hazards, places_in
from .forms import DateForm, LicenceForm, PlaceForm
from .kinds import GROUPS, kind_label, kinds_of
from .models import PlacesHazard, PlacesInspection, PlacesLicence, PlacesPlace
from .schedule import DUE_NOTICE_DAYS

PAGE_SIZE = 50
#: The map shows at most this many places (the list's filters narrow it).
MAP_LIMIT = 1000
#: Licence names offered while typing (any other may be written).
LICENCE_NAMES = ("营业执照", "食品经营许可证", "消防安全检查合格证", "卫生许可证", "特种行业许可证",
                 "办学许可证", "医疗机构执业许可证", "娱乐经营许可证", "网络文化经营许可证")


def base_grids() -> list[Grid]:
    """The base grids of the user's scope where the module is on (the filter and the form)."""
    return list(db.session.scalars(select(Grid).where(
        Grid.level.in_((GRID, SPECIAL)), Grid.retired_at.is_(None),
        in_subtree_where_on(MODULE, current_user.scope)).order_by(Grid.code)))


def grid_arg() -> Grid:
    grid_id = request.args.get("grid", type=parse_id)
    return load_scoped(Grid, grid_id) if grid_id else current_user.scope


def group_arg() -> str:
    group = request.args.get("group", "")
    return group if group in GROUPS else ""


def filtered(node: Grid, group: str, show: str):
    query = places_in(node)
    if group:
        query = query.where(PlacesPlace.kind.in_(kinds_of(group)))
    if show == "open":
        query = query.where(PlacesPlace.closed_on.is_(None))
    elif show == "closed":
        query = query.where(PlacesPlace.closed_on.is_not(None))
    return query


def map_config() -> dict:
    return {"tiles": current_app.config.get("MAP_TILE_URL") or None,
            "attribution": current_app.config.get("MAP_TILE_ATTRIBUTION") or ""}


def marker(place: PlacesPlace) -> dict:
    return {"lat": place.latitude, "lon": place.longitude, "name": place.name,
            "kind": kind_label(place.kind),
            "url": url_for("places.show", place_id=place.id)}


@requires("places.view")
def index():
    node, group = grid_arg(), group_arg()
    show = request.args.get("show", "open")
    listing = paginate(filtered(node, group, show)
                       .options(joinedload(PlacesPlace.grid), selectinload(PlacesPlace.licences))
                       .order_by(PlacesPlace.closed_on.is_not(None), Grid.code, PlacesPlace.name,
                                 PlacesPlace.id), PAGE_SIZE)
    today = local_today()
    ids = [place.id for place in listing.rows]
    hazards = dict(db.session.execute(
        select(PlacesHazard.place_id, func.count()).where(PlacesHazard.place_id.in_(ids),
                                                          open_hazards())
        .group_by(PlacesHazard.place_id)).all()) if ids else {}
    marks = {place.id: licence_marks(place.licences, today) for place in listing.rows}
    return render("places/index.html", node=node, scope=node, group=group, show=show,
                  grids=base_grids(), marks=marks, hazards=hazards, today=today,
                  notice_days=DUE_NOTICE_DAYS, **listing.context())


@requires("places.view")
def map_page():
    node, group = grid_arg(), group_arg()
    places = db.session.scalars(filtered(node, group, "open")
                                .where(PlacesPlace.latitude.is_not(None))
                                .order_by(PlacesPlace.id).limit(MAP_LIMIT)).all()
    return render("places/map.html", node=node, scope=node, group=group, grids=base_grids(),
                  markers=[marker(p) for p in places], config=map_config(), limit=MAP_LIMIT)


def _place_kwargs(form: PlaceForm) -> dict:
    return {"name": form.name.data, "kind": form.kind.data, "address": form.address.data,
            "latitude": form.latitude.data, "longitude": form.longitude.data,
            "person_in_charge": form.person_in_charge.data, "staff_count": form.staff_count.data,
            "note": form.note.data}


def _chosen_grid(form: PlaceForm) -> Grid:
    grid = db.session.get(Grid, form.grid.data) if form.grid.data else None
    if grid is None or grid not in base_grids():
        raise DomainError(_("请选择场所所在的网格。"), field="grid")
    return grid


@requires("places.manage")
def new():
    grids = base_grids()
    form = PlaceForm(grids=grids, registered_on=local_today(),
                     grid=grids[0].id if len(grids) == 1 else 0)
    return submit_form(
        form, lambda: services.register(
            _chosen_grid(form), contact_phone=form.contact_phone.data or None,
            registered_on=form.registered_on.data, actor=current_user, **_place_kwargs(form)),
        done=lambda place: _("已登记 %(name)s。", name=place.name),
        then=lambda place: url_for("places.show", place_id=place.id),
        page=lambda: render("places/form.html", form=form, place=None))


@requires("places.manage")
def edit(place_id):
    place = load_scoped(PlacesPlace, place_id)
    form = PlaceForm(grids=base_grids(), obj=place)
    if request.method == "GET":
        form.grid.data = place.grid_id
        form.contact_phone.data = ""  # never in full: empty keeps the stored number
    del form.registered_on
    return submit_form(
        form, lambda: services.update_place(
            place, grid=_chosen_grid(form), contact_phone=form.contact_phone.data or None,
            actor=current_user, **_place_kwargs(form)),
        done=_("已保存。"), then=url_for("places.show", place_id=place.id),
        page=lambda: render("places/form.html", form=form, place=place))


def place_page(place: PlacesPlace, *, licence_form=None, close_form=None,
               end: tuple | None = None, revealed: bool = False, status: int = 200):
    """One place with its licences, inspections and open hazards, and the forms the user may
    fill; ``end``: (licence id, form) of a refused end, shown open with its error."""
    today = local_today()
    licences = sorted(place.licences, key=lambda lic: (lic.ended_on is not None, lic.id))
    end_forms = {lic.id: DateForm(prefix=f"end{lic.id}", formdata=None, on=today)
                 for lic in licences if lic.ended_on is None}
    if end is not None:
        end_forms[end[0]] = end[1]
    inspections = db.session.scalars(
        select(PlacesInspection).filter_by(place_id=place.id)
        .options(selectinload(PlacesInspection.hazards))
        .order_by(PlacesInspection.inspected_on.desc(), PlacesInspection.id.desc()).limit(20)).all()
    hazards = db.session.scalars(
        select(PlacesHazard).filter_by(place_id=place.id).where(open_hazards())
        .options(selectinload(PlacesHazard.photos), joinedload(PlacesHazard.inspection))
        .order_by(PlacesHazard.deadline, PlacesHazard.id)).all()
    return render("places/show.html", place=place, scope=place.grid, licences=licences,
                  end_forms=end_forms, refused_end=end[0] if end else None,
                  licence_form=licence_form or LicenceForm(formdata=None),
                  close_form=close_form or DateForm(prefix="close", formdata=None, on=today),
                  inspections=inspections, hazards=hazards, revealed=revealed, today=today,
                  notice_days=DUE_NOTICE_DAYS,
                  may_manage=can(current_user, "places.manage", place),
                  may_inspect=can(current_user, "places.inspect", place),
                  licence_names=LICENCE_NAMES, config=map_config(),
                  markers=[marker(place)] if place.latitude is not None else []), status


@requires("places.view")
def show(place_id):
    return place_page(load_scoped(PlacesPlace, place_id))


@requires("places.manage")
def reveal(place_id):
    """The full contact phone: a POST, because every look is written down."""
    place = load_scoped(PlacesPlace, place_id)
    services.reveal_phone(place, current_user)
    commit()
    return place_page(place, revealed=True)


@requires("places.manage")
def close(place_id):
    place = load_scoped(PlacesPlace, place_id)
    form = DateForm(prefix="close")
    return submit_form(form, lambda: services.close(place, form.on.data, actor=current_user),
                       done=_("%(name)s 已关闭(记录保留)。", name=place.name),
                       then=url_for("places.show", place_id=place.id),
                       page=lambda: place_page(place, close_form=form)[0])


@requires("places.manage")
def licence_add(place_id):
    place = load_scoped(PlacesPlace, place_id)
    form = LicenceForm()
    return submit_form(
        form, lambda: services.add_licence(place, name=form.name.data,
                                           number=form.number.data or None,
                                           expires_on=form.expires_on.data, actor=current_user),
        done=lambda lic: _("已登记证照 %(name)s。", name=lic.name),
        then=url_for("places.show", place_id=place.id),
        page=lambda: place_page(place, licence_form=form))


@requires("places.manage")
def licence_end(licence_id):
    licence = load_scoped(PlacesLicence, licence_id)
    place = licence.place
    form = DateForm(prefix=f"end{licence.id}")
    return submit_form(
        form, lambda: services.end_licence(licence, form.on.data, actor=current_user),
        done=_("证照 %(name)s 已注销(记录保留)。", name=licence.name),
        then=url_for("places.show", place_id=place.id),
        page=lambda: place_page(place, end=(licence.id, form))[0])
