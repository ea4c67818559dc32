"""The rules of the loop: working days, the 13710 deadlines, the lights, every transition."""
from datetime import date, datetime

import pytest

from portal.cases import deadlines
from portal.cases.calendar import WorkCalendar, add_months, set_year
from portal.cases.models import CalendarYear
from portal.cases.services import act, report, sweep
from portal.cases.workflow import ACTIONS, STATES, available, may
from portal.departments.services import DEPARTMENT_ACTIONS
from portal.errors import DomainError
from portal.extensions import db


@pytest.fixture
def cal(app):
    return WorkCalendar(2024, 2027)


# ---------------------------------------------------------------- working days


def test_national_day_and_its_make_up_saturday(cal):
    # 2025: 1-8 October off; Sunday 28 September and Saturday 11 October are working days
    assert not cal.is_working_day(date(2025, 10, 1))
    assert not cal.is_working_day(date(2025, 10, 8))
    assert cal.is_working_day(date(2025, 9, 28))  # a Sunday
    assert cal.is_working_day(date(2025, 10, 11))  # a Saturday
    # received on the last day before the holiday: one working day later is 9 October
    assert cal.add_working_days(date(2025, 9, 30), 1) == date(2025, 10, 9)
    # seven working days from 30 September: 9, 10, 11 (Sat, make-up), 13, 14, 15, 16 October
    assert cal.add_working_days(date(2025, 9, 30), 7) == date(2025, 10, 16)


def test_spring_festival(cal):
    # 2026: 15-23 February off; Saturday 14 and Saturday 28 February are working days
    assert cal.is_working_day(date(2026, 2, 14))
    assert not cal.is_working_day(date(2026, 2, 16))
    assert cal.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert cal.add_working_days(date(2026, 2, 14), 1) == date(2026, 2, 24)
    assert cal.add_working_days(date(2026, 2, 14), 3) == date(2026, 2, 26)
    assert cal.working_days_between(date(2026, 2, 14), date(2026, 2, 28)) == 5


def test_a_missing_year_counts_weekends_only_and_says_so(app):
    cal = WorkCalendar(2026, 2027)
    assert cal.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 1)  # Friday: no 元旦 known
    assert cal.missing == {2027}


def test_a_county_admin_can_enter_next_years_schedule(app):
    set_year(2027, {date(2027, 1, 1): "元旦"}, {}, "entered by county")
    db.session.commit()
    cal = WorkCalendar(2026, 2027)
    assert cal.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)
    assert not cal.missing
    with pytest.raises(ValueError):
        set_year(2028, {date(2027, 5, 1): "劳动节"}, {}, "typo")


def test_add_months():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)


# ---------------------------------------------------------------- deadlines and lights


def _case(tree, **kw):
    fields = dict(category="dispute", title="邻里纠纷", description="为宅基地边界争吵",
                  source="patrol", reporter=tree.users["grid_worker"])
    fields.update(kw)
    return report(tree.grid_a1, **fields)


def _received_on(case, day):
    """Pretend the case came in on ``day`` (noon in China)."""
    case.created_at = datetime(day.year, day.month, day.day, 4, 0)
    deadlines.set_deadlines(case, day)


def test_13710_deadlines(tree):
    case = _case(tree)
    _received_on(case, date(2025, 9, 30))
    assert case.assign_due == date(2025, 10, 9)
    assert case.feedback_due == date(2025, 10, 11)
    assert case.resolve_due == date(2025, 10, 16)
    major = _case(tree, major=True)
    _received_on(major, date(2025, 9, 30))
    assert major.resolve_due == date(2025, 10, 30)


def test_towns_set_their_own_deadlines(tree):
    from portal.settings import set_setting

    set_setting(tree.town_a, "cases.deadlines", {"resolve": 3})
    case = _case(tree)
    _received_on(case, date(2026, 3, 2))  # a Monday
    assert case.resolve_due == date(2026, 3, 5)


