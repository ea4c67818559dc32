"""Administration inside one's scope: user accounts, the town's modules, the audit log."""
from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_

from portal import audit
from portal.admin.forms import ApiKeyForm, CalendarForm, ModuleSwitchForm, UserForm
from portal.audit import labels as audit_labels
from portal.audit.models import AuditEntry
from portal.departments.services import offered_to_admin
from portal.auth import services as users
from portal.auth import sessions, throttle
from portal.auth.models import User
from portal.errors import DomainError
from portal.extensions import db
from portal.forms import choices
from portal.grids.models import COUNTY, TOWN, Grid
from portal.grids.services import grids_in
from portal.modules import services as modules
from portal.pagination import paginate
from portal.permissions import assignable_roles, requires, role_registry
from portal.plugins import host
from portal.rendering import render
from portal.tenancy import (in_subtree, load_scoped, module_on_for_request, require_module_at,
                            town_of)
from portal.web import REFUSED, commit, refuse, run_action, submit_form

bp = Blueprint("admin", __name__, url_prefix="/admin")

PAGE_SIZE = 30


# ---------------------------------------------------------------- users


def _scoped_users():
    return db.select(User).join(Grid, Grid.id == User.scope_id).where(
        in_subtree(Grid.code, current_user.scope))


@bp.route("/users")
@requires("users.manage")
def users_list():
    q = request.args.get("q", "").strip()
    query = _scoped_users()
    if q:
        query = query.where(or_(User.username.contains(q, autoescape=True),
                                User.display_name.contains(q, autoescape=True),
                                User.phone.contains(q, autoescape=True)))
    listing = paginate(query.order_by(Grid.code, User.username), PAGE_SIZE, count=True)
    return render("admin/users.html", "admin/_users_table.html", q=q, **listing.context())


def _scope_choices():
    roles = role_registry()
    levels = {lvl for role in assignable_roles(current_user) for lvl in roles[role].scope_levels}
    nodes = db.session.scalars(grids_in(current_user.scope).where(Grid.level.in_(levels)))
    return choices((g.id, f"{g.code} {g.name}") for g in nodes)


def _user_form(user=None):
    form = UserForm(obj=user)
    if user is not None and request.method == "GET":
        form.scope.data = user.scope_id
        form.active.data = user.is_active
        form.department.data = user.department_id or 0
    form.role.choices = choices((r, str(role_registry()[r].label))
                                for r in assignable_roles(current_user))
    form.scope.choices = _scope_choices()
    form.department.choices = choices([(0, "—"), *((d.id, f"{d.name} · {d.owner.name}")
                                                  for d in offered_to_admin(current_user.scope))])
    return form


def _department(form):
    """The department chosen, among those offered; None for none (the service says whether
    the role needs one), a refusal beside the field for anything else."""
    if not form.department.data:
        return None
    chosen = next((d for d in offered_to_admin(current_user.scope)
                   if d.id == form.department.data), None)
    if chosen is None:
        raise DomainError(_("所选部门不属于该用户的管理范围或已停用。"), "department")
    return chosen


@bp.route("/users/new", methods=["GET", "POST"])
@requires("users.manage")
def user_new():
    form = _user_form()
    return submit_form(
        form, lambda: users.create_user(
            username=form.username.data, password=form.password.data, role=form.role.data,
            scope=load_scoped(Grid, form.scope.data), display_name=form.display_name.data,
            phone=form.phone.data, id_number=form.id_number.data, email=form.email.data,
            actor=current_user, department=_department(form)),
        done=lambda user: _("已创建用户 %(name)s。", name=user.username),
        then=url_for("admin.users_list"),
        page=lambda: render("admin/user_form.html", form=form, user=None))


