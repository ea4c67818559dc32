"""The departments' route table: the admin page and the inbox (views in views.py)."""
from flask import Blueprint

from portal.departments import views

bp = Blueprint("departments", __name__)

bp.add_url_rule("/admin/departments", view_func=views.admin_list, methods=["GET", "POST"])
bp.add_url_rule("/admin/departments/<int:department_id>", view_func=views.admin_edit,
                methods=["GET", "POST"])
bp.add_url_rule("/cases/inbox", view_func=views.inbox)


@bp.record_once
def _department_staff_see_their_cases(_state) -> None:
    """One scoping layer: department staff see their department's cases, wherever a case is
    loaded (portal.tenancy.load_scoped) or listed (portal.tenancy.narrowed)."""
    from portal.cases.models import Case
    from portal.departments.services import sees, visible_condition
    from portal.tenancy import narrow

    narrow(Case, sees=sees, condition=visible_condition)
