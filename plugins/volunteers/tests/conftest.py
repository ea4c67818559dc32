"""Fixtures of the volunteer service's tests: the module on for town A, a team in village A1
led by the `resident` login (a registered resident who volunteers), another volunteer without a
login, and an activity tomorrow evening with two places."""
from datetime import timedelta
from types import SimpleNamespace

import pytest

from portal.extensions import db
from portal.modules.services import set_module
from portal.timeutil import utcnow


@pytest.fixture
def vol(app, tree):
    from plugins.volunteers import services
    from plugins.volunteers.models import VolunteersTeam

    set_module(tree.town_a, "volunteers", True)
    tree.users["resident"].id_number = tree.resident_a.id_number
    leader = services.register(grid=tree.grid_a1, resident=tree.resident_a)
    leader.user_id = tree.users["resident"].id
    other = services.register(grid=tree.grid_a1, resident=tree.household_a2.members[0])
    team = VolunteersTeam(grid_id=tree.village_a1.id, name="党员志愿服务队", kind="party")
    db.session.add(team)
    db.session.flush()
    services.add_member(team, leader, leader=True)
    services.add_member(team, other)
    start = (utcnow() + timedelta(days=1)).replace(hour=11, minute=0, second=0, microsecond=0)
    activity = services.create_activity(team, title="清扫村道", place="村口", starts_at=start,
                                        ends_at=start + timedelta(hours=3), capacity=2, points=4)
    db.session.commit()
    return SimpleNamespace(tree=tree, leader=leader, other=other, team=team, activity=activity)
