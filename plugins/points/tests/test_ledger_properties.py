"""Property tests: whatever sequence of earns, redemptions, adjustments and reversals is tried,
every balance equals the sum of its entries and is never below zero, stock likewise, and a
refused operation changes nothing."""
import itertools

from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import func, select

from plugins.points import ledger, shop as shops
from plugins.points.models import PointsAccount, PointsEntry, PointsGoods, PointsStockEntry
from plugins.points.reports import verify
from portal.errors import DomainError
from portal.extensions import db
from portal.people.services import add_household, add_resident

ACCOUNT = st.integers(min_value=0, max_value=2)
OPERATION = st.one_of(
    st.tuples(st.just("earn"), ACCOUNT, st.integers(min_value=1, max_value=80)),
    st.tuples(st.just("redeem"), ACCOUNT, st.integers(min_value=0, max_value=4),
              st.integers(min_value=0, max_value=3)),
    st.tuples(st.just("adjust"), ACCOUNT, st.integers(min_value=-60, max_value=60)),
    st.tuples(st.just("reverse"), st.integers(min_value=0, max_value=50)),
    st.tuples(st.just("return"), st.integers(min_value=0, max_value=50)),
)
counter = itertools.count()


def snapshot(accounts, goods):
    return ([db.session.scalar(select(PointsAccount.balance).filter_by(id=a.id)) for a in accounts],
            [db.session.scalar(select(PointsGoods.stock).filter_by(id=g.id)) for g in goods],
            db.session.scalar(select(func.count(PointsEntry.id))),
            db.session.scalar(select(func.count(PointsStockEntry.id))))


def apply(op, accounts, goods, points):
    kind = op[0]
    if kind == "earn":
        ledger.post(accounts[op[1]], "earn", op[2], rule=points.rule)
    elif kind == "adjust":
        ledger.adjust(accounts[op[1]], op[2], reason="盘点")
    elif kind == "redeem":
        basket = {g.id: n for g, n in zip(goods, op[2:]) if n}
        shops.redeem(points.shop, accounts[op[1]], basket, f"p{next(counter)}")
    elif kind == "reverse":
        candidates = db.session.scalars(select(PointsEntry).where(
            PointsEntry.account_id.in_([a.id for a in accounts])).order_by(PointsEntry.id)).all()
        if candidates:
            ledger.reverse(candidates[op[1] % len(candidates)], reason="更正")
    elif kind == "return":
        from plugins.points.models import PointsRedemption

        made = db.session.scalars(select(PointsRedemption).order_by(PointsRedemption.id)).all()
        if made:
            shops.reverse_redemption(made[op[1] % len(made)], reason="退货")


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(operations=st.lists(OPERATION, max_size=20))
def test_any_sequence_keeps_every_balance_equal_to_its_ledger(points, operations):
    grid = points.tree.grid_a1
    accounts = []
    for _ in range(3):
        household = add_household(grid, f"测试路{next(counter)}号")
        accounts.append(ledger.account_for(add_resident(household, "测试")))
    goods = [points.soap, points.oil]
    db.session.commit()
    for op in operations:
        before = snapshot(accounts, goods)
        try:
            apply(op, accounts, goods, points)
            db.session.commit()
        except DomainError:
            db.session.rollback()
            assert snapshot(accounts, goods) == before, f"{op} was refused but left a trace"
        balances, stock, _, _ = snapshot(accounts, goods)
        assert min(balances) >= 0 and min(stock) >= 0
        for account, balance in zip(accounts, balances):
            assert balance == ledger.balance_from_ledger(account.id)
    assert verify() == []
