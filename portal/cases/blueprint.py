"""Case pages: the list, reporting, a case with its timeline and the next steps as buttons."""
from datetime import date

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import joinedload

from portal.cases import deadlines, services
from portal.cases.forms import (ACTION_LABELS, CATEGORY_LABELS, CaseActionForm, CaseForm,
                                KIND_LABELS, LEVEL_LABELS, LIGHT_LABELS, SOURCE_LABELS,
                                STATE_LABELS, STEP_LABELS)
from portal.cases.calendar import WorkCalendar
from portal.cases.models import Case, CasePhoto, SupervisionNotice
from portal.cases.queries import case_query
from portal.cases.workflow import ACTIONS, available
from portal.errors import DomainError
from portal.extensions import db
from portal.forms import choices
from portal.grids.models import GRID, SPECIAL, Grid
from portal.grids.services import grids_in
from portal.offline.replay import replayable, stamp
from portal.pagination import paginate
from portal.permissions import can, requires
from portal.rendering import render, wants_partial
from portal.tenancy import (codes_above, in_subtree, load_scoped, narrowed, scoped_grid_arg,
                            town_of)
from portal.uploads import (UploadError, coordinates, limits_hint, prepare_photos, send_photo,
                            store_at_commit)
from portal.web import REFUSED, commit, refuse, submit_form

bp = Blueprint("cases", __name__, url_prefix="/cases")
# what every photo field says under it (templates/macros/photo_location.html), app-wide
bp.add_app_template_global(limits_hint, "photo_limits_hint")

PAGE_SIZE = 30
#: Where a case comes from, by the role of who reports it.
REPORT_SOURCE = {"resident": "resident", "dept_staff": "department"}


@bp.app_context_processor
def labels():
    return {"CATEGORY_LABELS": CATEGORY_LABELS, "KIND_LABELS": KIND_LABELS,
            "STATE_LABELS": STATE_LABELS, "CASE_LEVEL_LABELS": LEVEL_LABELS,
            "LIGHT_LABELS": LIGHT_LABELS, "ACTION_LABELS": ACTION_LABELS,
            "SOURCE_LABELS": SOURCE_LABELS, "STEP_LABELS": STEP_LABELS,
            "case_light": deadlines.light, "case_step_lights": deadlines.step_lights,
            "case_due": deadlines.due_of, "case_done": deadlines.done_at,
            "case_worst_step": deadlines.worst_pending_step, "due_text": due_text}


def due_text(due) -> str:
    """A deadline as people read it: the day, or the local time for one counted in hours."""
    from datetime import datetime

    from portal.timeutil import to_local

    if isinstance(due, datetime):
        return f"{to_local(due):%Y-%m-%d %H:%M}"
    return due.isoformat() if due else ""


def _date_arg(name):
    try:
        return date.fromisoformat(request.args[name]) if request.args.get(name) else None
    except ValueError:
        return None


def _filtered(args):
    """The list's filters, shared by the page and its export."""
    return case_query(current_user.scope, state=args.get("state") or None,
                      light=args.get("light") or None, step=args.get("step") or None,
                      category=args.get("category") or None,
                      grid=scoped_grid_arg(args.get("grid")), since=_date_arg("since"),
                      until=_date_arg("until"),
                      assignee=current_user if args.get("mine") == "1" else None,
                      lead=current_user if args.get("lead") == "1" else None,
                      q=args.get("q", "").strip() or None).where(narrowed(Case))


@bp.route("/")
@requires("cases.view")
def index():
    args = request.args
    query = _filtered(args)
    order = {"due": Case.resolve_due.asc(), "old": Case.created_at.asc()}.get(
        args.get("sort"), Case.created_at.desc())
    listing = paginate(query.options(joinedload(Case.grid)).order_by(order, Case.id.desc()),
                       PAGE_SIZE)
    today = deadlines.today()
    calendar = WorkCalendar.around(today)  # one calendar for the whole page, not one per row
    deadlines.prepare(listing.rows)  # the towns' rules for every row at once, not per town
    lights = {case.id: deadlines.light(case, today, calendar) for case in listing.rows}
    late_steps = {case.id: deadlines.worst_pending_step(case, today, calendar)
                  for case in listing.rows}
    from portal.cases.my_cases import me_too_counts

    return render("cases/index.html", "cases/_rows.html", lights=lights, late_steps=late_steps,
                  me_too=me_too_counts(c.id for c in listing.rows),
                  today=today, args=args, **listing.context())


def _leaf_grids():
    return db.session.scalars(grids_in(current_user.scope).where(
        Grid.level.in_((GRID, SPECIAL)))).all()


@bp.route("/new", methods=["GET", "POST"])
@requires("cases.report")
@replayable(Case, owner="reporter_id", endpoint="cases.show",
            values=lambda case: {"case_id": case.id},
            done=lambda case: _("已上报，事件编号 %(n)s。", n=case.number),
            gone=_l("所选网格已不在您的范围内，事件没有上报，请重新选择网格。"))
