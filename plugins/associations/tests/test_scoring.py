"""The 100-point system: a score is the base plus the year's standing items, a new year starts
again at the base, appeals void items, the roster ranks with a stated tie rule; dues receipts."""
from datetime import date

import pytest

from plugins.associations import services
from portal.errors import DomainError
from portal.extensions import db
from portal.timeutil import local_today


def test_the_score_is_the_base_plus_the_years_items_across_a_year_boundary(assoc):
    year = local_today().year
    services.record_score(assoc.zhang, assoc.patrol, reason="腊月巡逻",
                          happened_on=date(year - 1, 12, 31))
    services.record_score(assoc.zhang, assoc.absent, reason="缺席例会",
                          happened_on=date(year - 1, 12, 30))
    services.record_score(assoc.zhang, assoc.patrol, reason="元旦巡逻",
                          happened_on=date(year, 1, 1))
    assert services.member_score(assoc.zhang, year - 1) == 100 + 2 - 3
    assert services.member_score(assoc.zhang, year) == 100 + 2  # the new year starts at 100
    assert services.member_score(assoc.li, year) == 100


def test_the_base_score_is_the_associations(assoc):
    assoc.safety.base_score = 80
    assert services.member_score(assoc.zhang, local_today().year) == 80


def test_an_upheld_appeal_voids_the_item_and_both_are_recorded(assoc):
    year = local_today().year
    item = services.record_score(assoc.zhang, assoc.absent, reason="缺席", happened_on=local_today())
    assert services.member_score(assoc.zhang, year) == 97
    appeal = services.appeal(item, "那天在外地务工")
    with pytest.raises(DomainError, match="已经申诉"):
        services.appeal(item, "again")
    with pytest.raises(DomainError, match="处理意见"):
        services.decide(appeal, True, "")
    services.decide(appeal, True, "核实属实", actor=assoc.tree.users["assoc_officer"])
    assert item.voided_at is not None and appeal.decision == "upheld"
    assert services.member_score(assoc.zhang, year) == 100
    with pytest.raises(DomainError, match="已经处理"):
        services.decide(appeal, False, "x")


def test_a_rejected_appeal_leaves_the_item_standing(assoc):
    item = services.record_score(assoc.zhang, assoc.absent, reason="缺席", happened_on=local_today())
    services.decide(services.appeal(item, "不服"), False, "经核实确实缺席")
    assert item.voided_at is None
    assert services.member_score(assoc.zhang, local_today().year) == 97


def test_items_are_checked(assoc):
    other = services.create(assoc.tree.village_a1, name="环境卫生协会", kind="sanitation")
    from plugins.associations.models import AssociationsItem

    foreign = AssociationsItem(association_id=other.id, name="乱堆乱放", points=-3)
    db.session.add(foreign)
    db.session.flush()
    with pytest.raises(DomainError, match="本协会"):
        services.record_score(assoc.zhang, foreign, reason="x", happened_on=local_today())
    with pytest.raises(DomainError, match="事由"):
        services.record_score(assoc.zhang, assoc.patrol, reason="", happened_on=local_today())
    with pytest.raises(DomainError, match="不是会员"):
        services.record_score(assoc.zhang, assoc.patrol, reason="x", happened_on=date(2000, 1, 1))


def test_the_roster_ranks_with_shared_places_for_equal_scores(assoc):
    year = local_today().year
    wang = services.add_member(assoc.safety, assoc.tree.household_a2.members[0],
                               on=date(year, 1, 1))
    services.record_score(assoc.li, assoc.patrol, reason="巡逻", happened_on=local_today())
    rows = services.roster(assoc.safety, year)
    assert [(r.rank, r.member.resident.name, r.score) for r in rows] == [
        (1, "李秀英", 102), (2, "张三丰", 100), (2, "王小明", 100)]  # 张 joined earlier
    assert wang in [r.member for r in rows]
    # equal scores, joined the same day: by name in pinyin order
    assert [r.member.resident.name for r in services.roster(assoc.safety, year - 1)] == [
        "李秀英", "张三丰"]


def test_members_who_left_stay_in_their_years(assoc):
    services.leave(assoc.li, on=date(local_today().year - 1, 6, 30))
    assert [r.member.resident.name for r in services.roster(assoc.safety, local_today().year)] \
        == ["张三丰"]
    assert len(services.roster(assoc.safety, local_today().year - 1)) == 2


def test_dues_once_a_year_with_numbered_receipts(assoc):
    year = local_today().year
    first = services.pay_dues(assoc.zhang, year, local_today())
    second = services.pay_dues(assoc.li, year, local_today())
    assert (first.amount_fen, first.receipt_number) == (2000, f"HF{assoc.safety.id:04d}-{year}-0001")
    assert second.receipt_number.endswith("-0002")
    with pytest.raises(DomainError, match="已经交过"):
        services.pay_dues(assoc.zhang, year, local_today())
    free = services.create(assoc.tree.village_a1, name="环境卫生协会", kind="sanitation")
    member = services.add_member(free, assoc.tree.resident_a)
    with pytest.raises(DomainError, match="不收会费"):
        services.pay_dues(member, year, local_today())
