"""The points supermarket's route table: which URL answers with which view function.

The views live in the area modules next to this one (accounts, awards and rules, shops and goods,
reports, the kiosk); this module only maps URLs to them, so it reads as the plugin's list of pages.
"""
from flask import Blueprint

from . import (account_views, award_views, claim_views, kiosk, notice_views, report_views,
               shop_views)

bp = Blueprint("points", __name__, url_prefix="/points", template_folder="templates",
               static_folder="static")

bp.add_url_rule("/", view_func=account_views.index)
bp.add_url_rule("/accounts", view_func=account_views.accounts)
bp.add_url_rule("/accounts/<int:account_id>", view_func=account_views.statement)
bp.add_url_rule("/accounts/<int:account_id>/statement.xlsx",
                view_func=account_views.statement_xlsx)
bp.add_url_rule("/accounts/<int:account_id>/adjust",
                view_func=account_views.adjust, methods=["POST"])
bp.add_url_rule("/accounts/<int:account_id>/category",
                view_func=account_views.set_category, methods=["POST"])
bp.add_url_rule("/accounts/<int:account_id>/card",
                view_func=account_views.reissue_card, methods=["POST"])
bp.add_url_rule("/entries/<int:entry_id>/reverse",
                view_func=account_views.reverse_entry, methods=["POST"])
bp.add_url_rule("/redemptions/<int:redemption_id>", view_func=account_views.redemption)
bp.add_url_rule("/redemptions/<int:redemption_id>/reverse",
                view_func=account_views.reverse_redemption, methods=["POST"])
bp.add_url_rule("/cards", view_func=account_views.cards, methods=["GET", "POST"])

bp.add_url_rule("/award", view_func=award_views.award, methods=["GET", "POST"])
bp.add_url_rule("/rules", view_func=award_views.rules, methods=["GET", "POST"])
bp.add_url_rule("/rules/owner", view_func=award_views.owner, methods=["POST"])
bp.add_url_rule("/rules/settings", view_func=award_views.town_settings_view, methods=["POST"],
                endpoint="town_settings")
bp.add_url_rule("/rules/<int:rule_id>", view_func=award_views.rule_edit, methods=["GET", "POST"])

bp.add_url_rule("/shops", view_func=shop_views.shop_list, methods=["GET", "POST"])
bp.add_url_rule("/shops/<int:shop_id>", view_func=shop_views.shop_goods, methods=["GET", "POST"])
bp.add_url_rule("/goods/<int:goods_id>", view_func=shop_views.goods_edit, methods=["GET", "POST"])
bp.add_url_rule("/goods/<int:goods_id>/restock", view_func=shop_views.restock, methods=["POST"])
bp.add_url_rule("/goods/<int:goods_id>/photo", view_func=shop_views.goods_photo)

# 积分公示: a village's awards on notice, public (no login), and the staff's objections
bp.add_url_rule("/notice/<grid_code>", view_func=notice_views.public, endpoint="public_notice")
bp.add_url_rule("/notice/<grid_code>/entries/<int:entry_id>/object",
                view_func=notice_views.public_object, methods=["POST"], endpoint="public_object")
bp.add_url_rule("/objections", view_func=notice_views.objections)
bp.add_url_rule("/objections/<int:objection_id>/decide", view_func=notice_views.objection_decide,
                methods=["POST"])

# Residents' claims (申报)
bp.add_url_rule("/claims", view_func=claim_views.claim_list, endpoint="claims")
bp.add_url_rule("/claims/new", view_func=claim_views.claim_new, methods=["GET", "POST"])
bp.add_url_rule("/claims/<int:claim_id>", view_func=claim_views.claim_show, endpoint="claim")
bp.add_url_rule("/claims/<int:claim_id>/photo", view_func=claim_views.claim_photo)
bp.add_url_rule("/claims/<int:claim_id>/approve", view_func=claim_views.claim_approve,
                methods=["POST"])
bp.add_url_rule("/claims/<int:claim_id>/reject", view_func=claim_views.claim_reject,
                methods=["POST"])
bp.add_app_template_global(claim_views.claims.pending_count, "points_pending_claims")

bp.add_url_rule("/reports", view_func=report_views.report)
bp.add_url_rule("/reports.xlsx", view_func=report_views.report_xlsx)
bp.add_url_rule("/me", view_func=report_views.mine)

# The kiosk at the village shop: full screen, no menus (see kiosk.py).
kiosk_bp = Blueprint("points_kiosk", __name__, url_prefix="/kiosk",
                     template_folder="templates")

kiosk_bp.add_url_rule("/", view_func=kiosk.start)
kiosk_bp.add_url_rule("/<int:shop_id>", view_func=kiosk.identify)
kiosk_bp.add_url_rule("/<int:shop_id>/find", view_func=kiosk.find)
kiosk_bp.add_url_rule("/<int:shop_id>/accounts/<int:account_id>", view_func=kiosk.basket)
kiosk_bp.add_url_rule("/<int:shop_id>/accounts/<int:account_id>/check",
                      view_func=kiosk.review, methods=["POST"])
kiosk_bp.add_url_rule("/<int:shop_id>/accounts/<int:account_id>/redeem",
                      view_func=kiosk.redeem, methods=["POST"])
kiosk_bp.add_url_rule("/receipts/<int:redemption_id>", view_func=kiosk.receipt)
kiosk_bp.add_url_rule("/leave", view_func=kiosk.leave)


@kiosk_bp.after_request
def _not_kept(response):
    """No kiosk page is kept by the browser: Back asks the server again, which sends an earlier
    visit's page to the start instead of showing the last person's name and balance."""
    response.headers["Cache-Control"] = "no-store"
    return response
