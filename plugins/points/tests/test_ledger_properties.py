"""Property tests: whatever sequence of earns, redemptions, adjustments, reversals and deductions
is tried, every balance less its debt equals the sum of its entries, what may be spent is never
below zero, stock likewise, and a refused operation changes nothing."""
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
    # a deduction rule (负向扣分), the town stopping at zero or keeping the rest as a debt
    st.tuples(st.just("deduct"), ACCOUNT, st.integers(min_value=1, max_value=90),
              st.sampled_from(("floor", "debt"))),
)
counter = itertools.count()


def snapshot(accounts, goods):
    return ([db.session.scalar(select(PointsAccount.balance - PointsAccount.debt)
                               .filter_by(id=a.id)) for a in accounts],
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
    elif kind == "deduct":
        from plugins.points.town_settings import AT_ZERO_SETTING
        from portal.settings import set_setting

        set_setting(points.tree.town_a, AT_ZERO_SETTING, op[3])
        ledger.deduct(accounts[op[1]], -op[2], note="扣分")
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
        assert min(stock) >= 0  # a balance below zero is a debt, the database refuses it
        assert all(db.session.get(PointsAccount, a.id).balance >= 0 for a in accounts)
        for account, balance in zip(accounts, balances):
            assert balance == ledger.balance_from_ledger(account.id)
    assert verify() == []
