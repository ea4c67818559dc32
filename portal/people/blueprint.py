"""The register's pages: households of a grid, a household, a resident, search."""
from flask import Blueprint, abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from portal import audit
from portal.errors import DomainError
from portal.extensions import db
from portal.forms import choices
from portal.grids.models import GRID, SPECIAL, Grid
from portal.grids.services import grids_in
from portal.pagination import paginate
from portal.people import identity_form, services
from portal.people.forms import (CARE_LABELS, COLOUR_LABELS, COLOUR_SHORT, KEY_LABELS,
                                 LEFT_LABELS, RELATION_LABELS, RESIDENCE_LABELS, SEX_LABELS,
                                 ChangeHeadForm, HouseholdForm, LeaveForm, MoveHouseholdForm,
                                 MoveResidentForm, NewHouseholdForm, ResidentForm)
from portal.people.masking import mask_id, mask_phone
from portal.people.models import Household, Resident
from portal.people.number_search import status_for
from portal.people.search import SearchRefused, find_residents, refusal_status
from portal.permissions import can, requires
from portal.rendering import render
from portal.tenancy import in_subtree, load_scoped, scoped_grid_arg
from portal.web import commit, run_action, submit_form

bp = Blueprint("people", __name__, url_prefix="/people")

PAGE_SIZE = 50


@bp.app_context_processor
def labels():
    return {"COLOUR_LABELS": COLOUR_LABELS, "COLOUR_SHORT": COLOUR_SHORT,
            "RELATION_LABELS": RELATION_LABELS, "RESIDENCE_LABELS": RESIDENCE_LABELS,
            "CARE_LABELS": CARE_LABELS, "LEFT_LABELS": LEFT_LABELS, "SEX_LABELS": SEX_LABELS,
            "KEY_LABELS": KEY_LABELS, "mask_id": mask_id, "mask_phone": mask_phone}


@bp.app_errorhandler(SearchRefused)
def search_refused(refusal):
    """A page that searched residents without catching a refusal still tells the user why
    (rather than answering 500): the message, where an htmx search would put its results."""
    return render("people/search_refused.html", "people/_search_refusal.html",
                  search_refusal=refusal), status_for(refusal)


@bp.route("/")
@requires("people.view")
def index():
    """Search residents in one's scope, results as one types."""
    q = request.args.get("q", "").strip()
    results, refusal = find_residents(current_user.scope, q, limit=30)
    return render("people/index.html", "people/_results.html", q=q, results=results,
                  refusal=refusal), refusal_status(refusal)


@bp.route("/households")
@requires("people.view")
def households():
    grid = scoped_grid_arg(request.args.get("grid")) or current_user.scope
    colour = request.args.get("colour") or None
    members = (select(Resident.household_id, func.count().label("n"))
               .where(Resident.left_at.is_(None)).group_by(Resident.household_id).subquery())
    query = (select(Household, func.coalesce(members.c.n, 0))
             .join(Grid, Grid.id == Household.grid_id)
             .outerjoin(members, members.c.household_id == Household.id)
             .where(in_subtree(Grid.code, grid), Household.moved_out_at.is_(None)))
    if colour in COLOUR_LABELS:
        query = query.where(Household.colour == colour)
    listing = paginate(query.order_by(Grid.code, Household.number, Household.id), PAGE_SIZE,
                       count=True, rows=True)
    return render("people/households.html", "people/_households_table.html", grid=grid,
                  colour=colour, scope=grid, **listing.context(),
                  can_add=can(current_user, "people.manage"))


@bp.route("/residents")
@requires("people.view")
def residents():
    """The residents registered under a node, household by household: the list behind the
    dashboard's "人" figure."""
    from sqlalchemy.orm import joinedload

    grid = scoped_grid_arg(request.args.get("grid")) or current_user.scope
    query = (select(Resident).join(Grid, Grid.id == Resident.grid_id)
             .where(in_subtree(Grid.code, grid), Resident.left_at.is_(None)))
    listing = paginate(query.options(joinedload(Resident.household), joinedload(Resident.grid))
                       .order_by(Grid.code, Resident.household_id, Resident.id), PAGE_SIZE,
                       count=True)
    return render("people/residents.html", "people/_residents_table.html", grid=grid,
                  scope=grid, **listing.context())


