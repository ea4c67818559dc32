"""The disputes of the demo town: what the README promises is there, and a new dispute runs the
whole ladder with the demo's own logins (grid worker → village → town → agreement → visits)."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from plugins.disputes import services
from plugins.disputes.models import Dispute
from portal.demo import DEMO_PASSWORD
from portal.extensions import db
from portal.grids.models import Grid
from portal.timeutil import local_today


@pytest.fixture
def plugins_extra():
    """The demo as `portal demo` loads it: the real plugins only."""
    return []


def as_user(client, username):
    client.logout()
    client.login(username, password=DEMO_PASSWORD)


def test_the_demo_holds_every_stage(demo):
    whole = db.session.scalar(select(Dispute).filter_by(title="宅基地边界排水沟纠纷"))
    assert [s.action for s in whole.steps] == [
        "register", "note", "to_village", "report", "assign", "joint", "agree"]
    assert whole.state == "agreed" and whole.agreement.level == "joint"
    visits = whole.agreement.followups
    assert visits[0].kept and visits[1].done_on is None and visits[1].due_on <= local_today()
    states = {d.state for d in db.session.scalars(select(Dispute))}
    assert {"village", "reported", "agreed", "closed"} <= states
    steps = [s.at for s in whole.steps]
    assert steps == sorted(steps)  # the timeline reads in order
    village = db.session.scalar(select(Grid).filter_by(name="城西社区"))
    board = services.screening_board(village, local_today())
    assert [r.grid.name for r in board if r.report is None] == ["第四网格"]
    last = services.screening_board(village, local_today().replace(day=1) - timedelta(days=1))
    assert all(r.report is not None for r in last)


def test_a_new_dispute_runs_the_whole_ladder_with_the_demo_logins(demo, client):
    grid = db.session.scalar(select(Grid).filter_by(name="第一网格"))
    as_user(client, "gridworker")
    answer = client.post("/disputes/new", data={
        "grid": grid.id, "kind": "neighbour", "title": "屋檐滴水纠纷", "description": "屋檐滴水到邻居院内",
        "found_on": local_today().isoformat(), "party_rows-0-name": "邻居甲",
        "party_rows-0-side": "a", "party_rows-1-name": "邻居乙", "party_rows-1-side": "b"})
    assert answer.status_code == 302, answer.text
    dispute = db.session.scalar(select(Dispute).filter_by(title="屋檐滴水纠纷"))
    url = f"/disputes/{dispute.id}"
    steps = [("gridworker", "to_village", {"to_village-note": "劝解不成"}),
             ("chengxi", "report", {"report-note": "两委会商不成"}),
             ("wenxing", "assign", {"assign-note": "交司法所", "assign-responsible_unit": "镇司法所"}),
             ("wenxing", "joint", {"joint-note": "联合调处", "joint-helpers": "司法所、村委会"})]
    for username, action, data in steps:
        as_user(client, username)
        assert client.post(f"{url}/steps/{action}", data=data).status_code == 302, action
    as_user(client, "tiaojie")  # the village's mediator cannot sign for the town's level
    assert client.post(f"{url}/agreement", data={
        "terms": "各退一步", "mediator": "调解员", "signed_on": local_today().isoformat(),
        "signed": [str(p.id) for p in dispute.parties]}).status_code == 422
    as_user(client, "wenxing")
    assert client.post(f"{url}/agreement", data={
        "terms": "各退一步", "mediator": "调解员", "signed_on": local_today().isoformat(),
        "signed": [str(p.id) for p in dispute.parties]}).status_code == 302
    db.session.expire_all()
    dispute = db.session.get(Dispute, dispute.id)
    assert dispute.state == "agreed" and dispute.escalated
    assert [s.action for s in dispute.steps] == [
        "register", "to_village", "report", "assign", "joint", "agree"]
