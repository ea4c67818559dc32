"""Issue 24's ledger side: deductions (负向扣分) with the town's choice at zero, awards on public
notice that cannot be spent yet, deeds of other modules paid by the town's chosen rule, and the
worker's daily expiry with its warning. Hand counts throughout."""
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from plugins.points import expiry, ledger, town_settings
from plugins.points.models import PointsAccount, PointsEntry, PointsRule
from plugins.points.reports import verify
from portal.auth.services import create_user
from portal.errors import DomainError
from portal.extensions import db
from portal.modules.services import set_module
from portal.notifications.models import Notification
from portal.testing import PASSWORD
from portal.timeutil import local_today, to_utc, utcnow


def deduction(points, value=-30, name="乱扔垃圾"):
    rule = PointsRule(town_id=points.tree.town_a.id, name=name, points=value)
    db.session.add(rule)
    db.session.flush()
    return rule


def choose(points, **changes):
    town = points.tree.town_a
    current = dict(at_zero=town_settings.at_zero(town),
                   notice_days=town_settings.notice_days(town),
                   valid_months=town_settings.valid_months(town),
                   sources=town_settings.sources(town))
    town_settings.save(town, **{**current, **changes})


# ---------------------------------------------------------------- deductions


def test_a_deduction_stops_at_zero_by_default(points):
    account = points.account_a  # 60 points
    rule = deduction(points, -40)
    ledger.award(rule, [account])
    assert account.balance == 20 and account.debt == 0
    [entry] = ledger.award(rule, [account])  # only the 20 left is taken
    assert entry.points == -20 and entry.kind == "deduct" and account.balance == 0
    assert ledger.award(rule, [account]) == []  # nothing left: nothing written
    assert db.session.scalar(select(PointsEntry).filter_by(account_id=account.id)
                             .order_by(PointsEntry.id.desc())).kind == "deduct"
    assert verify() == []


def test_a_town_that_keeps_debts_shows_and_repays_them(points):
    choose(points, at_zero="debt")
    account = points.account_a  # 60
    rule = deduction(points, -100)
    [entry] = ledger.award(rule, [account])
    assert (account.balance, account.debt, entry.balance_after) == (0, 40, -40)
    with pytest.raises(DomainError, match="积分不足"):  # a debt is never spent
        ledger.post(account, "redeem", -1)
    repaid = ledger.post(account, "earn", 25, rule=points.rule)  # pays the debt back first
    assert (account.balance, account.debt, repaid.balance_after) == (0, 15, -15)
    ledger.post(account, "earn", 20, rule=points.rule)
    assert (account.balance, account.debt) == (5, 0)
    db.session.commit()
    assert verify() == []


def test_a_deduction_rule_keeps_its_sign_for_every_category(points):
    rule = deduction(points, -10)
    rule.category_points = {"party_member": -20, "grid_worker": 0}
    account = points.account_a
    account.category = "party_member"
    ledger.award(rule, [account, points.account_a2])
    assert account.balance == 40 and points.account_a2.balance == 50


def test_the_database_refuses_a_balance_and_a_debt_below_zero(points):
    from sqlalchemy import update
    from sqlalchemy.exc import IntegrityError

    for column in ("balance", "debt"):
        with pytest.raises(IntegrityError):
            with db.session.begin_nested():
                db.session.execute(update(PointsAccount).where(
                    PointsAccount.id == points.account_a.id).values({column: -1}))


# ---------------------------------------------------------------- public notice


def test_an_award_on_notice_is_on_the_balance_but_not_spendable(points):
    choose(points, notice_days=7)
    account = points.account_a  # 60, spendable
    [entry] = ledger.award(points.model_rule, [account])  # 20 on notice
    assert entry.held_until > utcnow() + timedelta(days=6)
    assert account.balance == 80 and ledger.held_points(account.id) == 20
    with pytest.raises(DomainError, match="公示期"):
        ledger.post_row(account, "redeem", -61, actor_id=None, redemption_id=None, note="",
                        created_at=utcnow())
    ledger.post_row(account, "redeem", -60, actor_id=None, redemption_id=None, note="",
                    created_at=utcnow())
    assert db.session.get(PointsAccount, account.id).balance == 20
    # when the notice ends, the points may be spent
    assert ledger.held_points(account.id, now=utcnow() + timedelta(days=8)) == 0
    # an objection still open holds the award past its notice, until it is decided
    from plugins.points.models import PointsObjection

    db.session.add(PointsObjection(town_id=account.town_id, entry_id=entry.id, reason="不属实"))
    db.session.flush()
    assert ledger.held_points(account.id, now=utcnow() + timedelta(days=8)) == 20
    # an award reversed on notice (the objection upheld) holds nothing more
    ledger.reverse(entry, reason="异议成立")
    assert ledger.held_points(account.id) == 0


