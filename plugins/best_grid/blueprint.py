"""The best-grid contest's route table: which URL answers with which view function.

The views live in the area modules next to this one (the town's classes, contests and their
results, the judges' table, the public screen); this module only maps URLs to them, so it reads
as the plugin's list of pages.
"""
from flask import Blueprint

from . import class_views, contest_views, judge_views, public_views

bp = Blueprint("best_grid", __name__, url_prefix="/best-grid", template_folder="templates",
               static_folder="static")

bp.add_url_rule("/", view_func=class_views.index)
bp.add_url_rule("/classes", view_func=class_views.classes, methods=["GET", "POST"])
bp.add_url_rule("/classes/placements", view_func=class_views.placements, methods=["POST"])

bp.add_url_rule("/contests/new", view_func=contest_views.contest_new, methods=["GET", "POST"])
bp.add_url_rule("/contests/<int:contest_id>", view_func=contest_views.contest)
bp.add_url_rule("/contests/<int:contest_id>/adjust",
                view_func=contest_views.adjust, methods=["POST"])
bp.add_url_rule("/contests/<int:contest_id>/award",
                view_func=contest_views.award, methods=["POST"])
bp.add_url_rule("/contests/<int:contest_id>/publish",
                view_func=contest_views.publish, methods=["POST"])

bp.add_url_rule("/contests/<int:contest_id>/judge",
                view_func=judge_views.judge, methods=["GET", "POST"])

# the screen in the town hall: no login
bp.add_url_rule("/public/<town_code>", view_func=public_views.public)
