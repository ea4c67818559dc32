"""The departments page of the admin (a county's and its towns', a town's own) and a
department's inbox (部门收件箱)."""
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from portal.auth.models import User
from portal.cases import deadlines
from portal.cases.calendar import WorkCalendar
from portal.cases.models import Case
from portal.departments import services
from portal.departments.forms import DepartmentEditForm, DepartmentForm
from portal.departments.models import Department
from portal.extensions import db
from portal.forms import choices
from portal.grids.models import Grid
from portal.pagination import paginate
from portal.permissions import requires
from portal.rendering import render
from portal.tenancy import in_subtree, load_scoped
from portal.web import submit_form

PAGE_SIZE = 30


def _listed():
    """The departments kept in the admin's scope, with their number of staff."""
    staff = (select(User.department_id, func.count().label("n")).where(
        User.department_id.is_not(None), User.is_active_flag.is_(True))
        .group_by(User.department_id).subquery())
    return db.session.execute(
        select(Department, func.coalesce(staff.c.n, 0))
        .join(Grid, Grid.id == Department.owner_id)
        .outerjoin(staff, staff.c.department_id == Department.id)
        .where(in_subtree(Grid.code, current_user.scope))
        .options(joinedload(Department.owner))
        .order_by(Grid.code, Department.active.desc(), Department.name)).all()


@requires("settings.manage")
def admin_list():
    """The departments and a form to add one."""
    owners = services.owners_for(current_user.scope)
    form = DepartmentForm()
    form.owner.choices = choices((g.id, g.name) for g in owners)
    if not form.is_submitted() and owners:
        form.owner.data = owners[0].id  # the county for a county admin, else the town

    def save():
        owner = next((g for g in owners if g.id == form.owner.data), None)
        if owner is None:
            from portal.errors import DomainError

            raise DomainError(_("请选择部门所属的县或镇(街道)。"), "owner")
        return services.create_department(owner, form.name.data, form.kind.data,
                                          actor=current_user)

    return submit_form(form, save,
                       done=lambda d: _("已添加部门 %(name)s。", name=d.name),
                       then=url_for("departments.admin_list"),
                       page=lambda: render("departments/admin.html", form=form, rows=_listed()))


@requires("settings.manage")
def admin_edit(department_id):
    department = load_scoped(Department, department_id)
    form = DepartmentEditForm(obj=department)
    staff = db.session.scalars(select(User).where(User.department_id == department.id)
                               .order_by(User.display_name)).all()
    return submit_form(
        form, lambda: services.update_department(department, name=form.name.data,
                                                 kind=form.kind.data, active=form.active.data,
                                                 actor=current_user),
        done=lambda d: _("已保存部门 %(name)s。", name=d.name),
        then=url_for("departments.admin_list"),
        page=lambda: render("departments/edit.html", form=form, department=department,
                            staff=staff))


@requires("cases.handle")
def inbox():
    """What waits for the user: their department's open cases, the help it is asked for (协办),
    and cases given to them; the nearest deadline first."""
    query = services.inbox_query(current_user).options(joinedload(Case.grid)) \
        .order_by(Case.resolve_due.asc(), Case.id.asc())
    listing = paginate(query, PAGE_SIZE)
    today = deadlines.today()
    calendar = WorkCalendar.around(today)  # one calendar for the page, not one per row
    deadlines.prepare(listing.rows)  # the towns' rules for every row at once, not per town
    lights = {case.id: deadlines.light(case, today, calendar) for case in listing.rows}
    # the step whose deadline decides the light, as on the case list
    late_steps = {case.id: deadlines.worst_pending_step(case, today, calendar)
                  for case in listing.rows}
    asking = services.asking(current_user, [case.id for case in listing.rows])
    return render("departments/inbox.html", "departments/_inbox_rows.html", lights=lights,
                  late_steps=late_steps,
                  asking=asking, today=today, department=current_user.department,
                  **listing.context())
