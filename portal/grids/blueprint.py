"""Grid tree pages for staff: browse, create, edit, move, retire; staff of a grid."""
from flask import Blueprint, abort, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.errors import DomainError
from portal.extensions import db
from portal.forms import choices
from portal.grids import services
from portal.grids.forms import (LEVEL_LABELS, SPECIAL_KIND_LABELS, GridForm, MoveForm, NameForm,
                               StaffForm)
from portal.grids.staff_posts import PostLabels, label_for, posts_for
from portal.grids.models import ALLOWED_CHILDREN, GRID, SPECIAL, Grid, GridStaff
from portal.permissions import requires
from portal.plugins import host
from portal.rendering import render
from portal.tenancy import in_subtree, load_scoped
from portal.uploads import send_photo
from portal.web import REFUSED, commit, refuse, run_action, submit_form

bp = Blueprint("grids", __name__, url_prefix="/grids")

PAGE_SIZE = 50


@bp.app_context_processor
def labels():
    # POST_LABELS never answers with a raw code (a town's post shows "其他岗位" at worst);
    # post_label(staff) is the words of one staff member's post, town posts included
    return {"LEVEL_LABELS": LEVEL_LABELS, "POST_LABELS": PostLabels(None),
            "post_label": label_for, "SPECIAL_KIND_LABELS": SPECIAL_KIND_LABELS}


@bp.route("/")
@requires("grids.view")
def index():
    return redirect(url_for("grids.show", grid_id=current_user.scope_id))


@bp.route("/<int:grid_id>")
@requires("grids.view")
def show(grid_id):
    grid = load_scoped(Grid, grid_id)
    show_retired = request.args.get("retired") == "1"
    children = [c for c in grid.children if show_retired or c.active]
    counts = services.child_counts(grid)
    staff = [s for s in grid.staff if s.ended_at is None]
    tabs = host().collect(grid, "grid_tabs", grid=grid, user=current_user)
    return render("grids/show.html", grid=grid, children=children, counts=counts,
                  total=services.counts_under(grid), staff=staff, tabs=tabs, scope=grid,
                  child_levels=ALLOWED_CHILDREN[grid.level], show_retired=show_retired,
                  breadcrumb=[a for a in grid.ancestors()
                              if in_subtree(a.code, current_user.scope)])


@bp.route("/search")
@requires("grids.view")
def search():
    """Search-as-you-type over the user's subtree by name or code."""
    q = request.args.get("q", "").strip()
    results = []
    if q:
        results = db.session.scalars(
            services.grids_in(current_user.scope)
            .where(db.or_(Grid.name.contains(q, autoescape=True),
                          Grid.code.startswith(q, autoescape=True))).limit(20)).all()
    return render("grids/search.html", "grids/_search_results.html", q=q, results=results)


@bp.route("/<int:grid_id>/new/<level>", methods=["GET", "POST"])
@requires("grids.manage")
def create(grid_id, level):
    parent = load_scoped(Grid, grid_id)
    if level not in ALLOWED_CHILDREN[parent.level]:
        abort(404)
    form = GridForm()
    return submit_form(
        form, lambda: services.create_grid(
            parent, level, form.name.data, actor=current_user,
            special_kind=form.special_kind.data or None if level == SPECIAL else None,
            supervision_phone=form.supervision_phone.data or None,
            description=form.description.data or None),
        done=lambda grid: _("已新建“%(name)s”，编码 %(code)s。", name=grid.name, code=grid.code),
        then=lambda grid: url_for("grids.show", grid_id=grid.id),
        page=lambda: render("grids/form.html", form=form, parent=parent, level=level,
                            grid=None))


@bp.route("/<int:grid_id>/edit", methods=["GET", "POST"])
@requires("grids.manage")
def edit(grid_id):
    grid = load_scoped(Grid, grid_id)
    form = GridForm(obj=grid)
    return submit_form(
        form, lambda: services.update_grid(grid, actor=current_user, name=form.name.data,
                                           supervision_phone=form.supervision_phone.data,
                                           description=form.description.data,
                                           **({"special_kind": form.special_kind.data}
                                              if grid.level == SPECIAL else {})),
        done=_("已保存。"), then=url_for("grids.show", grid_id=grid.id),
        page=lambda: render("grids/form.html", form=form, parent=grid.parent, level=grid.level,
                            grid=grid))


@bp.route("/<int:grid_id>/name", methods=["GET", "POST"])
@requires("grids.manage")
def inline_name(grid_id):
    """Inline rename on the grid page (htmx): GET gives the field, POST saves it."""
    grid = load_scoped(Grid, grid_id)
    form = NameForm()
    if form.validate_on_submit():
        try:
            services.update_grid(grid, actor=current_user, name=form.name.data or "")
            commit()
            return render("grids/_name.html", grid=grid)
        except DomainError as exc:
            refuse(form, exc)
    if form.is_submitted():
        errors = [*form.name.errors, *form.form_errors, *form.errors.get("csrf_token", [])]
        return render("grids/_name_form.html", grid=grid, error=" ".join(map(str, errors)),
                      value=form.name.data or ""), REFUSED
    if request.args.get("cancel"):
        return render("grids/_name.html", grid=grid)
    return render("grids/_name_form.html", grid=grid, error=None, value=grid.name)


