"""Patrols and the work log: the route table. The worker's own pages (their day, a patrol and
its points, the log) need grid_work.own, the admins' grid_work.view, the checkpoints
grid_work.manage; a checkpoint's QR code opens ``scan`` (a worker's, after login)."""
from flask import Blueprint

from . import admin_views, checkpoint_views, log_views, patrol_views

bp = Blueprint("grid_work", __name__, url_prefix="/work", template_folder="templates",
               static_folder="static", static_url_path="/static/grid_work")

bp.add_url_rule("/", view_func=patrol_views.home)
bp.add_url_rule("/patrols/start", view_func=patrol_views.start, methods=["POST"])
bp.add_url_rule("/patrols/<int:patrol_id>", view_func=patrol_views.patrol)
bp.add_url_rule("/patrols/<int:patrol_id>/points", view_func=patrol_views.point,
                methods=["POST"])
bp.add_url_rule("/patrols/<int:patrol_id>/problem", view_func=patrol_views.problem,
                methods=["POST"])
bp.add_url_rule("/patrols/<int:patrol_id>/end", view_func=patrol_views.end, methods=["POST"])
bp.add_url_rule("/points/<int:point_id>/photo", view_func=patrol_views.point_photo)

bp.add_url_rule("/checkpoints", view_func=checkpoint_views.checkpoints, methods=["GET", "POST"])
bp.add_url_rule("/checkpoints/print", view_func=checkpoint_views.checkpoint_print)
bp.add_url_rule("/checkpoints/<int:checkpoint_id>/retire",
                view_func=checkpoint_views.checkpoint_retire, methods=["POST"])
bp.add_url_rule("/checkpoints/<checkpoint_token>", view_func=checkpoint_views.scan,
                methods=["GET", "POST"])

bp.add_url_rule("/log", view_func=log_views.log_today)
bp.add_url_rule("/log/week", view_func=log_views.week)
bp.add_url_rule("/log/<log_day>", view_func=log_views.log_day, methods=["GET", "POST"])
bp.add_url_rule("/log/<log_day>/close", view_func=log_views.log_close, methods=["POST"])

bp.add_url_rule("/workers", view_func=admin_views.workers)
bp.add_url_rule("/workers/<int:worker_id>/patrols", view_func=patrol_views.patrols)
bp.add_url_rule("/workers/<int:worker_id>/log/<log_day>", view_func=log_views.worker_log)