def _editable_user(user_id) -> User:
    """A user the current admin may manage: 404 outside their scope, 403 for a role they may
    not assign."""
    user = db.session.scalar(_scoped_users().where(User.id == user_id))
    if user is None:
        abort(404)
    if user.role not in assignable_roles(current_user):
        abort(403)
    return user


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@requires("users.manage")
def user_edit(user_id):
    user = _editable_user(user_id)
    form = _user_form(user)
    if form.validate_on_submit():
        scope = load_scoped(Grid, form.scope.data)
        if user.id == current_user.id and (not form.active.data or form.role.data != user.role):
            form.role.errors = [*form.role.errors, _("不能停用自己或修改自己的角色。")]
        else:
            try:
                token = user.session_token
                users.update_user(user, actor=current_user, password=form.password.data,
                                  username=form.username.data,
                                  display_name=form.display_name.data, phone=form.phone.data,
                                  id_number=form.id_number.data, email=form.email.data,
                                  role=form.role.data, department=_department(form),
                                  scope=scope, is_active_flag=form.active.data)
                commit()
                if user.session_token != token and user.id == current_user.id:
                    sessions.reissue(user)  # one's own other sessions end; this one goes on
                flash(_("已保存用户 %(name)s。", name=user.username), "success")
                return redirect(url_for("admin.users_list"))
            except DomainError as error:
                refuse(form, error)
    return render("admin/user_form.html", form=form, user=user, locks=throttle.locks_of(user),
                  address_of=throttle.address_of), REFUSED if form.errors else 200


@bp.route("/users/<int:user_id>/unlock", methods=["POST"])
@requires("users.manage")
def user_unlock(user_id):
    """Lift the user's login locks from every address (someone locked out by their own
    mistakes, or by someone else's guessing at their address); audited."""
    user = _editable_user(user_id)

    def work() -> None:
        lifted = throttle.unlock(user)
        audit.record("user.unlock", user, scope_code=user.scope.code, lockouts=lifted)

    return run_action(work, done=_("已解除 %(name)s 的登录锁定。", name=user.username),
                      then=url_for("admin.user_edit", user_id=user.id))


# ---------------------------------------------------------------- modules per town


def _towns():
    return db.session.scalars(grids_in(current_user.scope).where(Grid.level == TOWN)).all()


def chosen_town():
    """(the town a page is about, the towns to choose from): a county admin's ``?town=`` choice,
    the first town by default; anyone else's own town (and nothing to choose). Used by every
    per-town page, the core's settings and the modules' alike."""

    if current_user.scope.level != COUNTY:
        town = town_of(current_user.scope)
        if town is not None:
            require_module_at(town.code)
        return town, []
    # on a module's page, only the towns that have the module on can be chosen (else 404)
    towns = [t for t in _towns() if module_on_for_request(t.code)]
    code = request.values.get("town")
    chosen = next((t for t in towns if t.code == code), None)
    if code and chosen is None:
        abort(404)
    return chosen or (towns[0] if towns else None), towns


@bp.route("/modules")
@requires("modules.manage")
def modules_page():
    town, towns = chosen_town()
    plugins = host()
    states = modules.module_states(town) if town else {}
    rows = [{"name": name, **plugins.info(name), "state": states.get(name)}
            for name in sorted(plugins.optional)]
    return render("admin/modules.html", town=town, towns=towns, rows=rows,
                  failed=plugins.failed)


@bp.route("/modules/<int:town_id>/<name>", methods=["POST"])
@requires("modules.manage")
def module_switch(town_id, name):
    town = load_scoped(Grid, town_id)
    if town.level != TOWN or name not in host().optional:
        abort(404)
    form = ModuleSwitchForm()
    status = REFUSED
    if form.validate_on_submit():
        enabled = form.enabled.data == "1"
        modules.set_module(town, name, enabled, actor=current_user)
        commit()
        label = host().info(name)["label"]
        flash((_("已为%(town)s开启“%(module)s”。") if enabled
               else _("已为%(town)s关闭“%(module)s”。"))
              % {"town": town.name, "module": label}, "success")
        if not request.headers.get("HX-Request"):
            return redirect(url_for("admin.modules_page", town=town.code))
        status = 200
    row = {"name": name, **host().info(name), "state": modules.module_states(town).get(name),
           "form": form if form.errors else None}
    return render("admin/modules.html", "admin/_module_row.html", town=town, row=row,
                  towns=_towns(), rows=[row], failed=host().failed), status


