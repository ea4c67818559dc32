"""Every measure of the assessment against a hand count, on a hand-made first quarter of 2025
(whole, in the past) for town A's grid worker (grid A1): patrols, leave, visits, cases, ratings,
meetings, credits, five-small rewards and recorded entries."""
from datetime import date, datetime

import pytest

from plugins.grid_work.assessment import scoring, services
from plugins.grid_work.assessment.models import GridWorkReward
from plugins.grid_work.duty.models import (GridWorkAttendance, GridWorkLeave, GridWorkMeeting,
                                           GridWorkTraining, GridWorkTrainingAttendee)
from plugins.grid_work.patrols.models import GridWorkPatrol
from portal.auth.services import create_user
from portal.cases.services import report
from portal.extensions import db
from portal.modules.services import set_module
from portal.people.models import Visit

D = date


def at(day: date, hour: int = 2) -> datetime:
    """A UTC moment on ``day`` (10:00 in Shanghai)."""
    return datetime(day.year, day.month, day.day, hour)


def _case(tree, reporter, created, *, resolved=None, due=None, stars=None, state=None):
    case = report(tree.grid_a1, category="hazard", title="井盖松动", description="巡查发现",
                  source="patrol", reporter=reporter, reporter_phone="13800001111")
    case.created_at = at(created)
    if resolved:
        case.resolved_at, case.resolve_due, case.state = at(resolved), due, "resolved"
    case.satisfaction = stars
    if state:
        case.state = state
    return case


@pytest.fixture
def quarter(app, tree):
    """Town A's 2025 Q1 scheme (visits 20, patrol 20, reported 15 of 10, on time 10,
    satisfaction 10, meetings 10, training 5, five-small 5 of 3, positive cap 5, negative cap 20)
    and the worker's quarter as counted by hand in each test."""
    set_module(tree.town_a, "grid_work", True)
    worker, admin = tree.users["grid_worker"], tree.users["town_admin"]
    scheme = services.create_scheme(tree.town_a, year=2025, quarter=1, actor=admin)
    items = {i.measure or i.kind: i for i in scheme.items}
    values = {i.id: {"label": i.label, "weight": i.weight, "cap": i.cap, "target": i.target}
              for i in scheme.items}
    values[items["visits_on_time"].id]["weight"] = 20
    values[items["five_small"].id]["weight"] = 5
    services.save_items(scheme, values, actor=admin)

    # patrols: 10 distinct days (two patrols on 6 January count once), one in April
    days = [D(2025, 1, d) for d in (6, 7, 8)] + [D(2025, 2, d) for d in (3, 4, 5, 6)] + \
        [D(2025, 3, d) for d in (3, 4, 17)]
    for day in [*days, D(2025, 1, 6), D(2025, 4, 1)]:
        db.session.add(GridWorkPatrol(worker_id=worker.id, grid_id=tree.grid_a1.id, day=day,
                                      started_at=at(day)))
    # leave: approved 10–14 March (five working days); pending and rejected ones count nothing
    for starts, ends, state in ((D(2025, 3, 10), D(2025, 3, 14), "approved"),
                                (D(2025, 2, 10), D(2025, 2, 14), "pending"),
                                (D(2025, 1, 13), D(2025, 1, 17), "rejected")):
        db.session.add(GridWorkLeave(worker_id=worker.id, grid_id=tree.grid_a1.id,
                                     starts_on=starts, ends_on=ends, reason="事假", state=state))
    # households of grid A1, registered in 2024: 张三丰's (yellow, cared for: every 15 days),
    # visited 2024-12-25, then 8 Jan, 1 Feb (late), 10 Feb; 王小明's (every 182 days), never
    tree.household_a.created_at = tree.household_a2.created_at = at(D(2024, 1, 1))
    for day in (D(2024, 12, 25), D(2025, 1, 8), D(2025, 2, 1), D(2025, 2, 10)):
        db.session.add(Visit(household_id=tree.household_a.id, grid_id=tree.grid_a1.id,
                             user_id=worker.id, visited_on=day, found="走访"))
    # cases of grid A1
    cases = [
        _case(tree, worker, D(2025, 1, 10), resolved=D(2025, 1, 15), due=D(2025, 1, 20), stars=5),
        _case(tree, worker, D(2025, 2, 1), resolved=D(2025, 2, 20), due=D(2025, 2, 10), stars=3),
        _case(tree, worker, D(2025, 2, 5), state="duplicate"),
        _case(tree, None, D(2025, 2, 20), resolved=D(2025, 3, 1), due=D(2025, 3, 5)),
        _case(tree, worker, D(2024, 12, 30), resolved=D(2025, 1, 5), due=D(2025, 1, 4), stars=4),
    ]
    # meetings of 城西社区: present, absent, absent on leave, excused, called off, in April
    for held, status, cancelled in ((D(2025, 1, 20), "present", False),
                                    (D(2025, 2, 17), "absent", False),
                                    (D(2025, 3, 11), "absent", False),
                                    (D(2025, 3, 17), "excused", False),
                                    (D(2025, 3, 20), "absent", True),
                                    (D(2025, 4, 2), "absent", False)):
        meeting = GridWorkMeeting(node_id=tree.village_a1.id, title="例会", held_on=held,
                                  checkin_token=f"t{held.isoformat()}",
                                  cancelled_at=at(held) if cancelled else None)
        db.session.add(meeting)
        db.session.flush()
        db.session.add(GridWorkAttendance(meeting_id=meeting.id, worker_id=worker.id,
                                          status=status))
    # trainings: 1.5 credits in February; June's and last year's are outside
    for held, tenths in ((D(2025, 2, 1), 15), (D(2025, 6, 1), 10), (D(2024, 11, 1), 10)):
        training = GridWorkTraining(node_id=tree.town_a.id, title="培训", held_on=held,
                                    credit_tenths=tenths)
        db.session.add(training)
        db.session.flush()
        db.session.add(GridWorkTrainingAttendee(training_id=training.id, worker_id=worker.id))
    # five-small rewards: January and February count, April's does not
    for case, month in ((cases[0], D(2025, 1, 1)), (cases[1], D(2025, 2, 1)),
                        (cases[3], D(2025, 4, 1))):
        db.session.add(GridWorkReward(case_id=case.id, worker_id=worker.id,
                                      grid_id=tree.grid_a1.id, month=month, amount=25))
    # recorded: +3 +4 (and +5 withdrawn) against a cap of 5; −10 −15 against a cap of 20
    for item, points, day in ((items["positive"], 3, D(2025, 1, 20)),
                              (items["positive"], 4, D(2025, 2, 20)),
                              (items["negative"], 10, D(2025, 2, 21)),
                              (items["negative"], 15, D(2025, 3, 21))):
        services.add_entry(item, worker, points=points, reason="记录", happened_on=day,
                           actor=admin)
    gone = services.add_entry(items["positive"], worker, points=5, reason="撤销的",
                              happened_on=D(2025, 3, 1), actor=admin)
    services.withdraw_entry(gone, actor=admin)
    db.session.commit()
    return scheme, items, worker


