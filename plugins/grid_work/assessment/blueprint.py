"""The assessment, its appeals, the subsidy sheet and the five-small rewards: the route table."""
from flask import Blueprint

from . import appeal_views, entry_views, reward_views, scheme_views

bp = Blueprint("grid_work_assessment", __name__, url_prefix="/work/assessment",
               template_folder="templates")

bp.add_url_rule("/", view_func=scheme_views.index)
bp.add_url_rule("/mine", view_func=scheme_views.mine)
bp.add_url_rule("/new", view_func=scheme_views.new, methods=["GET", "POST"])
bp.add_url_rule("/settings", view_func=scheme_views.settings, methods=["GET", "POST"])
bp.add_url_rule("/<int:scheme_id>", view_func=scheme_views.sheet)
bp.add_url_rule("/<int:scheme_id>/items", view_func=scheme_views.items, methods=["GET", "POST"])
bp.add_url_rule("/<int:scheme_id>/bands", view_func=scheme_views.bands, methods=["POST"])
bp.add_url_rule("/<int:scheme_id>/publish", view_func=scheme_views.publish, methods=["POST"])
bp.add_url_rule("/<int:scheme_id>/subsidy.xlsx", view_func=scheme_views.subsidy)
bp.add_url_rule("/<int:scheme_id>/me", view_func=scheme_views.me)
bp.add_url_rule("/<int:scheme_id>/items/<int:item_id>/appeal", view_func=appeal_views.appeal,
                methods=["POST"])
bp.add_url_rule("/<int:scheme_id>/workers/<int:worker_id>", view_func=scheme_views.worker)
bp.add_url_rule("/<int:scheme_id>/workers/<int:worker_id>/entries",
                view_func=entry_views.add_entry, methods=["POST"])
bp.add_url_rule("/entries/<int:entry_id>/withdraw", view_func=entry_views.withdraw_entry,
                methods=["POST"])
bp.add_url_rule("/entries/<int:entry_id>/evidence.jpg", view_func=entry_views.evidence)
bp.add_url_rule("/appeals", view_func=appeal_views.appeals)
bp.add_url_rule("/appeals/<int:appeal_id>/uphold", view_func=appeal_views.uphold,
                methods=["POST"])
bp.add_url_rule("/appeals/<int:appeal_id>/reject", view_func=appeal_views.reject,
                methods=["POST"])
bp.add_url_rule("/rewards", view_func=reward_views.rewards_list)
bp.add_url_rule("/rewards.xlsx", view_func=reward_views.rewards_export)
bp.add_url_rule("/rewards/<int:reward_id>/amount", view_func=reward_views.reward_amount,
                methods=["POST"])
