"""The disputes module's route table: which URL answers with which view function.

The views live in the area modules next to this one (the register and a dispute, the ladder's
steps, the monthly screening, the statistics and 台账, a town's rules); this module only maps URLs
to them, so it reads as the plugin's list of pages. No route is public: nothing of a dispute
reaches a page without login, nor Open311.
"""
from flask import Blueprint

from . import ladder_views, register_views, rules_views, screening_views, stats_views

bp = Blueprint("disputes", __name__, url_prefix="/disputes", template_folder="templates")

bp.add_url_rule("/", view_func=register_views.index)
bp.add_url_rule("/new", view_func=register_views.new, methods=["GET", "POST"])
bp.add_url_rule("/<int:dispute_id>", view_func=register_views.show)
bp.add_url_rule("/agreements/<int:agreement_id>/print", view_func=register_views.agreement_print)

bp.add_url_rule("/<int:dispute_id>/steps/<action>", view_func=ladder_views.step,
                methods=["POST"])
bp.add_url_rule("/<int:dispute_id>/agreement", view_func=ladder_views.agree, methods=["POST"])
bp.add_url_rule("/followups/<int:followup_id>", view_func=ladder_views.followup,
                methods=["POST"])
bp.add_url_rule("/<int:dispute_id>/case", view_func=ladder_views.to_case, methods=["POST"])

bp.add_url_rule("/screening", view_func=screening_views.board)
bp.add_url_rule("/screening/report", view_func=screening_views.report, methods=["POST"])

bp.add_url_rule("/statistics", view_func=stats_views.statistics)
bp.add_url_rule("/ledger.xlsx", view_func=stats_views.ledger)

bp.add_url_rule("/rules", view_func=rules_views.rules, methods=["GET", "POST"])