# ---------------------------------------------------------------- audit


@bp.route("/audit")
@requires("audit.view")
def audit_log():
    query = db.select(AuditEntry).where(
        in_subtree(AuditEntry.scope_code, current_user.scope))
    action = request.args.get("action", "").strip()
    if action:
        query = query.where(AuditEntry.action.startswith(action, autoescape=True))
    listing = paginate(query.order_by(AuditEntry.id.desc()), PAGE_SIZE)
    return render("admin/audit.html", "admin/_audit_rows.html", action=action,
                  names=audit_labels.labels(), detail_rows=audit_labels.detail_rows,
                  **listing.context())


# ---------------------------------------------------------------- the working-day calendar


@bp.route("/calendar", methods=["GET", "POST"])
@requires("calendar.manage")
def calendar():
    """The years whose holiday schedule is known, and a form to enter the next one."""
    from portal.cases.calendar import parse_days, set_year
    from portal.cases.models import CalendarDay, CalendarYear
    from portal.cases.deadlines import today

    form = CalendarForm(year=today().year + 1)
    if form.validate_on_submit():
        year = form.year.data
        parsed = {}
        for field in (form.holidays, form.workdays):
            try:
                parsed[field.name] = parse_days(field.data, year)
            except ValueError as line:
                field.errors = [_("第%(n)d行格式不对：应为“%(year)s-01-01 元旦”，且在所填年份内。",
                                  n=line.args[0], year=year)]
        if not form.holidays.errors and not form.workdays.errors and not parsed["holidays"]:
            form.holidays.errors = [_("请至少录入一个节假日。")]
        if not form.holidays.errors and not form.workdays.errors:
            healed = set_year(year, parsed["holidays"], parsed["workdays"],
                              f"entered by {current_user.username}")
            from portal import audit

            audit.record("calendar.set_year", None, scope_code=current_user.scope.code,
                         year=year, holidays=len(parsed["holidays"]),
                         workdays=len(parsed["workdays"]), cases_recounted=healed)
            commit()
            flash(_("已录入%(year)d年的工作日历。", year=year), "success")
            if healed:
                flash(_("%(n)d 个未办结事件的期限已按新日历重新计算。", n=healed), "success")
            return redirect(url_for("admin.calendar"))
    years = db.session.scalars(db.select(CalendarYear).order_by(CalendarYear.year.desc())).all()
    from collections import Counter

    # a few hundred rows: counted here rather than with dialect-specific date functions
    counts = Counter(str(day.year) for day in db.session.scalars(db.select(CalendarDay.day)))
    return render("admin/calendar.html", years=years, counts=counts, form=form,
                  next_year=today().year + 1), REFUSED if form.is_submitted() else 200


# ---------------------------------------------------------------- Open311 API keys


@bp.route("/open311", methods=["GET", "POST"])
@requires("modules.manage")
def open311_keys():
    """Keys for the town's Open311 clients: issued here, shown once, revocable."""
    from portal.cases.models import ApiKey
    from portal.cases.open311_keys import issue

    town, towns = chosen_town()
    if town is None:
        abort(404)
    form = ApiKeyForm()
    new_key, status = None, 200
    if form.validate_on_submit():
        _row, new_key = issue(town, form.label.data or "", actor=current_user)
        commit()
    elif form.is_submitted():
        status = REFUSED
    keys = db.session.scalars(db.select(ApiKey).filter_by(town_id=town.id)
                              .order_by(ApiKey.id.desc())).all()
    return render("admin/open311.html", town=town, towns=towns, keys=keys, new_key=new_key,
                  form=form), status


@bp.route("/open311/keys/<int:key_id>/revoke", methods=["POST"])
@requires("modules.manage")
def open311_revoke(key_id):
    from portal.cases.models import ApiKey
    from portal.cases.open311_keys import revoke

    row = load_scoped(ApiKey, key_id)
    return run_action(lambda: revoke(row, actor=current_user), done=_("已停用该密钥。"),
                      then=url_for("admin.open311_keys", town=row.town.code))
