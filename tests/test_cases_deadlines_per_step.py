"""Every deadline of 13710 is lit and supervised (issue 18): assignment, feedback and solution
each have their light, the sweep supervises each missed step once per episode, a calendar entered
later heals the cases counted without it, and a town may count an emergency in hours."""
from datetime import date, datetime, timedelta

import pytest

from portal.cases import deadlines
from portal.cases.calendar import set_year
from portal.cases.models import Case, CalendarYear, SupervisionNotice
from portal.cases.queries import light_condition
from portal.cases.services import act, report, sweep
from portal.extensions import db
from portal.settings import set_setting
from portal.timeutil import local_today, utcnow


def _case(tree, **kw):
    fields = dict(category="hazard", title="路灯不亮", description="村口路灯坏了三天",
                  source="patrol", reporter=tree.users["grid_worker"])
    fields.update(kw)
    case = report(tree.grid_a1, **fields)
    db.session.commit()
    return case


def _received_on(case, day):
    """Pretend the case came in on ``day`` (noon in China)."""
    case.created_at = datetime(day.year, day.month, day.day, 4, 0)
    deadlines.set_deadlines(case, day, start_at=case.created_at)


def _notices(case):
    return db.session.scalars(db.select(SupervisionNotice).filter_by(case_id=case.id)
                              .order_by(SupervisionNotice.id)).all()


# ---------------------------------------------------------------- the lights, one per step


def test_each_step_has_its_light_and_the_worst_pending_one_is_the_cases(tree):
    case = _case(tree)
    _received_on(case, date(2026, 3, 2))  # Monday: assign Tue 3, feedback Thu 5, solve Wed 11
    act(case, tree.users["village_admin"], "assign", assignee=tree.users["grid_worker"])
    case.assigned_at = datetime(2026, 3, 2, 6, 0)  # assigned on the day: in time
    on = date(2026, 3, 6)  # Friday: feedback is a day late, the solution still has time
    lights = deadlines.step_lights(case, on)
    assert lights == {"assign": "green", "feedback": "red", "resolve": "green"}
    assert deadlines.light(case, on) == "red"
    assert deadlines.worst_pending_step(case, on) == "feedback"
    act(case, tree.users["grid_worker"], "feedback", "已联系报告人，下周更换")
    case.feedback_at = datetime(2026, 3, 6, 2, 0)  # given on Friday: late, and stays so
    assert deadlines.step_light(case, "feedback", on) == "red"
    assert deadlines.light(case, on) == "green"  # only pending steps decide the case's light


def test_the_sql_lights_agree_with_the_lights_on_the_page(tree):
    """light_condition (lists, dashboard, map) and deadlines.light (pages) give the same answer
    for every mix of done and pending steps."""
    on = local_today()
    made = []
    for received_days_ago, assigned, fed_back in [(0, False, False), (2, False, False),
                                                  (6, True, False), (6, True, True),
                                                  (20, True, True), (1, True, False)]:
        case = _case(tree, title=f"灯{len(made)}")
        _received_on(case, on - timedelta(days=received_days_ago))
        if assigned:
            act(case, tree.users["village_admin"], "assign", assignee=tree.users["grid_worker"])
        if fed_back:
            act(case, tree.users["grid_worker"], "feedback", "在办")
        made.append(case)
    db.session.commit()
    for light in ("red", "yellow", "green"):
        in_sql = set(db.session.scalars(db.select(Case.id).where(light_condition(light, on))))
        assert in_sql == {c.id for c in made if deadlines.light(c, on) == light}, light
        for step in deadlines.STEPS:
            in_sql = set(db.session.scalars(db.select(Case.id).where(
                light_condition(light, on, step=step))))
            expected = {c.id for c in made if step in deadlines.pending_steps(c)
                        and deadlines.step_light(c, step, on) == light}
            assert in_sql == expected, (light, step)


# ---------------------------------------------------------------- supervision per step and episode


def test_a_case_without_feedback_is_supervised_for_its_feedback(tree):
    case = _case(tree)
    act(case, tree.users["village_admin"], "assign", assignee=tree.users["grid_worker"])
    case.feedback_due = local_today() - timedelta(days=1)  # feedback missed; solve still ahead
    case.resolve_due = local_today() + timedelta(days=5)
    db.session.commit()
    assert sweep() == {"raised": 1, "settled": 0}
    db.session.commit()
    (notice,) = _notices(case)
    assert (notice.step, notice.episode, notice.resolved_at) == ("feedback", 1, None)
    assert sweep() == {"raised": 0, "settled": 0}  # idempotent
    act(case, tree.users["grid_worker"], "feedback", "已到现场查看")
    assert sweep()["settled"] == 1  # the step is done: the notice is settled
    assert _notices(case)[0].resolved_at is not None