def _move_targets(grid):
    """Active nodes in the user's scope that may take ``grid`` as a child."""
    levels = [lvl for lvl, kids in ALLOWED_CHILDREN.items() if grid.level in kids]
    query = services.grids_in(current_user.scope).where(Grid.level.in_(levels))
    return [g for g in db.session.scalars(query)
            if not in_subtree(g.code, grid) and g.id != grid.parent_id]


@bp.route("/<int:grid_id>/move", methods=["GET", "POST"])
@requires("grids.manage")
def move(grid_id):
    grid = load_scoped(Grid, grid_id)
    if grid.id == current_user.scope_id:
        abort(403)  # one cannot move the root of one's own scope out of it
    targets = _move_targets(grid)
    form = MoveForm()
    form.parent.choices = choices([(0, "—"), *((g.id, f"{g.code} {g.name}") for g in targets)])
    old_code = grid.code
    return submit_form(
        form, lambda: services.move_grid(grid, load_scoped(Grid, form.parent.data),
                                         actor=current_user),
        done=lambda _moved: _("已移动，编码由 %(old)s 改为 %(new)s。", old=old_code,
                              new=grid.code),
        then=url_for("grids.show", grid_id=grid.id),
        page=lambda: render("grids/move.html", form=form, grid=grid))


@bp.route("/<int:grid_id>/retire", methods=["POST"])
@requires("grids.manage")
def retire(grid_id):
    return _retire_or_restore(grid_id, services.retire_grid,
                              lambda name: _("“%(name)s”已撤销。", name=name))


@bp.route("/<int:grid_id>/restore", methods=["POST"])
@requires("grids.manage")
def restore(grid_id):
    return _retire_or_restore(grid_id, services.restore_grid,
                              lambda name: _("“%(name)s”已恢复。", name=name))


def _retire_or_restore(grid_id, operation, done_message):
    grid = load_scoped(Grid, grid_id)
    if grid.id == current_user.scope_id:
        abort(403)  # the root of one's own scope is not one's to retire
    return run_action(lambda: operation(grid, actor=current_user),
                      done=lambda _done: done_message(grid.name),
                      then=url_for("grids.show", grid_id=grid.id))


# ---------------------------------------------------------------- staff on the notice board


def _scoped_staff(grid, staff_id) -> GridStaff:
    staff = db.session.get(GridStaff, staff_id)
    if staff is None or staff.grid_id != grid.id:
        abort(404)
    return staff


@bp.route("/<int:grid_id>/staff/new", methods=["GET", "POST"])
@requires("grids.manage")
def staff_new(grid_id):
    grid = load_scoped(Grid, grid_id)
    return _staff_form(grid, None)


@bp.route("/<int:grid_id>/staff/<int:staff_id>", methods=["GET", "POST"])
@requires("grids.manage")
def staff_edit(grid_id, staff_id):
    grid = load_scoped(Grid, grid_id)
    return _staff_form(grid, _scoped_staff(grid, staff_id))


def _staff_form(grid, staff):
    form = StaffForm(obj=staff)
    posts = posts_for(grid)
    if staff is not None and staff.post not in dict(posts):
        posts.append((staff.post, label_for(staff)))  # a post the town has since removed
    form.post.choices = choices(posts)
    return submit_form(
        form, lambda: services.save_staff(
            grid, staff, photo_file=form.photo_file.data,
            **{field: getattr(form, field).data or None
               for field in ("post", "name", "phone", "duties")},
            sort_order=form.sort_order.data or 0),
        done=lambda record: _("已保存%(name)s的信息。", name=record.name),
        then=url_for("grids.show", grid_id=grid.id),
        page=lambda: render("grids/staff_form.html", form=form, grid=grid, staff=staff))


@bp.route("/<int:grid_id>/staff/<int:staff_id>/end", methods=["POST"])
@requires("grids.manage")
def staff_end(grid_id, staff_id):
    grid = load_scoped(Grid, grid_id)
    staff = _scoped_staff(grid, staff_id)
    return run_action(lambda: services.end_staff(staff),
                      done=_("%(name)s已从公示牌撤下。", name=staff.name),
                      then=url_for("grids.show", grid_id=grid.id))


@bp.route("/<int:grid_id>/card")
@requires("grids.view")
def card(grid_id):
    """The printable service contact card (服务联系卡) handed to every household."""
    from portal.grids.public import public_url, qr_svg

    grid = load_scoped(Grid, grid_id)
    if grid.level not in (GRID, SPECIAL):
        abort(404)
    url = public_url(grid)
    staff = [s for s in grid.staff if s.ended_at is None]
    return render("grids/card.html", grid=grid, staff=staff, url=url, qr=qr_svg(url))


@bp.route("/<int:grid_id>/staff/<int:staff_id>/photo")
@requires("grids.view")
def staff_photo(grid_id, staff_id):
    grid = load_scoped(Grid, grid_id)
    return send_photo(_scoped_staff(grid, staff_id).photo)
