"""The places module's route table: places and their licences in place_views, inspections,
hazards and the due list in inspection_views, the town's schedule in settings_views. No route is
public."""
from flask import Blueprint

from . import inspection_views, place_views, settings_views

bp = Blueprint("places", __name__, url_prefix="/places", template_folder="templates")

bp.add_url_rule("/", view_func=place_views.index)
bp.add_url_rule("/map", view_func=place_views.map_page)
bp.add_url_rule("/new", view_func=place_views.new, methods=["GET", "POST"])
bp.add_url_rule("/<int:place_id>", view_func=place_views.show)
bp.add_url_rule("/<int:place_id>/edit", view_func=place_views.edit, methods=["GET", "POST"])
bp.add_url_rule("/<int:place_id>/close", view_func=place_views.close, methods=["POST"])
bp.add_url_rule("/<int:place_id>/phone", view_func=place_views.reveal, methods=["POST"])
bp.add_url_rule("/<int:place_id>/licences", view_func=place_views.licence_add,
                methods=["POST"])
bp.add_url_rule("/licences/<int:licence_id>/end", view_func=place_views.licence_end,
                methods=["POST"])

bp.add_url_rule("/<int:place_id>/inspect", view_func=inspection_views.inspect,
                methods=["GET", "POST"])
bp.add_url_rule("/<int:place_id>/reinspect", view_func=inspection_views.reinspect,
                methods=["GET", "POST"])
bp.add_url_rule("/hazards/<int:hazard_id>/case", view_func=inspection_views.hazard_case,
                methods=["POST"])
bp.add_url_rule("/hazards/photos/<int:photo_id>", view_func=inspection_views.hazard_photo)
bp.add_url_rule("/due", view_func=inspection_views.due)

bp.add_url_rule("/settings", view_func=settings_views.settings, methods=["GET", "POST"])
