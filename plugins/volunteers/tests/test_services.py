"""The volunteer service's rules: capacity, hours (across midnight too), points exactly once and
only where the points module is on, self-reported hours, pairing visits due, proxy services."""
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from plugins.volunteers import services, stats
from portal.errors import DomainError
from portal.extensions import db
from portal.modules.services import set_module
from portal.plugin_testing import needs_plugin
from portal.timeutil import local_today


def points_entries():
    """The points ledger's rows, read by table name: a plugin's tests import no other plugin."""
    table = db.metadata.tables["points_entries"]
    return db.session.execute(select(table).order_by(table.c.id)).all()


def test_capacity_is_kept_and_a_cancelled_place_frees_up(vol):
    from plugins.volunteers.models import VolunteersVolunteer

    third = services.register(grid=vol.tree.grid_a1, resident=vol.tree.household_a.members[1])
    first = services.sign_up(vol.activity, vol.leader)
    services.sign_up(vol.activity, vol.other)
    with pytest.raises(DomainError, match="名额已满"):
        services.sign_up(vol.activity, third)
    with pytest.raises(DomainError, match="已报名"):
        services.sign_up(vol.activity, vol.leader)
    services.cancel(first)
    services.sign_up(vol.activity, third)
    db.session.commit()
    assert vol.activity.signed == 2
    assert db.session.scalar(select(func.count(VolunteersVolunteer.id))) == 3


def test_hours_across_midnight_are_counted_on():
    evening = datetime(2026, 11, 20, 13, 30)  # 21:30 local
    next_morning = datetime(2026, 11, 20, 17, 15)  # 01:15 local, the next day
    assert services.served_minutes(evening, next_morning) == 225
    assert services.served_minutes(datetime(2026, 12, 31, 22, 0), datetime(2027, 1, 1, 0, 30)) == 150


def test_check_in_out_and_confirm_across_midnight(vol):
    signup = services.sign_up(vol.activity, vol.other)
    services.check_in(signup, datetime(2026, 11, 20, 14, 0))
    with pytest.raises(DomainError, match="晚于签到"):
        services.check_out(signup, datetime(2026, 11, 20, 13, 0))
    services.check_out(signup, datetime(2026, 11, 20, 17, 30))
    services.confirm(signup)
    assert signup.minutes == 210
    with pytest.raises(DomainError, match="已经确认"):
        services.confirm(signup)


@needs_plugin("points")
def test_confirmed_hours_award_points_exactly_once(vol):
    set_module(vol.tree.town_a, "points", True)
    signup = services.sign_up(vol.activity, vol.other)
    services.confirm(signup, minutes=150)  # 2.5 h × 4 points
    db.session.commit()
    entries = points_entries()
    assert [(e.points, e.source) for e in entries] == [(10, f"volunteers.signup:{signup.id}")]
    assert "志愿服务 2.5 小时：清扫村道" == entries[0].source_label
    assert signup.points == 10
    # asked again for the same service (a retry, a second confirm path): nothing more is paid
    services.award_points(vol.other, 150, 4, "again", f"volunteers.signup:{signup.id}", None)
    assert len(points_entries()) == 1


@needs_plugin("points")
def test_no_points_where_the_points_module_is_off(vol):
    signup = services.sign_up(vol.activity, vol.other)
    services.confirm(signup, minutes=150)
    db.session.commit()
    assert signup.points is None
    assert points_entries() == []


@needs_plugin("points")
def test_reported_hours_count_only_once_a_leader_approves(vol):
    set_module(vol.tree.town_a, "points", True)
    services.set_points_per_hour(vol.tree.town_a, 3)
    claim = services.submit_claim(vol.other, vol.team, local_today(), 120, "帮五保户挑水")
    assert stats.volunteer_minutes(vol.other.id) == 0
    with pytest.raises(DomainError, match="说明原因"):
        services.decide_claim(claim, approve=False)
    services.decide_claim(claim, approve=True)
    assert stats.volunteer_minutes(vol.other.id) == 120
    assert claim.points == 6
    with pytest.raises(DomainError, match="已经审核"):
        services.decide_claim(claim, approve=True)
    with pytest.raises(DomainError, match="晚于今天"):
        services.submit_claim(vol.other, vol.team, local_today() + timedelta(days=1), 60, "x")
    with pytest.raises(DomainError, match="24小时"):
        services.submit_claim(vol.other, vol.team, local_today(), 2000, "x")


