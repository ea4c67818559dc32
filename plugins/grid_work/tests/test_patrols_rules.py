"""Patrols, checkpoints and the 民情日志 against hand counts: one patrol under way at a time, a
point needs something, a found problem files exactly one case where the worker was, the log
gathers exactly the worker's day, closing freezes it, the week sums its days."""
import json
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from plugins.grid_work.patrols import log, services
from plugins.grid_work.patrols.models import GridWorkPatrol, GridWorkPatrolPoint
from portal.cases.models import Case, CaseEvent
from portal.errors import DomainError
from portal.extensions import db
from portal.modules.services import set_module
from portal.people.models import Visit
from portal.timeutil import local_today, to_utc


@pytest.fixture
def on(app, tree):
    set_module(tree.town_a, "grid_work", True)
    db.session.commit()
    return tree


def test_one_patrol_under_way_and_a_second_start_returns_to_it(on):
    worker = on.users["grid_worker"]
    patrol, started = services.start(worker)
    again, started_again = services.start(worker)
    assert started and not started_again and again.id == patrol.id
    assert patrol.grid_id == on.grid_a1.id and patrol.day == local_today()
    services.add_point(patrol, worker, latitude=28.68, longitude=112.88)
    services.add_point(patrol, worker, note="路灯不亮")
    with pytest.raises(DomainError):
        services.add_point(patrol, worker)  # nothing at all
    with pytest.raises(DomainError):
        services.add_point(patrol, worker, latitude=28.68)  # half a position
    with pytest.raises(DomainError):
        services.end(patrol, worker, "  ")
    services.end(patrol, worker, "一切正常")
    assert patrol.ended_at is not None and len(patrol.points) == 2
    with pytest.raises(DomainError):
        services.add_point(patrol, worker, note="结束以后")
    later, started = services.start(worker)
    assert started and later.id != patrol.id


def test_an_admin_cannot_patrol(on):
    with pytest.raises(DomainError):
        services.start(on.users["village_admin"])


def test_a_found_problem_files_one_case_at_the_last_location(on):
    worker = on.users["grid_worker"]
    patrol, _ = services.start(worker)
    services.add_point(patrol, worker, latitude=28.6801, longitude=112.8802)
    services.add_point(patrol, worker, note="没有定位的点")
    before = db.session.scalar(select(func.count(Case.id)))
    case = services.found_problem(patrol, worker, title="井盖缺失", category="hazard")
    db.session.commit()
    assert db.session.scalar(select(func.count(Case.id))) == before + 1
    assert (case.latitude, case.longitude) == (28.6801, 112.8802)
    assert case.grid_id == on.grid_a1.id and case.source == "patrol"
    assert case.reporter_id == worker.id and case.description == "井盖缺失"
    linked = db.session.scalars(select(GridWorkPatrolPoint).filter_by(case_id=case.id)).all()
    assert len(linked) == 1 and linked[0].patrol_id == patrol.id
    # the phone's own position wins over the patrol's last one
    other = services.found_problem(patrol, worker, title="树枝挡路", category="hazard",
                                   latitude=28.7, longitude=112.9)
    assert (other.latitude, other.longitude) == (28.7, 112.9)


def test_scanning_checkpoints(on):
    worker = on.users["grid_worker"]
    here = services.add_checkpoint(on.grid_a1, "石桥")
    there = services.add_checkpoint(on.grid_a2, "水塘")
    patrol, _ = services.start(worker)
    first = services.scan(here, worker, patrol)
    assert services.scan(here, worker, patrol).id == first.id  # scanned twice: one point
    with pytest.raises(DomainError, match="不在您负责的网格"):
        services.scan(there, worker, patrol)
    services.retire_checkpoint(here)
    with pytest.raises(DomainError, match="撤下"):
        services.scan(here, worker, patrol)
    assert len(here.token) >= 20 and here.token != there.token


def _day(day, hour=10):
    return to_utc(datetime.combine(day, time(hour, 0)))


