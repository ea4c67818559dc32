"""Counters that mirror rows move once when two requests change the same row at once.

Two requests run in two threads, each with its own session (its own app context), and both
read (make their checks) before either writes, as a double tap or two open tabs can. Afterwards each counter equals
what its rows say: an activity's ``signed`` the sign-ups not cancelled, a goods row's stock the
sum of its stock entries, an account's balance the sum of its ledger. Runs on the test database
(a SQLite file, or PostgreSQL with PORTAL_TEST_DATABASE_URL).
"""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from portal.errors import DomainError
from portal.extensions import db
from portal.plugin_testing import needs_plugin  # the plugins' fixtures come with them


def race(app, load, act, refused):
    """Run ``act(load())`` in two threads at once, each with its own app context and session,
    held back so that neither writes before both have read: each thread stops at its first
    statement that is not a plain SELECT (a write, or a lock) until the other reaches its own (or
    finishes without one).
    What each then writes meets the other's on the database, as in two workers. Returns how
    many were accepted; a ``refused`` exception rolls its request back, anything else fails."""
    barrier = threading.Barrier(2)
    local = threading.local()

    def hold(conn, cursor, statement, parameters, context, executemany):
        # a SELECT … FOR UPDATE takes a lock, as a write does: held back before it, both threads
        # meet there (past it, the second would wait on the first's lock and never arrive)
        sql = statement.lstrip().upper()
        if getattr(local, "armed", False) and (not sql.startswith("SELECT")
                                               or "FOR UPDATE" in sql):
            local.armed = False
            try:
                barrier.wait(timeout=10)
            except threading.BrokenBarrierError:
                pass  # the other one finished without writing

    results = [None, None]

    def run(index):
        with app.app_context():
            try:
                target = load()
                local.armed = True
                act(target)
                db.session.commit()
                results[index] = True
            except refused:
                db.session.rollback()
                results[index] = False
            except Exception as error:  # noqa: BLE001  (reported below)
                db.session.rollback()
                results[index] = error
            finally:
                if getattr(local, "armed", False):
                    barrier.abort()  # never wrote: do not keep the other one waiting
                local.armed = False
                db.session.remove()

    event.listen(db.engine, "before_cursor_execute", hold)
    try:
        threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        event.remove(db.engine, "before_cursor_execute", hold)
    errors = [r for r in results if isinstance(r, BaseException) or r is None]
    assert not errors, f"a request failed instead of being refused: {errors!r}"
    db.session.expire_all()  # the test's own session reads what both committed
    return sum(results)


# ---------------------------------------------------------------- volunteers: places taken


def signed_matches_rows(activity_id):
    from plugins.volunteers.models import VolunteersActivity, VolunteersSignup

    signed = db.session.scalar(select(VolunteersActivity.signed).filter_by(id=activity_id))
    rows = db.session.scalar(select(func.count(VolunteersSignup.id)).filter_by(
        activity_id=activity_id, cancelled_at=None))
    assert signed == rows, f"signed {signed}, sign-ups {rows}"
    return signed


@needs_plugin("volunteers")
def test_cancelling_one_signup_twice_at_once_frees_one_place(app, vol):
    from plugins.volunteers import services
    from plugins.volunteers.models import VolunteersSignup

    services.sign_up(vol.activity, vol.leader)
    signup = services.sign_up(vol.activity, vol.other)
    db.session.commit()
    signup_id = signup.id  # read here: the threads must not touch this session's objects
    accepted = race(app, lambda: db.session.get(VolunteersSignup, signup_id), services.cancel,
                    DomainError)
    assert accepted == 1
    assert signed_matches_rows(vol.activity.id) == 1


@needs_plugin("volunteers")
def test_signing_up_again_twice_at_once_takes_one_place(app, vol):
    from plugins.volunteers import services
    from plugins.volunteers.models import VolunteersActivity, VolunteersVolunteer

    services.cancel(services.sign_up(vol.activity, vol.leader))
    db.session.commit()
    ids = vol.activity.id, vol.leader.id

    def load():
        return (db.session.get(VolunteersActivity, ids[0]),
                db.session.get(VolunteersVolunteer, ids[1]))

    accepted = race(app, load, lambda pair: services.sign_up(*pair), DomainError)
    assert accepted == 1
    assert signed_matches_rows(vol.activity.id) == 1


@needs_plugin("volunteers")
def test_signing_up_for_the_first_time_twice_at_once_takes_one_place(app, vol):
    from plugins.volunteers import services
    from plugins.volunteers.models import VolunteersActivity, VolunteersVolunteer

    ids = vol.activity.id, vol.other.id

    def load():
        return (db.session.get(VolunteersActivity, ids[0]),
                db.session.get(VolunteersVolunteer, ids[1]))

    accepted = race(app, load, lambda pair: services.sign_up(*pair), DomainError)
    assert accepted == 1
    assert signed_matches_rows(vol.activity.id) == 1


@needs_plugin("volunteers")
def test_a_cancel_and_a_check_in_at_once_leave_one_of_them(app, vol):
    from plugins.volunteers import services
    from plugins.volunteers.models import VolunteersSignup

    signup = services.sign_up(vol.activity, vol.other)
    db.session.commit()
    signup_id = signup.id
    actions = iter([services.cancel, services.check_in])
    accepted = race(app, lambda: db.session.get(VolunteersSignup, signup_id),
                    lambda row: next(actions)(row), DomainError)
    assert accepted == 1
    row = db.session.get(VolunteersSignup, signup.id)
    assert (row.cancelled_at is None) != (row.checked_in_at is None)
    signed_matches_rows(vol.activity.id)


