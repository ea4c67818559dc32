"""The rentals module's route table: which URL answers with which view function (lettings and
their tenants in letting_views, the floating population in floating_views). No route is public:
tenants' and residents' details never reach a page without login."""
from flask import Blueprint

from . import floating_views, letting_views

bp = Blueprint("rentals", __name__, url_prefix="/rentals", template_folder="templates")

bp.add_url_rule("/", view_func=letting_views.index)
bp.add_url_rule("/new", view_func=letting_views.new, methods=["GET", "POST"])
bp.add_url_rule("/<int:letting_id>", view_func=letting_views.show)
bp.add_url_rule("/<int:letting_id>/tenants", view_func=letting_views.add_tenant,
                methods=["POST"])
bp.add_url_rule("/tenants/<int:tenant_id>/end", view_func=letting_views.end_tenant,
                methods=["POST"])
bp.add_url_rule("/tenants/<int:tenant_id>/reveal", view_func=letting_views.reveal_tenant,
                methods=["POST"])
bp.add_url_rule("/<int:letting_id>/end", view_func=letting_views.end, methods=["POST"])
bp.add_url_rule("/<int:letting_id>/letter", view_func=letting_views.upload_letter,
                methods=["POST"])
bp.add_url_rule("/<int:letting_id>/letter.jpg", view_func=letting_views.letter)

bp.add_url_rule("/floating", view_func=floating_views.floating)
bp.add_url_rule("/away/new", view_func=floating_views.away_pick)
bp.add_url_rule("/away/new/<int:resident_id>", view_func=floating_views.away_new,
                methods=["GET", "POST"])
bp.add_url_rule("/away/<int:away_id>/end", view_func=floating_views.away_end, methods=["POST"])
