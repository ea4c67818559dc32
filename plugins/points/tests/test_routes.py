"""Every route of the points module, for every role: the same matrix as the core's
(tests/test_routes.py), with the module on in both towns so that town B's admin proves that town
A's records are a 404 for them."""
import pytest

from plugins.points.testing import make_route_world, url_overrides
from portal.extensions import db
from portal.modules.services import set_module
from portal.permissions import ADMINS
from portal.testing import (PUBLIC, VISITORS, Rule, check_matrix_is_complete,
                            check_module_off_is_404, check_routes, url_builder)

#: Who reviews claims (``points.award``): they open the claims besides those who file them.
REVIEWERS = ADMINS

ROUTES = {
    ("points.static", "GET"): Rule(PUBLIC, scoped=False),
    ("points.index", "GET"): Rule("points.view", scoped=False),
    ("points.accounts", "GET"): Rule("points.view", scoped=False),
    ("points.statement", "GET"): Rule("points.view"),
    ("points.statement_xlsx", "GET"): Rule("points.view"),
    ("points.adjust", "POST"): Rule("points.correct", ok=422),
    ("points.set_category", "POST"): Rule("points.correct", ok=422),
    ("points.reissue_card", "POST"): Rule("points.cards", ok=303),
    ("points.reverse_entry", "POST"): Rule("points.correct", ok=422),
    ("points.redemption", "GET"): Rule("points.view"),
    ("points.reverse_redemption", "POST"): Rule("points.correct", ok=422),
    ("points.cards", "GET"): Rule("points.cards", scoped=False),
    ("points.cards", "POST"): Rule("points.cards", ok=400, scoped=False),  # no grid named
    ("points.award", "GET"): Rule("points.award", scoped=False),
    ("points.award", "POST"): Rule("points.award", ok=422, scoped=False),
    ("points.rules", "GET"): Rule("points.rules", scoped=False),  # town B's admin: their own
    ("points.rules", "POST"): Rule("points.rules", ok=422, scoped=False),
    ("points.owner", "POST"): Rule("points.rules", ok=422, scoped=False),  # no owner chosen
    ("points.town_settings", "POST"): Rule("points.rules", ok=422, scoped=False),  # nothing sent
    ("points.rule_edit", "GET"): Rule("points.rules"),
    ("points.rule_edit", "POST"): Rule("points.rules", ok=422),
    ("points.shop_list", "GET"): Rule("points.goods", scoped=False),
    ("points.shop_list", "POST"): Rule("points.goods", ok=422, scoped=False),
    ("points.shop_goods", "GET"): Rule("points.goods"),
    ("points.shop_goods", "POST"): Rule("points.goods", ok=422),
    ("points.goods_edit", "GET"): Rule("points.goods"),
    ("points.goods_edit", "POST"): Rule("points.goods", ok=422),
    ("points.restock", "POST"): Rule("points.goods", ok=422),
    ("points.goods_photo", "GET"): Rule("points.view", also=("kiosk_operator",)),
    ("points.report", "GET"): Rule("points.view", scoped=False),
    ("points.report_xlsx", "GET"): Rule("points.view", scoped=False),
    ("points.mine", "GET"): Rule("points.own", scoped=False),
    # 积分公示: the public page and objecting need no login (an empty reason: 422)
    ("points.public_notice", "GET"): Rule(PUBLIC),
    ("points.public_object", "POST"): Rule(PUBLIC, ok=422),
    ("points.objections", "GET"): Rule("points.correct", scoped=False),
    ("points.objection_decide", "POST"): Rule("points.correct", ok=422),  # no decision
    # 积分申报: residents and grid workers file, admins review; the tree's resident login is
    # linked to no resident of the register, so it has no claim of its own to file or open
    # the tree's resident login is linked to no register resident: the page says why (200)
    ("points.claim_new", "GET"): Rule("points.claim", scoped=False),
    ("points.claim_new", "POST"): Rule("points.claim", ok=422, scoped=False, unseen=("resident",)),
    ("points.claims", "GET"): Rule("points.claim", also=REVIEWERS, scoped=False),
    ("points.claim", "GET"): Rule("points.claim", also=REVIEWERS, unseen=("resident",)),
    ("points.claim_photo", "GET"): Rule("points.claim", also=REVIEWERS, unseen=("resident",)),
    ("points.claim_approve", "POST"): Rule("points.award", ok=303),
    ("points.claim_reject", "POST"): Rule("points.award", ok=422),  # no reason
    # the kiosk: town admins do not redeem, so town B's admin is refused before any record
    ("points_kiosk.start", "GET"): Rule("points.redeem", ok=302, scoped=False),  # the one shop
    ("points_kiosk.identify", "GET"): Rule("points.redeem", scoped=False),
    ("points_kiosk.find", "GET"): Rule("points.redeem", scoped=False),
    ("points_kiosk.basket", "GET"): Rule("points.redeem", scoped=False),
    ("points_kiosk.review", "POST"): Rule("points.redeem", ok=422, scoped=False),  # empty basket
    ("points_kiosk.redeem", "POST"): Rule("points.redeem", ok=409, scoped=False),  # no key
    # a receipt is shown right after its redemption only: the world's, made by the service,
    # sends the kiosk to the start
    ("points_kiosk.receipt", "GET"): Rule("points.redeem", ok=302, scoped=False),
    ("points_kiosk.leave", "GET"): Rule("points.redeem", scoped=False),
}


@pytest.fixture
def world(points):
    return make_route_world(points)


def build(app, world):
    return url_builder(app, {"account_id": world.account_a.id, "entry_id": world.entry.id,
                             "redemption_id": world.redemption.id, "rule_id": world.rule.id,
                             "shop_id": world.shop.id, "goods_id": world.soap.id,
                             "filename": "points.css", "grid_code": world.tree.grid_a1.code,
                             "objection_id": world.objection.id, "claim_id": world.claim.id},
                       url_overrides(world))


def test_every_points_route_is_in_the_matrix(app):
    check_matrix_is_complete(app, ROUTES, "points")


@pytest.mark.parametrize("visitor", VISITORS, ids=[v or "anonymous" for v in VISITORS])
def test_every_points_route_answers_as_the_matrix_says(app, client, world, visitor):
    check_routes(app, client, ROUTES, visitor, build(app, world))


def test_with_the_module_off_every_page_is_a_404(app, client, world):
    set_module(world.tree.town_a, "points", False)
    db.session.commit()
    check_module_off_is_404(app, client, "points",
                            ("town_admin", "kiosk_operator", "resident", "grid_worker"),
                            build(app, world))