def test_a_reopened_case_that_goes_red_again_is_supervised_again(tree, client):
    case = _case(tree)
    admin, worker = tree.users["village_admin"], tree.users["grid_worker"]
    act(case, admin, "assign", assignee=worker)
    act(case, worker, "feedback", "在办")
    case.resolve_due = local_today() - timedelta(days=1)
    db.session.commit()
    sweep()
    act(case, worker, "resolve", "已修好")
    act(case, admin, "close", "已告知")
    sweep()
    db.session.commit()
    assert [(n.step, n.episode, n.resolved_at is not None) for n in _notices(case)] == [
        ("resolve", 1, True)]
    act(case, admin, "reopen", "路灯又坏了")
    assert case.episode == 2 and case.resolve_due > local_today()  # a new clock
    case.resolve_due = local_today() - timedelta(days=1)  # ... and it goes red again
    db.session.commit()
    assert sweep()["raised"] == 1
    db.session.commit()
    assert [(n.step, n.episode, n.resolved_at is None) for n in _notices(case)] == [
        ("resolve", 1, False), ("resolve", 2, True)]
    client.login("village_admin")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "督办记录" in page and "第1轮" in page and "第2轮" in page
    home = client.get("/").get_data(as_text=True)
    assert case.number in home and "办结超期" in home


def test_the_case_list_filters_and_the_statistics_count_by_step(client, tree):
    late_feedback = _case(tree, title="反馈超期")
    act(late_feedback, tree.users["village_admin"], "assign", assignee=tree.users["grid_worker"])
    late_feedback.feedback_due = local_today() - timedelta(days=1)
    late_feedback.resolve_due = local_today() + timedelta(days=5)
    in_time = _case(tree, title="按时反馈")
    db.session.commit()
    client.login("village_admin")
    listed = client.get("/cases/?step=feedback&light=red").get_data(as_text=True)
    assert "反馈超期" in listed and "按时反馈" not in listed
    assert "程序性反馈期限" in listed  # the row names the step that is late
    pending = client.get("/cases/?step=assign").get_data(as_text=True)
    assert "按时反馈" in pending and "反馈超期" not in pending  # only one is still to assign
    stats = client.get("/cases/stats").get_data(as_text=True)
    row = stats.split('id="by-step"')[1].split("</table>")[0]
    feedback_row = row.split("程序性反馈")[1].split("</tr>")[0]
    numbers = [int(n) for n in __import__("re").findall(r'class="num">(\d+)<', feedback_row)]
    assert numbers == [0, 0, 2, 1]  # none done, both pending, one of them overdue
    assert in_time.id  # listed above


# ---------------------------------------------------------------- calendars that heal


@pytest.fixture
def without_2027(app):
    db.session.execute(db.delete(CalendarYear).where(CalendarYear.year == 2027))
    db.session.commit()


def test_entering_next_year_heals_the_cases_counted_on_weekends_only(client, tree,
                                                                     without_2027):
    case = _case(tree)
    _received_on(case, date(2026, 12, 31))  # Thursday; 1 January 2027 is a holiday
    assert case.assign_due == date(2027, 1, 1) and case.calendar_warning == "missing:2027"
    closed = _case(tree, title="已办结的")
    _received_on(closed, date(2026, 12, 31))
    act(closed, tree.users["village_admin"], "assign", assignee=tree.users["grid_worker"])
    act(closed, tree.users["grid_worker"], "resolve", "好了")
    db.session.commit()
    client.login("county_admin")
    page = client.post("/admin/calendar", data={
        "year": "2027", "holidays": "2027-01-01 元旦", "workdays": ""}, follow_redirects=True)
    assert "1 个未办结事件的期限已按新日历重新计算" in page.get_data(as_text=True)
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.assign_due == date(2027, 1, 4) and case.calendar_warning is None
    assert db.session.get(Case, closed.id).calendar_warning == "missing:2027"  # left as it was
    from portal.audit.models import AuditEntry

    entry = db.session.scalar(db.select(AuditEntry).filter_by(
        action="case.deadlines_recounted", object_id=str(case.id)))
    assert entry is not None and "2027-01-01" in entry.detail and "2027-01-04" in entry.detail
    client.login("village_admin")
    assert "尚未录入" not in client.get(f"/cases/{case.id}").get_data(as_text=True)


