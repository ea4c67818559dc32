"""A points award tells the owner's login (plugins/points/notices.py): once, in the ledger's
transaction, never an owner without a login, never another town's user."""
from sqlalchemy import select

from plugins.points import ledger
from portal.extensions import db
from portal.notifications.models import Notification


def told():
    return list(db.session.scalars(select(Notification).where(Notification.event == "points_awarded")
                                   .order_by(Notification.id)))


def _link_resident_login(tree):
    """The tree's `resident` login is 张三丰 of household 城西路1号 (by ID number)."""
    tree.users["resident"].id_number = tree.resident_a.id_number
    db.session.commit()
    return tree.users["resident"]


def test_an_award_tells_the_households_linked_login_once(points):
    resident = _link_resident_login(points.tree)
    (entry,) = ledger.award(points.rule, [points.account_a, points.account_a2])[:1]
    db.session.commit()
    (row,) = told()  # household 城西路2号 has no login: nobody there is told
    assert (row.user_id, row.channel, row.key) == (
        resident.id, "inbox", f"points_awarded:{entry.id}|inbox|u{resident.id}")
    assert "5" in row.subject and "参加村道清扫" in row.body and "65" in row.body
    assert row.link == "/points/me" and row.town_id == points.tree.town_a.id


def test_an_award_rolled_back_tells_nobody(points):
    _link_resident_login(points.tree)
    ledger.post(points.account_a, "earn", 5, rule=points.rule)
    db.session.rollback()
    assert told() == []


def test_an_award_asked_twice_by_a_module_tells_once(points):
    _link_resident_login(points.tree)
    for _ in range(2):
        ledger.award_from_module(points.tree.resident_a, 3, "志愿服务 1 小时", "volunteers.x:1")
        db.session.commit()
    (row,) = told()
    assert "志愿服务 1 小时" in row.body


def test_spending_or_an_unlinked_owner_tells_nobody(points):
    ledger.post(points.account_a, "earn", 5, rule=points.rule)  # no login linked yet
    _link_resident_login(points.tree)
    ledger.post(points.account_a, "redeem", -5)
    db.session.commit()
    assert told() == []


def test_a_login_of_another_town_is_not_told(points):
    """A login holding the ID number but scoped in town B (moved, a second account)."""
    resident = _link_resident_login(points.tree)
    resident.scope = points.tree.grid_b1
    db.session.commit()
    ledger.post(points.account_a, "earn", 5, rule=points.rule)
    db.session.commit()
    assert told() == []
