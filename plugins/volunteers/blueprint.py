"""The volunteer service's route table: which URL answers with which view function.

The views live in the area modules next to this one (register and figures, teams, activities,
a volunteer's own page and claims, pairing help, proxy services); this module only maps URLs to
them, so it reads as the plugin's list of pages.
"""
from flask import Blueprint

from . import (activity_views, claim_views, pairing_views, proxy_views, registry_views,
               team_views)

bp = Blueprint("volunteers", __name__, url_prefix="/volunteers", template_folder="templates",
               static_folder="static")

bp.add_url_rule("/", view_func=registry_views.index)
bp.add_url_rule("/settings", view_func=registry_views.settings, methods=["GET", "POST"])
bp.add_url_rule("/people", view_func=registry_views.people)
bp.add_url_rule("/people/new", view_func=registry_views.register, methods=["GET", "POST"])
bp.add_url_rule("/people/<int:volunteer_id>", view_func=registry_views.person)
bp.add_url_rule("/people/<int:volunteer_id>/certificate", view_func=registry_views.certificate)

bp.add_url_rule("/teams", view_func=team_views.teams)
bp.add_url_rule("/teams/new", view_func=team_views.team_create, methods=["POST"])
bp.add_url_rule("/teams/<int:team_id>", view_func=team_views.team, methods=["GET", "POST"])
bp.add_url_rule("/members/<int:member_id>/leader",
                view_func=team_views.member_leader, methods=["POST"])
bp.add_url_rule("/members/<int:member_id>/leave",
                view_func=team_views.member_leave, methods=["POST"])

bp.add_url_rule("/activities", view_func=activity_views.activities)
bp.add_url_rule("/activities/new", view_func=activity_views.activity_new, methods=["GET", "POST"])
bp.add_url_rule("/activities/<int:activity_id>", view_func=activity_views.activity)
bp.add_url_rule("/activities/<int:activity_id>/signup",
                view_func=activity_views.signup, methods=["POST"])
bp.add_url_rule("/activities/<int:activity_id>/signup/cancel",
                view_func=activity_views.signup_cancel, methods=["POST"])
bp.add_url_rule("/activities/<int:activity_id>/scan/<token>",
                view_func=activity_views.scan, methods=["GET", "POST"])
bp.add_url_rule("/activities/<int:activity_id>/cancel",
                view_func=activity_views.activity_cancel, methods=["POST"])
bp.add_url_rule("/signups/<int:signup_id>/<any(checkin, checkout, confirm):action>",
                view_func=activity_views.signup_act, methods=["POST"])

bp.add_url_rule("/me", view_func=claim_views.me, methods=["GET", "POST"])
bp.add_url_rule("/claims", view_func=claim_views.claims)
bp.add_url_rule("/claims/<int:claim_id>", view_func=claim_views.claim_decide, methods=["POST"])

bp.add_url_rule("/pairings", view_func=pairing_views.pairings)
bp.add_url_rule("/pairings/new", view_func=pairing_views.pairing_new, methods=["GET", "POST"])
bp.add_url_rule("/pairings/<int:pairing_id>",
                view_func=pairing_views.pairing, methods=["GET", "POST"])
bp.add_url_rule("/pairings/<int:pairing_id>/end",
                view_func=pairing_views.pairing_end, methods=["POST"])

bp.add_url_rule("/proxies", view_func=proxy_views.proxies)
bp.add_url_rule("/proxies/new", view_func=proxy_views.proxy_new, methods=["GET", "POST"])
bp.add_url_rule("/proxies/<int:proxy_id>", view_func=proxy_views.proxy, methods=["GET", "POST"])