def test_an_outsider_volunteer_gets_a_login_by_number_email_or_phone(client, vol):
    with pytest.raises(DomainError, match="密码"):
        services.register(grid=vol.tree.grid_a1, name="外来志愿者")
    outsider = services.register(grid=vol.tree.grid_a1, name="刘志愿", phone="13700001111",
                                 email="liu@example.cn", password="volunteer1")
    db.session.commit()
    assert outsider.number.startswith("ZY" + vol.tree.town_a.code)
    for login in (outsider.number, "LIU@example.cn", "13700001111"):
        response = client.post("/login", data={"login": login, "password": "volunteer1"})
        assert response.status_code == 302, login
        assert client.get("/volunteers/me").status_code == 200
        client.logout()


def test_pairings_show_when_a_visit_is_overdue(vol):
    from plugins.volunteers.models import VolunteersPairing

    pairing = VolunteersPairing(volunteer_id=vol.other.id, household_id=vol.tree.household_a.id,
                                need="left_behind_elder", visit_days=30,
                                started_on=local_today() - timedelta(days=60))
    db.session.add(pairing)
    db.session.flush()
    assert [d.pairing.id for d in services.pairings_due(vol.tree.village_a1, True)] == [pairing.id]
    services.record_pair_visit(pairing, local_today() - timedelta(days=5), "一切安好")
    assert services.pairings_due(vol.tree.village_a1, True) == []
    assert services.pairings_due(vol.tree.village_b1) == []


def test_a_proxy_service_goes_from_request_to_done(vol):
    proxy = services.request_proxy(vol.tree.resident_a, "certificate", "办低保证明")
    with pytest.raises(DomainError, match="不能这样办理"):
        services.move_proxy(proxy, "done", result="x")
    with pytest.raises(DomainError, match="选择代办志愿者"):
        services.move_proxy(proxy, "accepted")
    services.move_proxy(proxy, "accepted", volunteer=vol.other)
    with pytest.raises(DomainError, match="办理结果"):
        services.move_proxy(proxy, "done")
    services.move_proxy(proxy, "done", result="已送达", satisfaction=5)
    db.session.commit()
    figures = stats.figures(vol.tree.town_a)
    assert (figures.proxies_done, figures.satisfied_share, figures.average) == (1, 100, 5.0)


def test_figures_count_hours_by_team_and_month(vol):
    from portal.timeutil import utcnow

    signup = services.sign_up(vol.activity, vol.other)
    vol.activity.starts_at = utcnow() - timedelta(hours=4)  # it took place this month
    vol.activity.ends_at = utcnow() - timedelta(hours=1)
    services.confirm(signup, minutes=90)
    services.decide_claim(services.submit_claim(vol.leader, vol.team, local_today(), 30, "巡逻"),
                          approve=True)
    db.session.commit()
    figures = stats.figures(vol.tree.village_a1)
    assert figures.volunteers == 2 and figures.teams == 1
    assert figures.total_hours == 2.0
    assert stats.figures(vol.tree.town_b).total_hours == 0


def test_a_cancelled_activity_takes_no_sign_ups_and_no_hours(vol):
    signup = services.sign_up(vol.activity, vol.other)
    services.cancel_activity(vol.activity)
    with pytest.raises(DomainError, match="活动已取消"):
        services.sign_up(vol.activity, vol.leader)
    with pytest.raises(DomainError, match="活动已取消"):
        services.confirm(signup, minutes=60)
    with pytest.raises(DomainError, match="活动已取消"):
        services.cancel_activity(vol.activity)


@needs_plugin("best_grid")
def test_hours_by_grid_for_the_best_grid_contest(vol):
    from portal.plugins import host

    signup = services.sign_up(vol.activity, vol.other)
    services.confirm(signup, minutes=90)
    services.decide_claim(services.submit_claim(vol.leader, vol.team, local_today(), 30, "巡逻"),
                          approve=True)
    since = local_today() - timedelta(days=30)
    until = local_today() + timedelta(days=30)
    measures = host().collect(vol.tree.town_a, "grid_measures", town=vol.tree.town_a,
                              grids=[vol.tree.grid_a1], since=since, until=until)
    assert [(m.key, m.values) for m in measures if m.key == "volunteers.hours"] == [
        ("volunteers.hours", {vol.tree.grid_a1.id: 2.0})]
