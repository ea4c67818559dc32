"""The departments' route table: the admin page and the inbox (views in views.py)."""
from flask import Blueprint

from portal.departments import views

bp = Blueprint("departments", __name__)

bp.add_url_rule("/admin/departments", view_func=views.admin_list, methods=["GET", "POST"])
bp.add_url_rule("/admin/departments/<int:department_id>", view_func=views.admin_edit,
                methods=["GET", "POST"])
bp.add_url_rule("/cases/inbox", view_func=views.inbox)
