"""The mutual-aid module's route table: which URL answers with which view function.

The views live in the area modules next to this one (figures and groups, help records, a town's
rules); this module only maps URLs to them, so it reads as the plugin's list of pages.
"""
from flask import Blueprint

from . import group_views, help_views, rules_views

bp = Blueprint("mutual_aid", __name__, url_prefix="/mutual-aid", template_folder="templates")

bp.add_url_rule("/", view_func=group_views.index)
bp.add_url_rule("/groups/new", view_func=group_views.group_create, methods=["POST"])
bp.add_url_rule("/groups/<int:group_id>", view_func=group_views.group, methods=["GET", "POST"])
bp.add_url_rule("/members/<int:member_id>/leave",
                view_func=group_views.member_leave, methods=["POST"])
bp.add_url_rule("/groups/<int:group_id>/leader", view_func=group_views.leader, methods=["POST"])

bp.add_url_rule("/groups/<int:group_id>/helps/new",
                view_func=help_views.help_new, methods=["GET", "POST"])
bp.add_url_rule("/helps/<int:help_id>", view_func=help_views.help_page, methods=["GET", "POST"])

bp.add_url_rule("/rules", view_func=rules_views.rules, methods=["GET", "POST"])
