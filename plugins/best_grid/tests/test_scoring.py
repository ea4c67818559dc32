"""Scores from a known fixture counted by hand, weights, ties, adjustments, publish-freeze, the
red flag."""
from datetime import date

import pytest
from sqlalchemy import select

from plugins.best_grid import scoring, services
from plugins.best_grid.models import BestGridFlag
from portal.errors import DomainError
from portal.extensions import db

from .conftest import PERIOD, resolved_case


def by_grid(ranking):
    return {row.entry.grid.name: row for rows in ranking.values() for row in rows}


def test_measured_scores_counted_by_hand(contest):
    rows = by_grid(scoring.score(contest.contest))
    a1, a2, a3 = rows["第一网格"], rows["第二网格"], rows["凤南一组"]
    assert a1.scores["cases.on_time"] == 100.0 and a2.scores["cases.on_time"] == 50.0
    assert a1.scores["cases.satisfaction"] == 80.0  # (5 + 3) / 2 stars × 20
    # A2 has no rating: its class's average (A1's 80)
    assert a2.raw["cases.satisfaction"] is None and a2.scores["cases.satisfaction"] == 80.0
    # solved per 100 households: A1 2 cases / 2 households; A2 has no households → 0
    assert a1.scores["cases.solved"] == 100.0 and a2.scores["cases.solved"] == 0.0
    # visits done vs due over the 92 days: 城西路1号 (yellow, 15 days) owes 6 and had 1,
    # 城西路2号 (ordinary, 182 days) owes 1 and had none: 1 of 7
    assert a1.scores["visits.coverage"] == 14.29
    # A1: 0.4×100 + 0.2×80 + 0.1×100 + 0.1×14.29 + 0.2×0 = 67.43
    assert a1.total == 67.43 and a2.total == 0.4 * 50 + 0.2 * 80
    # A3 has no resolved case in a class of its own: no average to borrow
    assert a3.scores["cases.on_time"] == 0.0 and a3.rank == 1


def test_judged_scores_are_the_judges_average(contest):
    tree = contest.tree
    inspection = contest.contest.criteria[-1]
    services.judge(contest.contest, inspection, tree.grid_a2, tree.users["town_admin"], 90)
    services.judge(contest.contest, inspection, tree.grid_a2, tree.users["county_admin"], 70)
    services.judge(contest.contest, inspection, tree.grid_a2, tree.users["town_admin"], 80)
    with pytest.raises(DomainError, match="0到100"):
        services.judge(contest.contest, inspection, tree.grid_a2, tree.users["town_admin"], 101)
    row = by_grid(scoring.score(contest.contest))["第二网格"]
    assert row.scores["judged:1"] == 75.0  # (80 + 70) / 2: a judge's second score replaces the first


def test_weights_must_add_up_to_100_and_measures_must_exist(contest_world):
    town = contest_world.tree.town_a
    with pytest.raises(DomainError, match="之和须为100，现在是 90"):
        services.create_contest(town, title="x", kind="quarterly", starts_on=PERIOD[0],
                                ends_on=PERIOD[1], criteria=[("cases.on_time", "a", 90)])
    with pytest.raises(DomainError, match="不可用"):
        services.create_contest(town, title="x", kind="quarterly", starts_on=PERIOD[0],
                                ends_on=PERIOD[1], criteria=[("volunteers.hours", "a", 100)])


def test_a_module_measure_is_offered_only_where_the_module_is_on(contest_world):
    from portal.modules.services import set_module

    town = contest_world.tree.town_a
    assert "volunteers.hours" not in scoring.available_measures(town)
    set_module(town, "volunteers", True)  # forgets the request's cached module list
    db.session.flush()
    assert "volunteers.hours" in scoring.available_measures(town)


def test_ties_are_broken_by_the_heaviest_criterion_then_shared(contest_world):
    tree = contest_world.tree
    item = services.create_contest(tree.town_a, title="x", kind="quarterly", starts_on=PERIOD[0],
                                   ends_on=PERIOD[1], criteria=[("cases.on_time", "按期", 50),
                                                                ("judged:1", "检查", 50)])
    services.judge(item, item.criteria[1], tree.grid_a1, tree.users["town_admin"], 50)
    services.judge(item, item.criteria[1], tree.grid_a2, tree.users["town_admin"], 100)
    rows = scoring.score(item)[contest_world.model.id]
    # A1: 50 + 25 = 75; A2: 25 + 50 = 75. Equal weights: the first listed criterion decides
    assert [(r.entry.grid.name, r.total, r.rank) for r in rows] == [
        ("第一网格", 75.0, 1), ("第二网格", 75.0, 2)]