def new():
    from portal.cases.settings_views import town_categories

    form = CaseForm()
    offered = town_categories(town_of(current_user.scope)) if current_user.scope.level != "county" \
        else list(CATEGORY_LABELS)
    form.category.choices = choices((c, CATEGORY_LABELS[c]) for c in offered)
    form.grid.choices = choices([(0, "—"), *((g.id, f"{g.name} {g.code}") for g in _leaf_grids())])
    if request.method == "GET" and current_user.scope.level in (GRID, SPECIAL):
        form.grid.data = current_user.scope_id
    # the grid may be left empty when the coordinates lie in a base grid of the user's scope
    # (portal/cases/placement.py): checked in save(), with the field's own message otherwise
    form.grid.validators = []

    def save() -> Case:
        try:
            photos = prepare_photos(form.photos.data)  # checked in memory, written at commit
        except UploadError as error:
            raise DomainError(str(error), "photos") from error
        latitude, longitude = coordinates(form, photos)
        if form.grid.data:
            grid = load_scoped(Grid, form.grid.data)
        else:
            from portal.cases.placement import place

            town = town_of(current_user.scope)
            found = place(town, latitude, longitude) if town is not None else None
            if found is None or not in_subtree(found.code, current_user.scope):
                raise DomainError(_("请选择事件发生的网格。"), "grid")
            grid = found
        household = None
        if form.household.data:
            from portal.people.models import Household

            household = db.session.scalar(db.select(Household).filter_by(
                grid_id=grid.id, number=form.household.data))
            if household is None:
                raise DomainError(_("该网格没有户编号为 %(n)s 的住户。", n=form.household.data),
                                  "household")
        case = services.report(
            grid, category=form.category.data, kind=form.kind.data, major=form.major.data,
            title=form.title.data, description=form.description.data,
            address=form.address.data, latitude=latitude,
            longitude=longitude, photos=[p.name for p in photos],
            reporter=current_user,
            household=household, source=REPORT_SOURCE.get(current_user.role, "patrol"),
            handled_on_the_spot=form.on_the_spot.data or None)
        stamp(case)  # the phone's idempotency key, when it sent one (portal/offline/replay.py)
        store_at_commit(*photos)
        return case

    return submit_form(form, save, done=lambda case: _("已上报，事件编号 %(n)s。", n=case.number),
                       then=lambda case: url_for("cases.show", case_id=case.id)
                       if can(current_user, "cases.view") else  # a resident: their own page
                       url_for("my_cases.show", case_id=case.id),
                       page=lambda: render("cases/form.html", form=form))


def _assignees(case):
    """People who may take the case at its level: users whose scope contains its grid. A
    department is given a case as a department (its inbox), not through one of its staff."""
    from portal.auth.models import User

    codes = codes_above(case.grid.code)
    return db.session.scalars(
        db.select(User).join(Grid, Grid.id == User.scope_id)
        .where(Grid.code.in_(codes), User.is_active_flag.is_(True),
               User.role.in_(("grid_worker", "info_officer", "village_admin", "town_admin",
                              "county_admin")))
        .order_by(Grid.code.desc(), User.display_name)).all()


@bp.route("/<int:case_id>")
@requires("cases.view")
def show(case_id):
    from portal.cases.my_cases import me_too_counts

    case = load_scoped(Case, case_id)
    return render("cases/show.html", case=case, actions=available(current_user, case),
                  today=deadlines.today(), notices=_notices(case),
                  me_too=me_too_counts([case.id]).get(case.id, 0))


def _notices(case):
    """Every supervision notice of the case, each episode's, oldest first."""
    return db.session.scalars(db.select(SupervisionNotice).filter_by(case_id=case.id)
                              .order_by(SupervisionNotice.id)).all()


