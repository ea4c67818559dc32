"""The associations' route table: which URL answers with which view function.

The views live in the area modules next to this one (the list and one association, a member's
history and appeals, rosters, exports, reports and dues); this module only maps URLs to them.
"""
from flask import Blueprint

from . import association_views, member_views, record_views

bp = Blueprint("associations", __name__, url_prefix="/associations",
               template_folder="templates")

bp.add_url_rule("/", view_func=association_views.index, methods=["GET", "POST"])
bp.add_url_rule("/<int:association_id>", view_func=association_views.show, methods=["GET", "POST"])
bp.add_url_rule("/<int:association_id>/officers",
                view_func=association_views.officers, methods=["POST"])
bp.add_url_rule("/<int:association_id>/items",
                view_func=association_views.items, methods=["GET", "POST"])
bp.add_url_rule("/<int:association_id>/items/toggle",
                view_func=association_views.item_toggle, methods=["POST"])
bp.add_url_rule("/<int:association_id>/scores",
                view_func=association_views.score, methods=["POST"])

bp.add_url_rule("/members/<int:member_id>", view_func=member_views.member, methods=["GET", "POST"])
bp.add_url_rule("/appeals/<int:appeal_id>", view_func=member_views.decide, methods=["POST"])

bp.add_url_rule("/<int:association_id>/roster/<int:year>", view_func=record_views.roster)
bp.add_url_rule("/<int:association_id>/roster/<int:year>/points",
                view_func=record_views.roster_points, methods=["POST"])
bp.add_url_rule("/<int:association_id>/export/<any(members, scores, roster, party, reports):kind>.xlsx",
                view_func=record_views.export_xlsx)
bp.add_url_rule("/<int:association_id>/reports",
                view_func=record_views.reports, methods=["GET", "POST"])
bp.add_url_rule("/<int:association_id>/dues/<int:year>",
                view_func=record_views.dues, methods=["GET", "POST"])
bp.add_url_rule("/receipts/<int:dues_id>", view_func=record_views.receipt)
