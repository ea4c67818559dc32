"""The ledger's rules: balances are sums of entries, never below zero, corrections are new
entries, awards from other modules pay once, expiry spends the oldest points first."""
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from plugins.points import ledger, shop as shops
from plugins.points.models import PointsAccount, PointsEntry
from plugins.points.reports import verify
from portal.errors import DomainError
from portal.extensions import db
from portal.timeutil import utcnow


def entries(account):
    return db.session.scalars(select(PointsEntry).filter_by(account_id=account.id)
                              .order_by(PointsEntry.id)).all()


def test_balance_is_the_sum_of_the_entries_and_each_entry_records_it(points):
    account = points.account_a
    ledger.post(account, "earn", 5, rule=points.rule)
    ledger.post(account, "redeem", -15)
    db.session.commit()
    assert [(e.kind, e.points, e.balance_after) for e in entries(account)] == [
        ("earn", 60, 60), ("earn", 5, 65), ("redeem", -15, 50)]
    assert account.balance == 50 == ledger.balance_from_ledger(account.id)


def test_a_debit_beyond_the_balance_is_refused_and_writes_nothing(points):
    account = points.account_a
    with pytest.raises(DomainError, match="积分不足"):
        ledger.post(account, "redeem", -61)
    db.session.rollback()
    assert len(entries(account)) == 1
    assert db.session.get(PointsAccount, account.id).balance == 60


def test_the_database_itself_refuses_a_negative_balance(points):
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        db.session.execute(text("UPDATE points_accounts SET balance = -1 WHERE id = :i"),
                           {"i": points.account_a.id})
        db.session.flush()
    db.session.rollback()


def test_household_mode_gives_one_account_per_household(points):
    tree = points.tree
    spouse = tree.household_a.members[1]
    assert ledger.account_for(spouse).id == points.account_a.id
    assert points.account_a.household_id == tree.household_a.id
    assert points.account_a.category == "party_member"  # 张三丰 is a party member
    assert points.account_a2.category == "villager"


def test_resident_mode_gives_each_resident_an_account(app, tree):
    from portal.modules.services import set_module

    set_module(tree.town_a, "points", True)
    ledger.set_owner_mode(tree.town_a, "resident")
    spouse = tree.household_a.members[1]
    assert ledger.account_for(spouse).id != ledger.account_for(tree.resident_a).id
    assert ledger.account_for(spouse).resident_id == spouse.id


def test_owner_mode_cannot_change_once_accounts_exist(points):
    with pytest.raises(DomainError, match="不能再改变"):
        ledger.set_owner_mode(points.tree.town_a, "resident")


def test_award_uses_the_value_of_each_accounts_category(points):
    points.account_a2.category = "grid_worker"
    made = ledger.award(points.rule, [points.account_a, points.account_a2], note="11月20日清扫")
    db.session.commit()
    assert {(e.account_id, e.points) for e in made} == {(points.account_a.id, 5),
                                                         (points.account_a2.id, 8)}
    assert all(e.rule_id == points.rule.id and e.note == "11月20日清扫" for e in made)


def test_award_refuses_an_inactive_rule_and_another_towns_account(points):
    points.rule.active = False
    with pytest.raises(DomainError, match="停用"):
        ledger.award(points.rule, [points.account_a])
    points.rule.active = True
    other = ledger.account_for(points.tree.resident_b)  # town B
    with pytest.raises(DomainError, match="另一个镇"):
        ledger.award(points.rule, [points.account_a, other])


def test_an_award_from_another_module_pays_once_per_source(points):
    resident = points.tree.resident_a
    first = ledger.award_from_module(resident, 6, "志愿服务 2 小时：清扫村道", "volunteers.activity:7")
    again = ledger.award_from_module(resident, 6, "志愿服务 2 小时：清扫村道", "volunteers.activity:7")
    db.session.commit()
    assert first.id == again.id
    assert points.account_a.balance == 66
    assert first.source_label == "志愿服务 2 小时：清扫村道"