def test_adjustments_count_in_the_total(contest):
    services.adjust(contest.contest, contest.tree.grid_a2, 20.0, "补充材料加分")
    services.adjust(contest.contest, contest.tree.grid_a2, -5.5, "台账不全")
    row = by_grid(scoring.score(contest.contest))["第二网格"]
    assert (row.adjustment, row.total) == (14.5, 36 + 14.5)


def test_grids_equal_on_everything_share_the_rank(contest_world):
    tree = contest_world.tree
    item = services.create_contest(tree.town_a, title="x", kind="yearly", starts_on=date(2020, 1, 1),
                                   ends_on=date(2020, 12, 31), criteria=[("judged:1", "检查", 100)])
    rows = scoring.score(item)[contest_world.model.id]
    assert [r.rank for r in rows] == [1, 1]


def test_adjustments_need_a_reason_and_a_sensible_size(contest):
    with pytest.raises(DomainError, match="理由"):
        services.adjust(contest.contest, contest.tree.grid_a1, 5, "")
    with pytest.raises(DomainError, match="-20到20"):
        services.adjust(contest.contest, contest.tree.grid_a1, 50, "太多")


def test_publish_freezes_results_and_moves_the_red_flag(contest):
    tree = contest.tree
    services.publish(contest.contest, actor=tree.users["town_admin"])
    db.session.commit()
    a1 = next(e for e in contest.contest.entries if e.grid_id == tree.grid_a1.id)
    assert (a1.rank, a1.total, a1.prize) == (1, 67.43, 3000)
    # later data does not change a published contest
    resolved_case(tree.grid_a1, tree.users["grid_worker"], resolved=date(2026, 9, 2),
                  due=date(2026, 9, 1), stars=1)
    db.session.commit()
    assert a1.total == 67.43
    assert by_grid(scoring.score(contest.contest))["第一网格"].total < 67.43  # what it would be now
    with pytest.raises(DomainError, match="已发布"):
        services.adjust(contest.contest, tree.grid_a1, 1, "迟到的加分")
    with pytest.raises(DomainError, match="已发布"):
        services.publish(contest.contest)
    flags = services.current_flags(tree.town_a)
    assert flags[contest.model.id].grid_id == tree.grid_a1.id
    assert flags[contest.rising.id].grid_id == tree.grid_a3.id


def test_the_flag_moves_on_to_the_next_winner_and_keeps_its_history(contest):
    tree = contest.tree
    services.publish(contest.contest)
    later = services.create_contest(tree.town_a, title="第4季度", kind="quarterly",
                                    starts_on=date(2026, 10, 1), ends_on=date(2026, 12, 31),
                                    criteria=[("judged:1", "检查", 100)])
    services.judge(later, later.criteria[0], tree.grid_a2, tree.users["town_admin"], 90)
    services.publish(later)
    db.session.commit()
    assert services.current_flags(tree.town_a)[contest.model.id].grid_id == tree.grid_a2.id
    history = db.session.scalars(select(BestGridFlag.grid_id).filter_by(class_id=contest.model.id)
                                 .order_by(BestGridFlag.id)).all()
    assert history == [tree.grid_a1.id, tree.grid_a2.id]


def test_best_grid_worker_award_only_from_the_contests_grids(contest):
    from portal.grids.models import GridStaff

    tree = contest.tree
    inside = GridStaff(grid_id=tree.grid_a1.id, post="worker", name="刘网格")
    outside = GridStaff(grid_id=tree.grid_b1.id, post="worker", name="外镇")
    db.session.add_all([inside, outside])
    db.session.flush()
    award = services.award_worker(contest.contest, inside, 1000, "走访全覆盖")
    assert (award.name, award.prize) == ("刘网格", 1000)
    with pytest.raises(DomainError, match="参赛网格"):
        services.award_worker(contest.contest, outside, 1000)
