"""The modules' items on the today list (the ``today_items`` hook): each appears only where
its module is switched on, and never in another town."""
from datetime import timedelta

from portal.extensions import db
from portal.modules.services import set_module
from portal.plugin_testing import needs_plugin  # the plugins' fixtures come with them
from portal.tenancy import forget_modules
from portal.timeutil import local_today
from portal.today import items_for


def _keys(app, user) -> dict:
    with app.test_request_context():
        forget_modules()  # the test's app context outlives each request: switch seen anew
        return {item.key: item for item in items_for(user)}


def _switch(town, name, on):
    set_module(town, name, on)
    db.session.commit()


@needs_plugin("volunteers")
def test_pairing_visits_due_appear_only_while_volunteers_is_on(app, vol, client):
    from plugins.volunteers import services

    tree = vol.tree
    pairing = services.create_pairing(vol.other, tree.household_a, need="poor", visit_days=7,
                                      notes=None)
    pairing.started_on = local_today() - timedelta(days=30)
    db.session.commit()
    item = _keys(app, tree.users["grid_worker"])["volunteers.pairings"]
    assert item.count == 1 and item.urgency == "red" and item.module == "volunteers"
    assert item.url == "/volunteers/pairings?due=1"
    client.login("grid_worker")
    assert "城西路1号" in client.get(item.url).get_data(as_text=True)
    assert "volunteers.pairings" not in _keys(app, tree.users["b_grid_worker"])
    _switch(tree.town_a, "volunteers", False)
    assert "volunteers.pairings" not in _keys(app, tree.users["grid_worker"])


@needs_plugin("volunteers")
def test_a_team_leader_sees_tomorrows_activity(app, vol, client):
    tree = vol.tree
    db.session.commit()
    item = _keys(app, tree.users["resident"])["volunteers.activities"]
    assert item.rows[0].label == "清扫村道" and item.urgency == "yellow"
    client.login("resident")
    assert "清扫村道" in client.get(item.url).get_data(as_text=True)
    _switch(tree.town_a, "volunteers", False)
    assert "volunteers.activities" not in _keys(app, tree.users["resident"])


@needs_plugin("mutual_aid")
def test_unsolved_help_waits_on_the_grid_and_the_groups_leader(app, aid, client):
    from plugins.mutual_aid import services

    tree = aid.tree
    tree.users["resident"].id_number = tree.resident_a.id_number  # the group's leader
    services.record_help(aid.group, kind="daily", happened_on=local_today() - timedelta(days=9),
                         description="帮忙收稻谷")
    db.session.commit()
    for username in ("grid_worker", "resident"):
        item = _keys(app, tree.users[username])["mutual_aid.open"]
        assert item.count == 1 and item.urgency == "red"
    client.login("resident")
    assert "帮忙收稻谷" in client.get("/today/?item=mutual_aid.open").get_data(as_text=True)
    assert "mutual_aid.open" not in _keys(app, tree.users["b_town_admin"])
    _switch(tree.town_a, "mutual_aid", False)
    assert "mutual_aid.open" not in _keys(app, tree.users["grid_worker"])


@needs_plugin("associations")
def test_an_officer_sees_their_associations(app, assoc):
    tree = assoc.tree
    item = _keys(app, tree.users["assoc_officer"])["associations.mine"]
    assert [row.label for row in item.rows] == ["平安乡村协会"]
    _switch(tree.town_a, "associations", False)
    assert "associations.mine" not in _keys(app, tree.users["assoc_officer"])


@needs_plugin("points")
def test_a_resident_sees_their_points_balance(app, points):
    tree = points.tree
    tree.users["resident"].id_number = tree.resident_a.id_number
    db.session.commit()
    item = _keys(app, tree.users["resident"])["points.balance"]
    assert item.count == 60 and item.url == "/points/me"
    _switch(tree.town_a, "points", False)
    assert "points.balance" not in _keys(app, tree.users["resident"])