def test_the_hook_awards_only_where_the_module_is_on(points):
    from portal.plugins import host

    tree = points.tree
    entry = host().hook(tree.grid_a1, "points_award_requested")(
        resident=tree.resident_a, points=3, reason="互助", source="mutual_aid.help:1", actor=None)
    assert entry.points == 3
    assert host().hook(tree.grid_b1, "points_award_requested")(
        resident=tree.resident_b, points=3, reason="互助", source="mutual_aid.help:2",
        actor=None) is None
    assert db.session.scalar(select(PointsAccount).filter_by(
        household_id=tree.household_b.id)) is None


def test_a_reversal_is_a_new_entry_pointing_at_the_original(points):
    original = entries(points.account_a)[0]
    reversal = ledger.reverse(original, reason="重复发放")
    db.session.commit()
    assert (reversal.kind, reversal.points, reversal.reverses_id) == ("reverse", -60, original.id)
    assert original.points == 60  # untouched
    assert points.account_a.balance == 0
    with pytest.raises(DomainError, match="已经冲正"):
        ledger.reverse(original, reason="again")
    with pytest.raises(DomainError, match="不能再冲正"):
        ledger.reverse(reversal, reason="undo")


def test_a_reversal_of_spent_points_is_refused(points):
    original = entries(points.account_a)[0]
    ledger.post(points.account_a, "redeem", -30)
    with pytest.raises(DomainError, match="已被使用"):
        ledger.reverse(original, reason="错发")


def test_corrections_need_a_reason(points):
    with pytest.raises(DomainError):
        ledger.adjust(points.account_a, 5, reason="")
    with pytest.raises(DomainError):
        ledger.reverse(entries(points.account_a)[0], reason=None)


def test_expiry_spends_the_oldest_points_first_and_runs_once(points):
    account = points.account_a
    old = entries(account)[0]
    old.created_at = utcnow() - timedelta(days=400)  # 60 points earned last year
    ledger.post(account, "earn", 10)                  # 10 earned this year
    ledger.post(account, "redeem", -25)               # spent from the oldest
    cutoff = utcnow() - timedelta(days=300)
    assert ledger.expire(points.tree.town_a, cutoff) == 35
    assert account.balance == 10
    assert ledger.expire(points.tree.town_a, cutoff) == 0
    assert [e.kind for e in entries(account)][-1] == "expire"


def test_verify_finds_a_cached_balance_that_drifted(points, runner):
    from plugins.points.models import PointsGoods

    assert verify() == []
    db.session.execute(text("UPDATE points_accounts SET balance = 999 WHERE id = :i"),
                       {"i": points.account_a.id})
    db.session.execute(text("UPDATE points_goods SET stock = 7 WHERE id = :i"),
                       {"i": points.soap.id})
    db.session.commit()
    found = {(m.kind, m.id, m.cached, m.ledger) for m in verify()}
    assert found == {("account", points.account_a.id, 999, 60),
                     ("goods", points.soap.id, 7, 20)}
    result = runner.invoke(args=["points", "verify"])
    assert result.exit_code == 1
    assert f"#{points.account_a.id}" in result.output and "cached 999, ledger 60" in result.output
    db.session.execute(text("UPDATE points_accounts SET balance = 60"))
    db.session.execute(text("UPDATE points_goods SET stock = 20 WHERE id = :i"),
                       {"i": points.soap.id})
    db.session.commit()
    assert db.session.get(PointsGoods, points.soap.id) is not None
    result = runner.invoke(args=["points", "verify"])
    assert result.exit_code == 0, result.output


def test_expire_command(points, runner):
    entries(points.account_a)[0].created_at = utcnow() - timedelta(days=800)
    db.session.commit()
    result = runner.invoke(args=["points", "expire", "--town", points.tree.town_a.code,
                                 "--earned-before", (utcnow() - timedelta(days=365)).strftime("%Y-%m-%d")])
    assert result.exit_code == 0, result.output
    assert "60" in result.output
    db.session.expire_all()
    assert db.session.get(PointsAccount, points.account_a.id).balance == 0


def test_stock_never_goes_below_zero(points):
    with pytest.raises(DomainError, match="库存不足"):
        shops.move_stock(points.oil, "adjust", -2)
    with pytest.raises(DomainError):
        shops.restock(points.oil, 0)