def test_a_library_update_heals_too(tree, without_2027, monkeypatch):
    case = _case(tree)
    _received_on(case, date(2026, 12, 31))
    db.session.commit()
    from chinese_calendar import constants

    monkeypatch.setitem(constants.holidays, date(2027, 1, 1), "New Year's Day")
    from portal.cases.calendar import seed_from_library

    assert seed_from_library() == (1, 1)
    assert case.assign_due == date(2027, 1, 4) and case.calendar_warning is None


def test_set_year_heals_only_the_years_it_entered(tree, without_2027):
    case = _case(tree)
    _received_on(case, date(2026, 12, 31))
    assert set_year(2028, {date(2028, 1, 1): "元旦"}, {}, "test") == 0
    assert case.calendar_warning == "missing:2027"


# ---------------------------------------------------------------- hours for emergencies


def test_a_town_counts_an_emergency_in_hours(tree):
    set_setting(tree.town_a, "cases.deadlines", {"emergency_assign_hours": 2,
                                                 "emergency_resolve_hours": 24})
    case = _case(tree, kind="emergency", title="山体滑坡")
    received = case.created_at
    assert case.assign_due_at == received + timedelta(hours=2)
    assert case.resolve_due_at == received + timedelta(hours=24)
    assert case.feedback_due_at is None  # 0: working days, as for any case
    assert deadlines.step_light(case, "assign", now=received + timedelta(minutes=30)) == "green"
    assert deadlines.step_light(case, "assign", now=received + timedelta(minutes=90)) == "yellow"
    assert deadlines.step_light(case, "assign", now=received + timedelta(hours=3)) == "red"
    general = _case(tree, title="普通事件")
    assert general.assign_due_at is None  # hours are for emergencies only


def test_an_emergency_not_assigned_within_its_hours_is_red_everywhere(tree, client):
    set_setting(tree.town_a, "cases.deadlines", {"emergency_assign_hours": 2})
    case = _case(tree, kind="emergency", title="山体滑坡")
    case.created_at = utcnow() - timedelta(hours=3)
    case.assign_due_at = case.created_at + timedelta(hours=2)
    db.session.commit()
    assert deadlines.light(case) == "red"
    assert case.id in set(db.session.scalars(db.select(Case.id).where(light_condition("red"))))
    assert sweep()["raised"] == 1
    db.session.commit()
    assert _notices(case)[0].step == "assign"
    client.login("town_admin")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f"{deadlines.local_date(case.assign_due_at):%Y-%m-%d}" in page  # shown with its time


def test_the_rules_page_explains_time_of_day_and_takes_hours(client, tree):
    client.login("town_admin")
    page = client.get("/cases/rules/").get_data(as_text=True)
    assert "24时" in page and "紧急事件按小时计时" in page
    form = {"assign": 1, "feedback": 3, "resolve": 7, "major_months": 1, "yellow_days": 1,
            "categories": ["hazard"], "emergency_assign_hours": 2,
            "emergency_feedback_hours": 1, "emergency_resolve_hours": 24}
    refused = client.post("/cases/rules/", data=form)
    assert refused.status_code == 422 and "不能早于前一环节的时限" in refused.get_data(as_text=True)
    assert client.post("/cases/rules/", data={**form, "emergency_feedback_hours": 4}
                       ).status_code == 302
    assert deadlines.rules_for(tree.grid_a1)["emergency_assign_hours"] == 2


def test_an_open_emergency_heads_the_dispatchers_home_page(tree, client):
    set_setting(tree.town_a, "cases.deadlines", {"emergency_assign_hours": 2})
    case = _case(tree, kind="emergency", title="山体滑坡")
    client.login("town_admin")
    home = client.get("/").get_data(as_text=True)
    assert 'id="emergencies"' in home and "山体滑坡" in home and "交办期限" in home
    client.logout()
    client.login("b_town_admin")  # another town's dispatcher does not see it
    assert "山体滑坡" not in client.get("/").get_data(as_text=True)
    act(case, tree.users["town_admin"], "assign", assignee=tree.users["grid_worker"])
    act(case, tree.users["grid_worker"], "resolve", "已疏散并设置警示")
    db.session.commit()
    client.logout()
    client.login("town_admin")
    home = client.get("/").get_data(as_text=True)
    assert 'id="emergencies"' not in home  # resolved: no longer an emergency at the top
    assert "山体滑坡" in home[home.index('id="today-to_close"'):]  # but the town closes it