def _row(scheme, worker):
    return next(r for r in scoring.live_rows(scheme) if r.worker_id == worker.id)


def _item(row, items, key):
    return row.item(items[key].id)


def test_each_measure_gives_the_hand_counted_figure_and_points(quarter):
    scheme, items, worker = quarter
    row = _row(scheme, worker)
    expected = {
        # 10 days; owed 22 × 3 months − 5 working days of approved leave = 61; 20 × 10/61
        "patrol_days": (10, 61, 33),
        # 张三丰's: due 9 Jan (visited 8th), 23 Jan (missed: late on 1 Feb), 16 Feb (visited
        # 10th), 25 Feb (missed), 12 Mar (on leave: not counted), 27 Mar (missed) → 2 of 5;
        # 王小明's: overdue since July, due on 1 Jan, missed → 2 of 6; 20 × 2/6
        "visits_on_time": (2, 6, 67),
        # two reported (the duplicate and last year's left out), target 10; 15 × 2/10
        "cases_reported": (2, 10, 30),
        # four resolved in the quarter, two by their deadline; 10 × 2/4
        "cases_on_time": (2, 4, 50),
        # three rated, two satisfied (5 and 4); 10 × 2/3
        "satisfaction": (2, 3, 67),
        # four meetings held, two excused (one on leave), one attended; 10 × 1/2
        "meetings": (1, 2, 50),
        # 1.5 credits of 2; 5 × 15/20 = 3.75
        "training": (15, 20, 38),
        # two rewards in the quarter, target 3; 5 × 2/3
        "five_small": (2, 3, 33),
    }
    for key, (done, owed, points) in expected.items():
        score = _item(row, items, key)
        assert (score.done, score.owed, score.points) == (done, owed, points), key
    assert _item(row, items, "patrol_days").leave == 5


def test_recorded_items_are_capped_and_withdrawn_entries_do_not_count(quarter):
    scheme, items, worker = quarter
    row = _row(scheme, worker)
    positive, negative = _item(row, items, "positive"), _item(row, items, "negative")
    assert (positive.done, positive.entries, positive.points) == (7, 2, 50)
    assert (negative.done, negative.entries, negative.points) == (-25, 2, -200)
    # 33 + 67 + 30 + 50 + 67 + 50 + 38 + 33 + 50 − 200
    assert row.total == 218
    assert row.subsidy == 600  # below 70: the lowest band


def test_a_worker_without_cases_gets_the_towns_average(quarter, tree):
    scheme, items, worker = quarter
    quiet = create_user(username="quiet", password="secret123", role="grid_worker",
                        scope=tree.grid_a2, display_name="安静")
    db.session.commit()
    row = _row(scheme, quiet)
    on_time, liked = _item(row, items, "cases_on_time"), _item(row, items, "satisfaction")
    assert on_time.averaged and on_time.points == 50  # the only worker with cases: 2/4
    assert liked.averaged and liked.points == 67  # and 2/3
    # nothing owed: full marks (no household due in grid A2, no meeting)
    assert _item(row, items, "visits_on_time").points == 200
    assert _item(row, items, "meetings").points == 100


def test_a_period_still_running_owes_patrol_days_pro_rata():
    from plugins.grid_work.assessment.measures import months_in

    assert months_in(D(2025, 1, 1), D(2025, 3, 31)) == pytest.approx(3)
    assert months_in(D(2025, 1, 1), D(2025, 2, 14)) == pytest.approx(1 + 14 / 28)


def test_bands_read_as_a_finance_office_reads_them():
    from plugins.grid_work.assessment.texts import band

    bands = [{"min": 90, "amount": 1500}, {"min": 80, "amount": 1200},
             {"min": 70, "amount": 900}, {"min": 0, "amount": 600}]
    assert [band(b, bands) for b in bands] == ["90分及以上", "80–89分", "70–79分", "70分以下"]
    assert band(None, bands) == "未达档"
    assert band({"min": 60, "amount": 300}, [{"min": 60, "amount": 300}]) == "60分及以上"