def test_the_kiosk_shows_only_what_may_be_spent(client, points):
    choose(points, notice_days=7)
    ledger.award(points.model_rule, [points.account_a])
    db.session.commit()
    client.login("village_admin")
    client.get(f"/kiosk/{points.shop.id}/find?q={points.account_a.card_token}")
    page = client.get(f"/kiosk/{points.shop.id}/accounts/{points.account_a.id}")
    html = page.get_data(as_text=True)
    assert 'data-balance="60"' in html and "另有 20 分在公示期" in html
    statement = client.get(f"/points/accounts/{points.account_a.id}").get_data(as_text=True)
    assert "其中 20 分在公示期" in statement and "公示至" in statement


# ---------------------------------------------------------------- deeds of the modules


def resident_login(tree):
    """A login of the register's 张三丰 (matched by ID number), as a villager reporting."""
    return create_user(username="zhangsanfeng", password=PASSWORD, role="resident",
                       scope=tree.grid_a1, id_number=tree.resident_a.id_number)


def report_and_close(tree, reporter, title="路灯坏了"):
    from portal.cases.services import act, report

    case = report(tree.grid_a1, category="problem", title=title, description="村口路灯",
                  source="resident", reporter=reporter)
    act(case, tree.users["village_admin"], "assign", assignee=tree.users["grid_worker"])
    act(case, tree.users["grid_worker"], "resolve", "已修好")
    act(case, tree.users["village_admin"], "close", "核实已修好")
    return case


def test_a_residents_confirmed_report_earns_the_towns_rule_once(points):
    from portal.cases.services import act

    tree = points.tree
    zhang = resident_login(tree)
    report_and_close(tree, zhang)  # no rule chosen yet: nothing
    assert points.account_a.balance == 60
    choose(points, sources={"cases.report": points.rule.id})  # 参加村道清扫, 5
    case = report_and_close(tree, zhang, "水沟堵了")
    assert db.session.get(PointsAccount, points.account_a.id).balance == 65
    entry = db.session.scalar(select(PointsEntry).filter_by(source=f"cases.case:{case.id}"))
    assert entry.rule_id == points.rule.id and "水沟堵了" in entry.source_label
    act(case, tree.users["village_admin"], "reopen", "又堵了")
    act(case, tree.users["grid_worker"], "resolve", "再次疏通")
    act(case, tree.users["village_admin"], "close", "核实")
    assert db.session.get(PointsAccount, points.account_a.id).balance == 65  # paid once
    # a staff member's report is not a resident's deed
    report_and_close(tree, tree.users["grid_worker"], "垃圾满了")
    assert db.session.get(PointsAccount, points.account_a.id).balance == 65


def test_a_duplicate_report_earns_nothing(points):
    from portal.cases.services import act, report

    tree = points.tree
    choose(points, sources={"cases.report": points.rule.id})
    case = report(tree.grid_a1, category="problem", title="路灯坏了", description="同上",
                  source="resident", reporter=resident_login(tree))
    first = report(tree.grid_a1, category="problem", title="路灯", description="村口",
                   source="patrol", reporter=tree.users["grid_worker"])
    act(case, tree.users["village_admin"], "duplicate", "重复", duplicate_of=first)
    assert db.session.get(PointsAccount, points.account_a.id).balance == 60


def test_a_module_rule_must_be_an_award_of_the_town(points):
    with pytest.raises(DomainError, match="加分"):
        choose(points, sources={"cases.report": deduction(points).id})
    other = PointsRule(town_id=points.tree.town_b.id, name="外镇事项", points=5)
    db.session.add(other)
    db.session.flush()
    with pytest.raises(DomainError, match="不属于本镇"):
        choose(points, sources={"cases.report": other.id})


def test_an_associations_year_score_is_paid_by_share_once(points):
    from plugins.associations import points_awards
    from plugins.associations import services as assoc

    tree = points.tree
    set_module(tree.town_a, "associations", True)
    association = assoc.create(tree.village_a1, name="平安乡村协会", kind="safety")
    member = assoc.add_member(association, tree.resident_a, on=date(2025, 3, 1))
    item = assoc.add_item(association, name="参加夜间巡逻", points=-14)
    db.session.flush()
    assoc.record_score(member, item, reason="缺勤", happened_on=date(2025, 6, 1))
    with pytest.raises(DomainError, match="没有发放积分"):
        points_awards.award_year(association, 2025)  # no rule chosen for it
    choose(points, sources={"associations.year": points.model_rule.id})  # 20 at 100
    assert points_awards.award_year(association, 2025) == (1, 17)  # 86 of 100 → 17.2 → 17
    assert points_awards.award_year(association, 2025) == (1, 17)  # the same entry, not again
    assert db.session.get(PointsAccount, points.account_a.id).balance == 77
    with pytest.raises(DomainError, match="12月"):
        points_awards.award_year(association, local_today().year + 1)


