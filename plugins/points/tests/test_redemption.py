"""A redemption is one transaction: stock and points debited together or not at all, once per
basket, and two kiosks racing for the same points or the same last item never both win."""
import re
import threading
import uuid

import pytest
import requests
from sqlalchemy import func, select

from plugins.points import shop as shops
from plugins.points.models import (PointsAccount, PointsEntry, PointsGoods, PointsRedemption,
                                   PointsStockEntry)
from plugins.points.reports import verify
from portal.errors import DomainError
from portal.extensions import db
from portal.testing import PASSWORD


def count(model, **where):
    return db.session.scalar(select(func.count()).select_from(model).filter_by(**where))


def test_a_basket_is_redeemed_and_explained(points):
    basket = {points.soap.id: 2}
    redemption, made = shops.redeem(points.shop, points.account_a, basket, "k1")
    assert made and redemption.total == 16
    db.session.expire_all()
    assert db.session.get(PointsAccount, points.account_a.id).balance == 44
    assert db.session.get(PointsGoods, points.soap.id).stock == 18
    debit = db.session.scalar(select(PointsEntry).filter_by(redemption_id=redemption.id))
    assert (debit.kind, debit.points, debit.balance_after) == ("redeem", -16, 44)
    assert [(line.name, line.price, line.quantity) for line in redemption.lines] == [
        ("香皂", 8, 2)]
    assert verify() == []


def test_not_enough_points_leaves_nothing_behind(points):
    with pytest.raises(DomainError, match="积分不足"):
        shops.redeem(points.shop, points.account_a, {points.soap.id: 8}, "k1")  # 64 > 60
    db.session.expire_all()
    assert count(PointsRedemption) == 0
    assert db.session.get(PointsGoods, points.soap.id).stock == 20
    assert count(PointsStockEntry, kind="redeem") == 0
    assert db.session.get(PointsAccount, points.account_a.id).balance == 60


def test_not_enough_stock_leaves_nothing_behind(points):
    with pytest.raises(DomainError, match="食用油.*库存不足"):
        shops.redeem(points.shop, points.account_a, {points.soap.id: 1, points.oil.id: 2}, "k1")
    db.session.expire_all()
    assert count(PointsRedemption) == 0
    assert db.session.get(PointsGoods, points.soap.id).stock == 20


def test_the_same_key_redeems_once_and_returns_the_same_redemption(points):
    first, made = shops.redeem(points.shop, points.account_a, {points.soap.id: 1}, "same")
    again, made_again = shops.redeem(points.shop, points.account_a, {points.soap.id: 1}, "same")
    assert made and not made_again and first.id == again.id
    assert count(PointsRedemption) == 1
    with pytest.raises(DomainError, match="无效"):  # a key is never reused for another account
        shops.redeem(points.shop, points.account_a2, {points.soap.id: 1}, "same")


def test_a_price_change_between_check_and_confirm_is_refused(points):
    with pytest.raises(DomainError, match="价格已变动"):
        shops.redeem(points.shop, points.account_a, {points.soap.id: 1}, "k1", expected_total=5)
    assert count(PointsRedemption) == 0


def test_inactive_or_foreign_goods_are_refused(points):
    points.soap.active = False
    db.session.commit()
    with pytest.raises(DomainError, match="下架"):
        shops.redeem(points.shop, points.account_a, {points.soap.id: 1}, "k1")


def test_a_card_of_another_town_is_refused(points):
    from plugins.points import ledger

    other = ledger.account_for(points.tree.resident_b)
    ledger.post(other, "earn", 100)
    db.session.commit()
    with pytest.raises(DomainError, match="不属于本镇"):
        shops.redeem(points.shop, other, {points.soap.id: 1}, "k1")


def test_goods_brought_back_return_stock_and_points(points):
    redemption, _ = shops.redeem(points.shop, points.account_a, {points.oil.id: 1}, "k1")
    shops.reverse_redemption(redemption, reason="油桶漏了")
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(PointsAccount, points.account_a.id).balance == 60
    assert db.session.get(PointsGoods, points.oil.id).stock == 1
    with pytest.raises(DomainError, match="已经退过"):
        shops.reverse_redemption(redemption, reason="again")
    assert verify() == []


# ---------------------------------------------------------------- concurrency through the real app