# ---------------------------------------------------------------- points: stock and balances


def stock_and_balance_match_ledgers(world):
    from plugins.points.ledger import balance_from_ledger
    from plugins.points.models import PointsAccount, PointsGoods, PointsStockEntry

    for goods in (world.soap, world.oil):
        stock = db.session.scalar(select(PointsGoods.stock).filter_by(id=goods.id))
        moved = db.session.scalar(select(func.coalesce(func.sum(PointsStockEntry.quantity), 0))
                                  .filter_by(goods_id=goods.id))
        assert stock == moved, f"{goods.name}: stock {stock}, entries {moved}"
    for account in (world.account_a, world.account_a2):
        balance = db.session.scalar(select(PointsAccount.balance).filter_by(id=account.id))
        assert balance == balance_from_ledger(account.id)


@needs_plugin("points")
def test_returning_one_basket_twice_at_once_puts_the_goods_back_once(app, points):
    from plugins.points import shop as shops
    from portal.errors import DomainError
    from plugins.points.models import PointsGoods, PointsRedemption

    redemption, _ = shops.redeem(points.shop, points.account_a, {points.soap.id: 3}, "race-1")
    redemption_id = redemption.id
    accepted = race(app, lambda: db.session.get(PointsRedemption, redemption_id),
                    lambda r: shops.reverse_redemption(r, reason="退货"), DomainError)
    assert accepted == 1
    assert db.session.get(PointsGoods, points.soap.id).stock == 20
    stock_and_balance_match_ledgers(points)


@needs_plugin("points")
def test_reversing_one_entry_twice_at_once_reverses_it_once(app, points):
    from plugins.points import ledger
    from plugins.points.models import PointsEntry

    entry = ledger.post(points.account_a, "earn", 15, rule=points.rule)
    db.session.commit()
    entry_id = entry.id
    accepted = race(app, lambda: db.session.get(PointsEntry, entry_id),
                    lambda e: ledger.reverse(e, reason="记错"), DomainError)
    assert accepted == 1
    assert db.session.scalar(select(func.count(PointsEntry.id)).filter_by(
        reverses_id=entry.id)) == 1
    stock_and_balance_match_ledgers(points)


@needs_plugin("points")
def test_one_award_asked_twice_at_once_pays_once(app, points):
    from plugins.points import ledger
    from plugins.points.models import PointsEntry
    from portal.people.models import Resident

    before = db.session.get(type(points.account_a), points.account_a.id).balance
    resident_id = points.tree.resident_a.id
    accepted = race(app, lambda: db.session.get(Resident, resident_id),
                    lambda r: ledger.award_from_module(r, 9, "志愿服务", "race:award"),
                    DomainError)
    assert accepted == 2  # both asks answer with the one entry
    assert db.session.scalar(select(func.count(PointsEntry.id)).filter_by(
        source="race:award")) == 1
    assert db.session.get(type(points.account_a), points.account_a.id).balance == before + 9
    stock_and_balance_match_ledgers(points)


@needs_plugin("points")
@pytest.mark.parametrize("quantity", [1, 2])
def test_two_baskets_for_the_last_goods_at_once_take_what_is_there(app, points, quantity):
    """The kiosk's own guard (already conditional): the stock never goes below zero."""
    from plugins.points import shop as shops
    from portal.errors import DomainError
    from plugins.points.models import PointsAccount, PointsShop

    keys = iter(["race-oil-1", "race-oil-2"])
    shop_id, account_id, oil_id = points.shop.id, points.account_a2.id, points.oil.id

    def load():
        return db.session.get(PointsShop, shop_id), db.session.get(PointsAccount, account_id)

    accepted = race(app, load, lambda pair: shops.redeem(pair[0], pair[1], {oil_id: quantity},
                                                         next(keys)), DomainError)
    assert accepted == (1 if quantity == 1 else 0)
    stock_and_balance_match_ledgers(points)


@needs_plugin("volunteers")
def test_the_race_helper_sees_the_old_double_cancel(app, vol, monkeypatch):
    """The harness itself: a cancel written as check-then-write (the old code) is caught."""
    from sqlalchemy import update

    from plugins.volunteers import services
    from plugins.volunteers.models import VolunteersActivity, VolunteersSignup

    def old_cancel(signup):
        if signup.cancelled_at is not None:
            raise DomainError("已经取消过了。")
        signup.cancelled_at = signup.signed_at + timedelta(minutes=1)
        db.session.execute(update(VolunteersActivity)
                           .where(VolunteersActivity.id == signup.activity_id)
                           .values(signed=VolunteersActivity.signed - 1))

    services.sign_up(vol.activity, vol.leader)
    signup = services.sign_up(vol.activity, vol.other)
    db.session.commit()
    signup_id = signup.id
    accepted = race(app, lambda: db.session.get(VolunteersSignup, signup_id), old_cancel,
                    DomainError)
    assert accepted == 2
    with pytest.raises(AssertionError):
        signed_matches_rows(vol.activity.id)