def test_a_best_grid_prize_pays_every_household_of_the_winning_grid(points):
    from plugins.best_grid import services as contests

    tree = points.tree
    set_module(tree.town_a, "best_grid", True)
    choose(points, sources={"best_grid.prize": points.rule.id})  # 5 per household
    klass = contests.create_class(tree.town_a, "城区网格")
    contests.place(tree.grid_a1, klass)
    contests.place(tree.grid_a2, klass)
    contest = contests.create_contest(
        tree.town_a, title="第四季度最美网格", kind="quarterly", starts_on=date(2026, 10, 1),
        ends_on=date(2026, 12, 31), criteria=[("judged:1", "评委打分", 100)], prizes={"1": 500})
    for entry in contest.entries:
        for criterion in contest.criteria:
            contests.judge(contest, criterion, entry.grid, tree.users["town_admin"],
                           90 if entry.grid_id == tree.grid_a1.id else 60)
    contests.publish(contest)
    db.session.expire_all()
    balances = [db.session.get(PointsAccount, a.id).balance
                for a in (points.account_a, points.account_a2)]
    assert balances == [65, 65]  # both households of 第一网格, 5 each


# ---------------------------------------------------------------- expiry on the worker


def test_the_worker_expires_old_awards_daily_and_warns_before(points):
    tree = points.tree
    choose(points, valid_months=12)
    zhang = resident_login(tree)
    account = points.account_a
    first = db.session.scalar(select(PointsEntry).filter_by(account_id=account.id))
    first.created_at = to_utc(datetime(2025, 11, 15, 10))  # 60 earned a year ago
    soon = ledger.post(account, "earn", 10, rule=points.rule)
    soon.created_at = to_utc(datetime(2025, 12, 20, 10))  # expires on 2026-12-20
    db.session.commit()
    now = to_utc(datetime(2026, 12, 2, 1, 30))
    assert expiry.run(tree.town_a, now) == (60, 1)
    assert db.session.get(PointsAccount, account.id).balance == 10
    told = db.session.scalars(select(Notification).filter_by(user_id=zhang.id,
                                                            event="points_expiring")).all()
    assert len(told) == 1 and "10" in told[0].body
    assert expiry.run(tree.town_a, now + timedelta(hours=3)) == (0, 0)  # once a day
    assert expiry.run(tree.town_a, now + timedelta(days=1)) == (0, 0)  # told once a month
    assert verify() == []


def test_months_before_keeps_to_the_calendar():
    assert expiry.months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert expiry.months_before(date(2026, 1, 15), 13) == date(2024, 12, 15)


# ---------------------------------------------------------------- the settings page


def test_the_rules_page_saves_the_towns_choices(client, points):
    client.login("town_admin")
    page = client.get("/points/rules").get_data(as_text=True)
    assert "居民上报的事件经核实办结" in page and "扣到0为止" in page
    refused = client.post("/points/rules/settings", data={
        "at_zero": "debt", "notice_days": "40", "valid_months": "12", "source_0": "0"})
    assert refused.status_code == 422 and "公示天数应在0到30之间" in refused.get_data(as_text=True)
    assert town_settings.notice_days(points.tree.town_a) == 0
    saved = client.post("/points/rules/settings", data={
        "at_zero": "debt", "notice_days": "7", "valid_months": "12",
        "source_0": str(points.rule.id)})
    assert saved.status_code == 302
    town = points.tree.town_a
    assert (town_settings.at_zero(town), town_settings.notice_days(town),
            town_settings.valid_months(town)) == ("debt", 7, 12)
    assert town_settings.sources(town) == {"cases.report": points.rule.id}


def test_a_village_admin_deducts_from_the_award_page(client, points):
    rule = deduction(points, -8, "门前乱堆乱放")
    db.session.commit()
    client.login("village_admin")
    page = client.get(f"/points/award?grid={points.tree.grid_a1.id}").get_data(as_text=True)
    assert "门前乱堆乱放（扣 8 分）" in page
    done = client.post("/points/award", data={"rule": rule.id,
                                              "target": f"h{points.tree.household_a.id}"},
                       follow_redirects=True)
    assert "已对 1 个账户扣分“门前乱堆乱放”" in done.get_data(as_text=True)
    statement = client.get(f"/points/accounts/{points.account_a.id}").get_data(as_text=True)
    assert "扣分" in statement and "-8" in statement
    assert db.session.get(PointsAccount, points.account_a.id).balance == 52