def kiosk_session(base):
    session = requests.Session()
    page = session.get(f"{base}/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or \
        re.search(r'name="csrf-token" content="([^"]+)"', page)
    response = session.post(f"{base}/login", data={"login": "kiosk_operator", "password": PASSWORD,
                                                   "csrf_token": token.group(1)},
                            allow_redirects=False)
    assert response.status_code == 302
    return session


def csrf_of(session, url):
    page = session.get(url).text
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def race(base, points, jobs):
    """Run each (account, basket, key) at the same moment from its own logged-in kiosk; return
    the status codes and bodies."""
    sessions = [kiosk_session(base) for _ in jobs]
    prepared = []
    for session, (account, basket, key) in zip(sessions, jobs):
        url = f"{base}/kiosk/{points.shop.id}/accounts/{account.id}"
        data = {"csrf_token": csrf_of(session, url), "key": key,
                **{f"qty-{g}": str(n) for g, n in basket.items()}}
        prepared.append((session, url + "/redeem", data))
    barrier = threading.Barrier(len(prepared))
    results = [None] * len(prepared)

    def run(i, session, url, data):
        barrier.wait()
        response = session.post(url, data=data, allow_redirects=False)
        results[i] = (response.status_code, response.headers.get("Location"), response.text)

    threads = [threading.Thread(target=run, args=(i, *p)) for i, p in enumerate(prepared)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_two_kiosks_spending_the_same_points_only_one_wins(points, live_server):
    # 60 points; each kiosk wants 5 soaps (40): only one basket fits
    jobs = [(points.account_a, {points.soap.id: 5}, uuid.uuid4().hex) for _ in range(4)]
    results = race(live_server, points, jobs)
    statuses = sorted(code for code, _, _ in results)
    assert statuses == [302, 409, 409, 409], results
    assert all("积分不足" in body for code, _, body in results if code == 409)
    db.session.expire_all()
    assert db.session.get(PointsAccount, points.account_a.id).balance == 20
    assert db.session.get(PointsGoods, points.soap.id).stock == 15
    assert count(PointsRedemption) == 1
    assert verify() == []


def test_two_kiosks_taking_the_last_item_only_one_wins(points, live_server):
    jobs = [(points.account_a, {points.oil.id: 1}, uuid.uuid4().hex),
            (points.account_a2, {points.oil.id: 1}, uuid.uuid4().hex)]
    results = race(live_server, points, jobs)
    assert sorted(code for code, _, _ in results) == [302, 409], results
    assert any("食用油" in body and "库存不足" in body for code, _, body in results if code == 409)
    db.session.expire_all()
    assert db.session.get(PointsGoods, points.oil.id).stock == 0
    balances = sorted(db.session.get(PointsAccount, a.id).balance
                      for a in (points.account_a, points.account_a2))
    assert balances == [10, 60]
    assert verify() == []


def test_a_basket_confirmed_three_times_at_once_is_redeemed_once(points, live_server):
    key = uuid.uuid4().hex
    jobs = [(points.account_a, {points.soap.id: 1}, key) for _ in range(3)]
    results = race(live_server, points, jobs)
    assert [code for code, _, _ in results] == [302, 302, 302], results
    assert len({location for _, location, _ in results}) == 1  # the same receipt
    assert count(PointsRedemption) == 1
    db.session.expire_all()
    assert db.session.get(PointsAccount, points.account_a.id).balance == 52
    assert verify() == []


def test_a_deduction_racing_two_kiosks_keeps_every_ledger(app, points, live_server):
    """A village admin deducts 30 while two kiosks spend 40 each of the same 60 points: whatever
    order the database takes them in, one of the two orders' results, the balance what the
    ledger says and never below zero (the town stops deductions at zero)."""
    from plugins.points import ledger
    from plugins.points.models import PointsRule

    rule = PointsRule(town_id=points.tree.town_a.id, name="乱倒垃圾", points=-30)
    db.session.add(rule)
    db.session.commit()
    rule_id, account_id = rule.id, points.account_a.id
    taken = []

    def deduct():
        with app.app_context():
            account = db.session.get(PointsAccount, account_id)
            entry = ledger.deduct(account, -30, rule=db.session.get(PointsRule, rule_id))
            db.session.commit()
            taken.append(-entry.points if entry else 0)

    deduction = threading.Thread(target=deduct)
    jobs = [(points.account_a, {points.soap.id: 5}, uuid.uuid4().hex) for _ in range(2)]
    deduction.start()
    results = race(live_server, points, jobs)
    deduction.join(60)
    spent = 40 * sum(code == 302 for code, _, _ in results)
    db.session.expire_all()
    account = db.session.get(PointsAccount, account_id)
    # the deduction first: 30 left, neither basket fits; a basket first: 20 left, all deducted
    assert (spent, taken) in ((0, [30]), (40, [20])), (results, taken)
    assert account.debt == 0 and account.balance == 60 - spent - taken[0]
    assert verify() == []
