"""The command centre's route table: the dashboard, the wall screen, the unstaffed grids and
the export; the views live in views.py.
"""
from flask import Blueprint

from . import views

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

bp.add_url_rule("/", view_func=views.index)
bp.add_url_rule("/wall", view_func=views.wall)
bp.add_url_rule("/unstaffed", view_func=views.unstaffed)
bp.add_url_rule("/export.xlsx", view_func=views.export)
