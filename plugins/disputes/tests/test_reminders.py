"""Supervision by message: a grid that has not reported its screening after the town's day, and
a dispute past its step's deadline, are told to the people at the level holding them, once per
grid and month or per dispute and deadline; the parties' names never travel in a message."""
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from plugins.disputes import reminders, services
from plugins.disputes.services import PartyInput
from portal.extensions import db
from portal.modules.services import set_module
from portal.notifications.models import Notification
from portal.timeutil import local_today, to_utc


@pytest.fixture
def on(app, tree):
    set_module(tree.town_a, "disputes", True)
    db.session.commit()
    return tree


def at_ten() -> datetime:
    return to_utc(datetime.combine(local_today(), datetime.min.time()) + timedelta(hours=10))


def told(event: str) -> dict[str, set[int]]:
    """Grid or dispute id (from the key) -> the users told."""
    rows = db.session.scalars(select(Notification).filter_by(event=event)).all()
    found: dict[str, set[int]] = {}
    for row in rows:
        found.setdefault(row.key.split(":")[1], set()).add(row.user_id)
    return found


def test_grids_not_reported_after_the_day_are_told_once(on):
    rules = services.rules(on.town_a)
    rules["screening_day"] = 1  # today is past the day, whatever today is
    services.set_rules(on.town_a, rules)
    services.report_screening(on.grid_a2, local_today(), on.users["grid_worker"], zero=True)
    db.session.commit()
    first = reminders.remind(on.town_a, at_ten())
    assert first > 0
    by_grid = told("disputes_screening")
    assert str(on.grid_a2.id) not in by_grid  # it reported
    worker, village, mediator = (on.users[r] for r in ("grid_worker", "village_admin", "mediator"))
    assert {worker.id, village.id, mediator.id} <= by_grid[str(on.grid_a1.id)]
    assert reminders.remind(on.town_a, at_ten()) == 0  # the next round adds nothing


def test_nobody_is_told_before_the_day_or_before_nine(on):
    rules = services.rules(on.town_a)
    rules["screening_day"] = 28
    services.set_rules(on.town_a, rules)
    db.session.commit()
    early = to_utc(datetime.combine(local_today(), datetime.min.time()) + timedelta(hours=7))
    assert reminders.remind(on.town_a, early) == 0
    if local_today().day < 28:
        assert reminders.remind(on.town_a, at_ten()) == 0


def test_a_late_dispute_is_told_at_its_level_without_the_parties(on):
    rules = services.rules(on.town_a)
    rules["screening_day"] = 28
    services.set_rules(on.town_a, rules)
    dispute = services.register(on.grid_a1, kind="neighbour", title="排水沟纠纷", description="争执",
                                found_on=local_today(), actor=on.users["grid_worker"],
                                parties=[PartyInput(name="外村王五", side="a"),
                                         PartyInput(name="外村赵六", side="b")])
    services.take(dispute, "to_village", on.users["grid_worker"], note="劝解不成")
    dispute.due_on = local_today() - timedelta(days=1)
    db.session.commit()
    reminders.remind(on.town_a, at_ten())
    recipients = told("disputes_late")[str(dispute.id)]
    village, mediator, worker = (on.users[r] for r in ("village_admin", "mediator", "grid_worker"))
    assert {village.id, mediator.id} <= recipients
    assert worker.id not in recipients  # the village holds it now
    for row in db.session.scalars(select(Notification).filter_by(event="disputes_late")):
        assert "外村王五" not in row.subject + row.body and dispute.number in row.subject
    # a new deadline that passes is told again
    dispute.due_on = local_today() - timedelta(days=2)
    db.session.commit()
    assert reminders.remind(on.town_a, at_ten()) > 0