@bp.route("/<int:case_id>/act/<action>", methods=["GET", "POST"])
@requires("cases.view")
def act(case_id, action):
    """GET: the small form of one next step (htmx); POST: take it."""
    from portal.departments.services import offered_for_case

    case = load_scoped(Case, case_id)
    if action not in ACTIONS:
        abort(404)
    if action not in available(current_user, case):
        abort(403)
    form = CaseActionForm()
    if form.validate_on_submit():
        assignee = duplicate = satisfaction = department = None
        try:
            if action in ("assign", "assist") and form.department.data:
                # one of the departments offered (the case's town's and county's), matched here
                department = next((d for d in offered_for_case(case)
                                   if str(d.id) == form.department.data), None)
                if department is None:
                    raise DomainError(_("请选择本镇或本县的承办部门。"), "department")
            if action == "assign" and form.assignee.data:
                assignee = next((u for u in _assignees(case) if str(u.id) == form.assignee.data),
                                None)
                if assignee is None:
                    raise DomainError(_("承办人不负责这个网格。"), "assignee")
            if action == "duplicate":
                duplicate = db.session.scalar(db.select(Case).join(Grid).where(
                    Case.number == (form.duplicate_of.data or ""),
                    in_subtree(Grid.code, current_user.scope)))
            if action == "evaluate" and (form.satisfaction.data or "").isdigit():
                satisfaction = int(form.satisfaction.data)
            services.act(case, current_user, action, form.note.data, assignee=assignee,
                         department=department, satisfaction=satisfaction,
                         duplicate_of=duplicate, public_reply=form.public_reply.data)
            commit()
            flash(_("已%(action)s。", action=ACTION_LABELS[action]), "success")
            target = url_for("cases.show", case_id=case.id)
            if wants_partial():
                # the whole page changes (state, buttons, timeline): let htmx load it whole
                return "", 204, {"HX-Redirect": target}
            return redirect(target)
        except DomainError as exc:
            refuse(form, exc)
    from portal.cases.settings_views import town_templates

    return render("cases/show.html", "cases/_action_form.html", case=case, action=action,
                  templates=town_templates(town_of(case.grid)), form=form,
                  assignees=_assignees(case) if action == "assign" else [],
                  departments=offered_for_case(case) if action in ("assign", "assist") else [],
                  actions=available(current_user, case), today=deadlines.today(),
                  notices=_notices(case)), \
        REFUSED if form.is_submitted() else 200


@bp.route("/<int:case_id>/photos/<int:photo_id>")
@requires("cases.view")
def photo(case_id, photo_id):
    case = load_scoped(Case, case_id)
    item = db.session.get(CasePhoto, photo_id)
    if item is None or item.case_id != case.id:
        abort(404)
    return send_photo(item.filename)


def open_emergencies(scope):
    """Emergencies still open in ``scope``, oldest first: at the top of a dispatcher's home page
    until they are resolved (the in-portal notice, until a notifications outbox exists)."""
    from portal.cases.workflow import OPEN_STATES

    from portal.cases.queries import first_of

    return db.session.scalars(first_of(
        db.select(Case).join(Grid, Grid.id == Case.grid_id)
        .where(Case.kind == "emergency", Case.state.in_(OPEN_STATES),
               in_subtree(Grid.code, scope), narrowed(Case)),
        Case.created_at, Case.id, limit=20).options(joinedload(Case.grid))).all()


def open_notices(scope):
    """Supervision notices still open in ``scope`` (for the home page)."""
    return db.session.scalars(
        db.select(SupervisionNotice).join(Case).join(Grid, Grid.id == Case.grid_id)
        .where(SupervisionNotice.resolved_at.is_(None), in_subtree(Grid.code, scope),
               narrowed(Case))
        .order_by(SupervisionNotice.created_at)).all()


@bp.route("/stats")
@requires("cases.view")
def stats():
    """Received, resolved, on-time rate, handling time and satisfaction for a period."""
    from portal.cases.stats import by_step, children_names, figures

    scope = scoped_grid_arg(request.args.get("grid")) or current_user.scope
    today = deadlines.today()
    since = _date_arg("since") or today.replace(day=1)
    until = _date_arg("until") or today
    if until < since:
        since, until = until, since
    report = figures(scope, since, until)
    from portal.departments.stats import by_department

    return render("cases/stats.html", scope=scope, since=since, until=until, report=report,
                  by_department=by_department(scope, since, until),
                  names=children_names(scope), steps=by_step(scope, since, until))


@bp.route("/export.xlsx")
@requires("cases.view")
def export():
    """The list as it is filtered, as an Excel file (reporter phones masked)."""
    from flask_babel import force_locale

    from portal.rendering import ExportWorkbook, xlsx_download

    from portal.people.masking import mask_phone
    from portal.timeutil import to_local

    query = _filtered(request.args)
    workbook = ExportWorkbook()
    sheet = workbook.create_sheet("事件")
    sheet.append(["编号", "标题", "类别", "状态", "亮灯", "网格", "办理层级", "上报时间",
                  "办结期限", "办结时间", "满意度", "报告人电话"])
    on = deadlines.today()
    calendar = WorkCalendar.around(on)
    with force_locale("zh_CN"):
        for case in db.session.scalars(query.options(joinedload(Case.grid))
                                       .order_by(Case.created_at.desc()).limit(50000)):
            lt = deadlines.light(case, on, calendar)
            sheet.append([case.number, case.title, str(CATEGORY_LABELS[case.category]),
                          str(STATE_LABELS[case.state]), str(LIGHT_LABELS[lt]) if lt else "",
                          case.grid.name, str(LEVEL_LABELS[case.level]),
                          to_local(case.created_at), case.resolve_due, to_local(case.resolved_at),
                          case.satisfaction, mask_phone(case.reporter_phone)])
    return xlsx_download(workbook, f"事件-{on:%Y%m%d}.xlsx")
