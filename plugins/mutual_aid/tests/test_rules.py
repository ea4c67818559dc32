"""Mutual-aid rules: the size warning, one group per household, help and its points, escalation
to a case, figures per village and grid."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from plugins.mutual_aid import services
from plugins.mutual_aid.models import MutualAidMember
from portal.errors import DomainError
from portal.extensions import db
from portal.modules.services import set_module
from portal.people.services import add_household, add_resident
from portal.plugin_testing import needs_plugin
from portal.timeutil import local_today


def households(grid, n, start=0):
    made = []
    for i in range(start, start + n):
        household = add_household(grid, f"互助路{i}号")
        add_resident(household, f"户主{i}")
        made.append(household)
    return made


def test_the_size_warning_follows_the_towns_range(aid):
    assert "少于 5 户" in services.size_warning(aid.group)
    for household in households(aid.tree.grid_a1, 3):
        services.add_household(aid.group, household)
    assert services.size_warning(aid.group) is None  # 5 households
    for household in households(aid.tree.grid_a1, 11, start=3):
        services.add_household(aid.group, household)
    assert "超过 15 户" in services.size_warning(aid.group)  # 16: warned, not refused
    services.set_rules(aid.tree.town_a, min_households=3, max_households=20, points_per_help=0)
    assert services.size_warning(aid.group) is None
    with pytest.raises(DomainError):
        services.set_rules(aid.tree.town_a, min_households=9, max_households=8, points_per_help=0)


def test_a_household_is_in_at_most_one_group(aid):
    other = services.create_group(aid.tree.grid_a1, "城西二组")
    with pytest.raises(DomainError, match="一户只能加入一个互助组"):
        services.add_household(other, aid.tree.household_a)
    member = db.session.scalar(select(MutualAidMember).filter_by(
        household_id=aid.tree.household_a.id))
    services.remove_household(member)
    assert aid.group.leader_id is None  # the leader's household left
    services.add_household(other, aid.tree.household_a)
    db.session.commit()


def test_the_database_refuses_a_second_active_membership(aid):
    other = services.create_group(aid.tree.grid_a1, "城西二组")
    db.session.add(MutualAidMember(group_id=other.id, household_id=aid.tree.household_a.id,
                                   active_household_id=aid.tree.household_a.id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_only_the_grids_households_join(aid):
    far = households(aid.tree.grid_a3, 1)[0]
    with pytest.raises(DomainError, match="本网格"):
        services.add_household(aid.group, far)


@needs_plugin("points")
def test_help_is_recorded_and_helpers_earn_points_once(aid):
    entries = db.metadata.tables["points_entries"]  # by name: no other plugin is imported
    set_module(aid.tree.town_a, "points", True)
    services.set_rules(aid.tree.town_a, min_households=5, max_households=15, points_per_help=3)
    helpers = [aid.tree.resident_a, aid.tree.household_a2.members[0]]
    item = services.record_help(aid.group, kind="production", happened_on=local_today(),
                                description="帮忙抢收晚稻", helpers=helpers + helpers[:1],
                                asked_by=aid.tree.household_a.members[1], solved=True)
    db.session.commit()
    assert [(h.resident_id, h.points) for h in item.helpers] == [(r.id, 3) for r in helpers]
    sources = db.session.scalars(select(entries.c.source).order_by(entries.c.id)).all()
    assert sources == [f"mutual_aid.help:{item.id}:{r.id}" for r in helpers]


@needs_plugin("points")
def test_no_points_where_the_points_module_is_off(aid):
    entries = db.metadata.tables["points_entries"]  # by name: no other plugin is imported
    services.set_rules(aid.tree.town_a, min_households=5, max_households=15, points_per_help=3)
    item = services.record_help(aid.group, kind="daily", happened_on=local_today(),
                                description="修水管", helpers=[aid.tree.resident_a])
    assert item.helpers[0].points is None
    assert db.session.scalar(select(entries.c.id)) is None


def test_helpers_and_askers_must_belong_to_the_group(aid):
    with pytest.raises(DomainError, match="帮助人"):
        services.record_help(aid.group, kind="daily", happened_on=local_today(), description="x",
                             helpers=[aid.tree.resident_b])
    with pytest.raises(DomainError, match="晚于今天"):
        services.record_help(aid.group, kind="daily", description="x",
                             happened_on=local_today() + timedelta(days=1))


def test_an_unsolved_request_escalates_to_a_case_once(aid):
    item = services.record_help(aid.group, kind="mediation", happened_on=local_today(),
                                description="两户排水沟纠纷", asked_by=aid.tree.resident_a)
    case = services.escalate(item, aid.tree.users["grid_worker"])
    db.session.commit()
    assert (case.category, case.grid_id, item.case_id) == ("dispute", aid.tree.grid_a1.id, case.id)
    assert case.reporter_name == "张三丰"
    with pytest.raises(DomainError, match="已经上报"):
        services.escalate(item, aid.tree.users["grid_worker"])


def test_figures_per_child_count_groups_households_helps_and_solved(aid):
    services.record_help(aid.group, kind="daily", happened_on=local_today(), description="a",
                         solved=True)
    services.record_help(aid.group, kind="daily", happened_on=local_today(), description="b")
    services.record_help(aid.group, kind="daily", description="last year",
                         happened_on=date(local_today().year - 1, 12, 31), solved=True)
    db.session.commit()
    since = date(local_today().year, 1, 1)
    total, children = services.figures_by_child(aid.tree.town_a, since)
    assert (total.groups, total.households, total.helps, total.solved) == (1, 2, 2, 1)
    by_name = {r.name: r for r in children}
    assert (by_name["城西社区"].groups, by_name["城西社区"].solved) == (1, 1)
    assert by_name["凤南村"].groups == 0
    total_b, _ = services.figures_by_child(aid.tree.town_b, since)
    assert total_b.groups == 0


@needs_plugin("best_grid")
def test_solved_problems_per_grid_for_the_best_grid_contest(aid):
    from portal.plugins import host

    services.record_help(aid.group, kind="daily", happened_on=local_today(), description="a",
                         solved=True)
    services.record_help(aid.group, kind="daily", happened_on=local_today(), description="b")
    measures = host().collect(aid.tree.town_a, "grid_measures", town=aid.tree.town_a,
                              grids=[aid.tree.grid_a1, aid.tree.grid_a2],
                              since=local_today(), until=local_today())
    assert [(m.key, m.values) for m in measures] == [("mutual_aid.solved", {aid.tree.grid_a1.id: 1})]