def test_lights(tree):
    case = _case(tree)
    _received_on(case, date(2026, 3, 2))  # Monday; assign due Tuesday 3 March
    assert deadlines.light(case, date(2026, 3, 2)) == "green"
    assert deadlines.light(case, date(2026, 3, 3)) == "yellow"  # the last working day
    assert deadlines.light(case, date(2026, 3, 4)) == "red"
    act(case, tree.users["village_admin"], "assign", assignee=tree.users["grid_worker"])
    assert case.resolve_due == date(2026, 3, 11)
    assert deadlines.light(case, date(2026, 3, 4)) == "green"
    # no procedural feedback yet: its deadline (Thursday 5 March) decides the light
    assert deadlines.light(case, date(2026, 3, 5)) == "yellow"
    assert deadlines.light(case, date(2026, 3, 6)) == "red"
    act(case, tree.users["grid_worker"], "feedback", "已联系双方")
    assert deadlines.light(case, date(2026, 3, 6)) == "green"
    assert deadlines.light(case, date(2026, 3, 11)) == "yellow"
    assert deadlines.light(case, date(2026, 3, 12)) == "red"
    act(case, tree.users["grid_worker"], "resolve", "已调解")
    case.resolved_at = datetime(2026, 3, 12, 2, 0)
    assert deadlines.light(case, date(2026, 4, 1)) == "red"  # resolved, but late
    case.resolved_at = datetime(2026, 3, 11, 2, 0)
    assert deadlines.light(case, date(2026, 4, 1)) == "green"


def test_a_case_counted_without_the_calendar_carries_a_warning(tree):
    db.session.delete(db.session.get(CalendarYear, 2026))
    case = _case(tree)
    _received_on(case, date(2026, 12, 30))
    assert case.calendar_warning and "2026" in case.calendar_warning


# ---------------------------------------------------------------- transitions

#: (action, state it starts from, who, allowed?)
TRANSITIONS = [
    ("assign", "received", "village_admin", True),
    ("assign", "received", "grid_worker", False),
    ("assign", "in_progress", "village_admin", False),
    ("start", "assigned", "grid_worker", True),
    ("start", "received", "grid_worker", False),
    ("start", "assigned", "resident", False),
    ("escalate", "received", "grid_worker", True),
    ("escalate", "resolved", "grid_worker", False),
    ("resolve", "in_progress", "grid_worker", True),
    ("resolve", "received", "grid_worker", False),
    ("close", "resolved", "village_admin", True),
    ("close", "resolved", "grid_worker", False),
    ("evaluate", "closed", "grid_worker", True),
    ("evaluate", "resolved", "grid_worker", False),
    ("reopen", "evaluated", "village_admin", True),
    ("reopen", "in_progress", "village_admin", False),
    ("duplicate", "received", "town_admin", True),
    ("duplicate", "closed", "town_admin", False),
    ("feedback", "in_progress", "grid_worker", True),
    ("feedback", "closed", "grid_worker", False),
    # a department's steps: allowed to its staff only (tests/test_departments.py)
    ("return", "assigned", "grid_worker", False),
    ("assist", "received", "grid_worker", False),
    ("assist_answer", "in_progress", "grid_worker", False),
]


def test_every_action_is_in_the_table():
    assert {t[0] for t in TRANSITIONS} == set(ACTIONS)
    for action in ACTIONS.values():
        assert set(action.sources) <= set(STATES)


@pytest.mark.parametrize("action,state,who,allowed", TRANSITIONS)
def test_transition(tree, action, state, who, allowed):
    case = _case(tree)
    case.state = state
    user = tree.users[who]
    assert may(user, case, action) is allowed
    if not allowed:
        with pytest.raises(DomainError):
            act(case, user, action, "说明")
        assert case.state == state


def test_another_town_may_do_nothing(tree):
    case = _case(tree)
    assert available(tree.users["b_town_admin"], case) == []


def test_levels_go_up_and_only_the_right_level_dispatches(tree):
    case = _case(tree)
    act(case, tree.users["grid_worker"], "escalate", "需要村里协调")
    assert case.level == "village" and case.state == "escalated"
    assert not may(tree.users["grid_worker"], case, "escalate")  # it is above the grid now
    act(case, tree.users["village_admin"], "escalate", "涉及土地，报镇里")
    assert case.level == "town"
    assert not may(tree.users["village_admin"], case, "assign")
    act(case, tree.users["town_admin"], "assign", department=tree.departments["justice_a"])
    assert case.state == "assigned" and case.department.name == "司法所"
    case.level = "county"
    case.state = "in_progress"
    assert not may(tree.users["county_admin"], case, "escalate")  # nowhere further up


