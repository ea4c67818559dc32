"""The map's route table: the map, its data, importing and drawing boundaries; the views live
in views.py.
"""
from flask import Blueprint

from . import views

bp = Blueprint("maps", __name__, url_prefix="/map")

bp.add_url_rule("/", view_func=views.index)
bp.add_url_rule("/data.geojson", view_func=views.data)
bp.add_url_rule("/contains", view_func=views.contains)
bp.add_url_rule("/import", view_func=views.import_boundaries, methods=["GET", "POST"])
bp.add_url_rule("/grids/<int:grid_id>/boundary", view_func=views.draw, methods=["GET", "POST"])
bp.add_url_rule("/grids/<int:grid_id>/boundary/remove", view_func=views.remove, methods=["POST"])

# templates ask can_draw(grid): may this user draw the grid's boundary
bp.app_context_processor(views.map_helpers)