@bp.route("/households/new", methods=["GET", "POST"])
@requires("people.manage")
def household_new():
    """登记住户: in a base or special grid (``grid`` names it), or from a village's or a town's
    list (``grid`` names the node, the user's scope without it), choosing among its live base
    and special grids."""
    node = scoped_grid_arg(request.args.get("grid")) or current_user.scope
    if node.level in (GRID, SPECIAL):
        form, grid = HouseholdForm(), node
    else:
        form, grid = NewHouseholdForm(), None
        targets = db.session.scalars(grids_in(node).where(Grid.level.in_((GRID, SPECIAL)))).all()
        form.grid.choices = choices([(0, _("请选择网格")),
                                     *((g.id, f"{g.code} {g.name}") for g in targets)])

    def save() -> Household:
        target = grid or load_scoped(Grid, form.grid.data)
        return services.add_household(target, form.address.data, number=form.number.data,
                                      colour=form.colour.data or None,
                                      building=form.building.data, actor=current_user)

    return submit_form(
        form, save,
        done=lambda household: _("已登记住户 %(address)s。", address=household.address),
        then=lambda household: url_for("people.household", household_id=household.id),
        page=lambda: render("people/household_form.html", form=form, grid=grid, node=node,
                            household=None))


@bp.route("/households/<int:household_id>")
@requires("people.view")
def household(household_id):
    """The household file (一户一档): members, house, visits, cases, key-person flags for those
    allowed, and each module's part (portal.people.household_file)."""
    from portal.people.household_file import audit_key_persons, gather

    household = load_scoped(Household, household_id)
    file = gather(household, current_user, all_visits=request.args.get("visits") == "all")
    audit_key_persons(file, current_user)
    page = render("people/household.html", household=household, scope=household.grid,
                  file=file, visits=file.visits)
    if file.flagged:
        commit()  # after rendering: a commit expires the rows the page reads
    return page


@bp.route("/households/<int:household_id>/edit", methods=["GET", "POST"])
@requires("people.manage")
def household_edit(household_id):
    household = load_scoped(Household, household_id)
    form = HouseholdForm(obj=household)
    if request.method == "GET":
        form.colour.data = household.colour or ""
        form.building.data = household.house.building if household.house else ""
    return submit_form(
        form, lambda: services.update_household(household, actor=current_user,
                                                address=form.address.data,
                                                colour=form.colour.data or None,
                                                number=form.number.data,
                                                building=form.building.data),
        done=_("已保存。"), then=url_for("people.household", household_id=household.id),
        page=lambda: render("people/household_form.html", form=form, grid=household.grid,
                            household=household))


@bp.route("/households/<int:household_id>/move", methods=["GET", "POST"])
@requires("people.manage")
def household_move(household_id):
    household = load_scoped(Household, household_id)
    form = MoveHouseholdForm()
    targets = db.session.scalars(grids_in(current_user.scope).where(
        Grid.level.in_((GRID, SPECIAL)), Grid.id != household.grid_id)).all()
    form.grid.choices = choices([(0, "—"), *((g.id, f"{g.code} {g.name}") for g in targets)])

    def save() -> Grid:
        target = load_scoped(Grid, form.grid.data)
        services.move_household(household, target, actor=current_user)
        return target

    return submit_form(
        form, save, done=lambda target: _("已将该户迁到%(grid)s。", grid=target.name),
        then=url_for("people.household", household_id=household.id),
        page=lambda: render("people/move.html", form=form, title=_("迁移住户"),
                            subject=household.address,
                            back=url_for("people.household", household_id=household.id)))


@bp.route("/households/<int:household_id>/head", methods=["GET", "POST"])
@requires("people.manage")
def household_head(household_id):
    """更换户主: one of the members becomes the head, the old head takes the relation chosen."""
    household = load_scoped(Household, household_id)
    head = services.current_head(household.id)
    form = ChangeHeadForm()
    form.resident.choices = choices([(0, _("请选择")), *(
        (m.id, f"{m.name} · {RELATION_LABELS[m.relation]}")
        for m in household.active_members if m.relation != "head")])
    return submit_form(
        form, lambda: services.change_head(household, load_scoped(Resident, form.resident.data),
                                           form.old_relation.data or None, actor=current_user),
        done=lambda new: _("%(name)s现在是户主。请核对其他成员与户主的关系。", name=new.name),
        then=url_for("people.household", household_id=household.id),
        page=lambda: render("people/change_head.html", form=form, household=household,
                            head=head))


@bp.route("/households/<int:household_id>/move-out", methods=["POST"])
@requires("people.manage")
def household_move_out(household_id):
    household = load_scoped(Household, household_id)
    return run_action(lambda: services.move_out_household(household, actor=current_user),
                      done=_("该户已迁出，记录保留。"),
                      then=url_for("people.household", household_id=household.id))