def test_the_whole_loop_with_timeline_and_events(tree):
    from tests.fixture_plugins import example

    from portal.modules.services import set_module

    set_module(tree.town_a, "example", True)
    example.EVENTS.clear()
    case = report(tree.grid_a1, category="hazard", title="路灯不亮", description="村口路灯坏了",
                  source="resident", reporter=tree.users["resident"])
    act(case, tree.users["village_admin"], "assign", assignee=tree.users["grid_worker"])
    act(case, tree.users["grid_worker"], "start")
    act(case, tree.users["grid_worker"], "feedback", "已联系电工，明天修")
    act(case, tree.users["grid_worker"], "resolve", "路灯已修好")
    act(case, tree.users["village_admin"], "close", "已电话告知报告人")
    with pytest.raises(DomainError):
        act(case, tree.users["resident"], "evaluate", "好")  # no score
    act(case, tree.users["resident"], "evaluate", "很快", satisfaction=5)
    assert case.state == "evaluated" and case.satisfaction == 5
    act(case, tree.users["resident"], "reopen", "又不亮了")
    assert case.state == "in_progress" and case.resolved_at is None
    db.session.flush()
    assert [e.action for e in case.events] == ["report", "assign", "start", "feedback", "resolve",
                                              "close", "evaluate", "reopen"]
    assert case.events[3].to_state == "in_progress" and case.feedback_at is not None
    changes = [e["new"] for name, e in example.EVENTS if name == "case_state_changed"]
    assert changes == ["assigned", "in_progress", "resolved", "closed", "evaluated", "in_progress"]
    assert [name for name, _ in example.EVENTS].count("case_created") == 1


def test_handled_on_the_spot_in_one_step(tree):
    case = _case(tree, handled_on_the_spot="当场劝解，双方和好")
    assert case.state == "resolved" and case.resolved_at is not None
    assert [e.action for e in case.events] == ["report", "resolve"]
    with pytest.raises(DomainError):
        _case(tree, kind="coordination", handled_on_the_spot="x")


def test_emergencies_go_to_the_town_at_once(tree):
    assert _case(tree, kind="emergency").level == "town"


def test_duplicates_follow_the_original(tree):
    first, second, third = _case(tree), _case(tree), _case(tree)
    act(second, tree.users["town_admin"], "duplicate", "同一件事", duplicate_of=first)
    act(third, tree.users["town_admin"], "duplicate", "同一件事", duplicate_of=second)
    assert third.duplicate_of_id == first.id and third.state == "duplicate"
    with pytest.raises(DomainError):
        act(first, tree.users["town_admin"], "duplicate", "自己", duplicate_of=first)


def test_report_validation(tree):
    with pytest.raises(DomainError) as error:
        report(tree.village_a1, category="dispute", title="x", description="y", source="patrol",
               reporter=tree.users["grid_worker"])
    assert error.value.field == "grid"
    with pytest.raises(DomainError) as error:
        report(tree.grid_a1, category="dispute", title="x", description="y", source="public")
    assert error.value.field == "reporter_phone"
    with pytest.raises(DomainError) as error:
        _case(tree, category="nonsense")
    assert error.value.field == "category"


def test_sweep_raises_supervision_once_and_settles_it(tree):
    from portal.cases.models import SupervisionNotice

    case = _case(tree)
    _received_on(case, date(2026, 3, 2))
    assert sweep(date(2026, 3, 3)) == {"raised": 0, "settled": 0}
    assert sweep(date(2026, 3, 4)) == {"raised": 1, "settled": 0}
    assert sweep(date(2026, 3, 5)) == {"raised": 0, "settled": 0}
    notice = db.session.scalar(db.select(SupervisionNotice))
    assert notice.case_id == case.id and notice.level == "grid"
    act(case, tree.users["village_admin"], "assign", assignee=tree.users["grid_worker"])
    act(case, tree.users["grid_worker"], "resolve", "办好了")
    assert sweep(date(2026, 3, 6)) == {"raised": 0, "settled": 1}


def _led_and_helped_by_the_department(tree, case):
    """The case led by the county's 民政局 and asked for its help: its staff may take each of
    the department's steps wherever the table allows."""
    from portal.departments.models import CaseAssist

    case.department = tree.departments["county"]
    db.session.add(CaseAssist(case_id=case.id, department_id=case.department.id, note="请协办"))
    db.session.flush()
    return tree.users["dept_staff"]


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_every_state_for_every_action(tree, action):
    """With a role that holds the action's permission at every level, the table alone decides."""
    case = _case(tree)
    case.level = "village"
    user = tree.users["county_admin"]
    if action in DEPARTMENT_ACTIONS:  # a department's own steps: its staff, on its case
        user = _led_and_helped_by_the_department(tree, case)
    for state in STATES:
        case.state = state
        expected = state in ACTIONS[action].sources
        if action == "escalate":
            expected = expected and case.level != "county"
        assert may(user, case, action) is expected, (action, state)