def test_the_log_gathers_exactly_the_workers_day(on):
    """A hand-made day: 2 visits, 2 cases reported (one an errand), 1 step on a case, 1 patrol
    with 2 points of which 1 found a case; another worker's records and the day before's don't
    count."""
    from portal.auth.services import create_user
    from portal.cases.services import report

    worker = on.users["grid_worker"]
    colleague = create_user(username="colleague", password="secret123", role="grid_worker",
                            scope=on.grid_a2)
    day = local_today() - timedelta(days=3)
    before = day - timedelta(days=1)
    for who, when in ((worker, day), (worker, day), (worker, before), (colleague, day)):
        db.session.add(Visit(household_id=on.household_a.id, grid_id=on.grid_a1.id,
                             user_id=who.id, visited_on=when, found="走访"))
    cases = []
    for who, when, category in ((worker, day, "hazard"), (worker, day, "proxy_service"),
                                (worker, before, "hazard"), (colleague, day, "hazard")):
        case = report(on.grid_a1, category=category, title="事件", description="经过",
                      source="patrol", reporter=who)
        case.created_at = _day(when)
        cases.append(case)
    db.session.flush()
    db.session.query(CaseEvent).update({CaseEvent.at: _day(before)})  # reports: not steps
    # a step the worker took that day on the day before's case
    db.session.add(CaseEvent(case_id=cases[2].id, user_id=worker.id, action="feedback",
                             from_state="received", to_state="received", at=_day(day, 15)))
    patrol = GridWorkPatrol(worker_id=worker.id, grid_id=on.grid_a1.id, day=day,
                            started_at=_day(day, 8), ended_at=_day(day, 9))
    old = GridWorkPatrol(worker_id=worker.id, grid_id=on.grid_a1.id, day=before,
                         started_at=_day(before, 8), ended_at=_day(before, 9))
    db.session.add_all([patrol, old])
    db.session.flush()
    db.session.add_all([
        GridWorkPatrolPoint(patrol_id=patrol.id, at=_day(day, 8), note="点一"),
        GridWorkPatrolPoint(patrol_id=patrol.id, at=_day(day, 8), case_id=cases[0].id),
        GridWorkPatrolPoint(patrol_id=old.id, at=_day(before, 8), note="昨天的点")])
    db.session.commit()

    figures = log.gather(worker, day)["figures"]
    assert figures == {"visits": 2, "cases": 2, "actions": 1, "patrols": 1, "points": 2,
                       "found": 1, "errands": 1}
    assert log.gather(colleague, day)["figures"]["visits"] == 1

    # 日清 freezes it: a visit added later to that day changes the gathering, not the day
    log.save_notes(worker, day, "下午协助防汛")
    log.close(worker, day)
    db.session.add(Visit(household_id=on.household_a.id, grid_id=on.grid_a1.id,
                         user_id=worker.id, visited_on=day, found="补录"))
    db.session.commit()
    shown = log.day_of(worker, day)
    assert shown.closed and shown.figures["visits"] == 2 and shown.notes == "下午协助防汛"
    assert log.gather(worker, day)["figures"]["visits"] == 3
    assert json.loads(log.record_of(worker, day).summary)["figures"]["visits"] == 2
    with pytest.raises(DomainError):
        log.save_notes(worker, day, "改记事")
    with pytest.raises(DomainError):
        log.close(worker, day)
    with pytest.raises(DomainError):
        log.save_notes(worker, local_today() + timedelta(days=1), "明天")


def test_the_week_sums_its_days_and_lists_what_is_open(on):
    from portal.cases.services import report

    worker = on.users["grid_worker"]
    today = local_today()
    monday = log.monday_of(today - timedelta(days=7))  # last week: all seven days are past
    for offset, count in ((0, 2), (2, 1), (6, 3)):
        for _n in range(count):
            db.session.add(Visit(household_id=on.household_a.id, grid_id=on.grid_a1.id,
                                 user_id=worker.id, visited_on=monday + timedelta(days=offset),
                                 found="走访"))
    db.session.add(Visit(household_id=on.household_a.id, grid_id=on.grid_a1.id,
                         user_id=worker.id, visited_on=monday - timedelta(days=1), found="上周"))
    open_case = report(on.grid_a1, category="hazard", title="未办结的事件", description="经过",
                       source="patrol", reporter=worker)
    on.household_a2.visit_due_on = today - timedelta(days=3)
    db.session.commit()
    log.close(worker, monday + timedelta(days=2))
    db.session.commit()
    week = log.week_of(worker, monday + timedelta(days=4))
    assert week.monday == monday and len(week.days) == 7
    assert week.sums["visits"] == 6
    assert [d.closed for d in week.days] == [False, False, True, False, False, False, False]
    assert open_case in week.open_cases
    assert on.household_a2 in week.overdue and on.household_a not in week.overdue