def _resident_kwargs(form) -> dict:
    return {"name": form.name.data, "relation": form.relation.data,
            "id_number": form.id_number.data, "phone": form.phone.data,
            "residence": form.residence.data, "party_member": form.party_member.data,
            "care": form.care.data or []}


@bp.route("/households/<int:household_id>/residents/new", methods=["GET", "POST"])
@requires("people.manage")
def resident_new(household_id):
    household = load_scoped(Household, household_id)
    form = ResidentForm()
    if request.method == "GET" and services.current_head(household.id) is None:
        form.relation.data = "head"  # the household has no head: the first member usually is
    return submit_form(
        form, lambda: services.add_resident(household, actor=current_user,
                                            **_resident_kwargs(form)),
        done=lambda resident: _("已登记%(name)s。", name=resident.name),
        then=url_for("people.household", household_id=household.id),
        page=lambda: render("people/resident_form.html", form=form, household=household,
                            resident=None))


@bp.route("/residents/<int:resident_id>")
@requires("people.view")
def resident(resident_id):
    resident = load_scoped(Resident, resident_id)
    return render("people/resident.html", resident=resident, scope=resident.grid,
                  leave_form=LeaveForm())


@bp.route("/residents/<int:resident_id>/reveal", methods=["POST"])
@requires("people.sensitive")
def resident_reveal(resident_id):
    """Show the full ID number and phone: a POST, because every look is written down."""
    resident = load_scoped(Resident, resident_id)
    audit.record("resident.view_sensitive", resident, scope_code=resident.grid.code,
                 user=current_user)
    commit()
    return render("people/resident.html", "people/_identity.html", resident=resident,
                  revealed=True, scope=resident.grid, leave_form=LeaveForm())


@bp.route("/residents/<int:resident_id>/edit", methods=["GET", "POST"])
@requires("people.manage")
def resident_edit(resident_id):
    """The form shows the ID number and phone masked, like every other page: most edits (care
    categories, relation, a new phone) need no look at the old numbers. A mask submitted
    unchanged keeps the stored number; "显示完整号码" (a submit button, so the edits under way
    are kept) fills in the full numbers and is audited like the resident page's."""
    resident = load_scoped(Resident, resident_id)
    form = ResidentForm(obj=resident)
    if request.method == "GET":
        form.care.data = resident.care_categories
    else:
        identity_form.unmask_unchanged(form, resident)
    if request.method == "POST" and form.reveal.data:
        if not can(current_user, "people.sensitive", resident):
            abort(403)
        audit.record("resident.view_sensitive", resident, scope_code=resident.grid.code,
                     user=current_user, page="edit")
        commit()
        return render("people/resident_form.html", form=form, household=resident.household,
                      resident=resident, revealed=True)

    def page():
        identity_form.mask_stored(form, resident)  # also when the form comes back with an error
        return render("people/resident_form.html", form=form, household=resident.household,
                      resident=resident, revealed=False)

    return submit_form(
        form, lambda: services.update_resident(resident, actor=current_user,
                                               **_resident_kwargs(form)),
        done=_("已保存。"), then=url_for("people.resident", resident_id=resident.id), page=page)


@bp.route("/residents/<int:resident_id>/move", methods=["GET", "POST"])
@requires("people.manage")
def resident_move(resident_id):
    resident = load_scoped(Resident, resident_id)
    form = MoveResidentForm()

    def save() -> Household:
        target = load_scoped(Household, form.household.data)
        services.move_resident(resident, target, form.relation.data, actor=current_user)
        return target

    return submit_form(
        form, save, done=lambda target: _("已迁入%(address)s。", address=target.address),
        then=url_for("people.resident", resident_id=resident.id),
        page=lambda: render("people/move.html", form=form, title=_("迁移居民"),
                            subject=resident.name,
                            back=url_for("people.resident", resident_id=resident.id)))


@bp.route("/residents/<int:resident_id>/leave", methods=["POST"])
@requires("people.manage")
def resident_leave(resident_id):
    resident = load_scoped(Resident, resident_id)
    form = LeaveForm()

    def work() -> None:
        if not form.validate_on_submit():
            raise DomainError(_("请选择注销原因。"))
        services.mark_left(resident, form.reason.data, actor=current_user)

    return run_action(work, done=_("已注销%(name)s，记录保留。", name=resident.name),
                      then=url_for("people.resident", resident_id=resident.id))
