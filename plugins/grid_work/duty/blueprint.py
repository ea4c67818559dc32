"""Meetings, trainings, leave and responsibility letters: the route table (the views live in
meeting_views, training_views, leave_views and letter_views). The patrols part shares the /work
prefix; this part answers under /work/meetings, /work/trainings, /work/leave and /work/letters."""
from flask import Blueprint

from . import leave_views, letter_views, meeting_views, training_views

bp = Blueprint("grid_work_duty", __name__, url_prefix="/work", template_folder="templates")

bp.add_url_rule("/meetings", view_func=meeting_views.meetings)
bp.add_url_rule("/meetings/new", view_func=meeting_views.meeting_new, methods=["GET", "POST"])
bp.add_url_rule("/meetings/<int:meeting_id>", view_func=meeting_views.meeting)
bp.add_url_rule("/meetings/<int:meeting_id>/minutes", view_func=meeting_views.meeting_minutes,
                methods=["POST"])
bp.add_url_rule("/meetings/<int:meeting_id>/cancel", view_func=meeting_views.meeting_cancel,
                methods=["POST"])
bp.add_url_rule("/meetings/attendance/<int:attendance_id>",
                view_func=meeting_views.attendance_mark, methods=["POST"])
bp.add_url_rule("/meetings/checkin/<checkin_token>", view_func=meeting_views.meeting_checkin,
                methods=["GET", "POST"])

bp.add_url_rule("/trainings", view_func=training_views.trainings)
bp.add_url_rule("/trainings/new", view_func=training_views.training_new,
                methods=["GET", "POST"])
bp.add_url_rule("/trainings/credits", view_func=training_views.credits_page)
bp.add_url_rule("/trainings/<int:training_id>", view_func=training_views.training)
bp.add_url_rule("/trainings/<int:training_id>/attendees",
                view_func=training_views.training_attendees, methods=["POST"])

bp.add_url_rule("/leave", view_func=leave_views.leave_list)
bp.add_url_rule("/leave/new", view_func=leave_views.leave_new, methods=["GET", "POST"])
bp.add_url_rule("/leave/<int:leave_id>", view_func=leave_views.leave)
bp.add_url_rule("/leave/<int:leave_id>/approve", view_func=leave_views.leave_approve,
                methods=["POST"])
bp.add_url_rule("/leave/<int:leave_id>/reject", view_func=leave_views.leave_reject,
                methods=["POST"])
bp.add_url_rule("/leave/<int:leave_id>/cancel", view_func=leave_views.leave_cancel,
                methods=["POST"])

bp.add_url_rule("/letters", view_func=letter_views.letters)
bp.add_url_rule("/letters/upload", view_func=letter_views.letter_upload, methods=["POST"])
bp.add_url_rule("/letters/<int:letter_id>/photo", view_func=letter_views.letter_photo)
