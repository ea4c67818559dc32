"""Mutual-aid pages through the test client: adding households with the warning and the
one-group rule shown, the leader recording help, escalating, the drill-down, the card."""

from sqlalchemy import func, select

from plugins.mutual_aid import services
from plugins.mutual_aid.models import MutualAidHelp
from portal.extensions import db
from portal.modules.services import set_module
from portal.people.services import add_household, add_resident
from tests.test_query_counts import StatementCounter
from portal.timeutil import local_today


def test_adding_a_household_warns_about_size_and_refuses_a_second_group(client, aid):
    other = services.create_group(aid.tree.grid_a1, "城西二组")
    db.session.commit()
    client.login("grid_worker")
    page = client.get(f"/mutual-aid/groups/{aid.group.id}").get_data(as_text=True)
    assert "只有 2 户，少于 5 户" in page
    response = client.post(f"/mutual-aid/groups/{other.id}",
                           data={"household": aid.tree.household_a.id})
    assert response.status_code == 422
    assert "已在“城西一组”互助组" in response.get_data(as_text=True)
    found = client.get(f"/mutual-aid/groups/{other.id}?q=城西路").get_data(as_text=True)
    assert "城西路1号" not in found  # households already in a group are not offered


def test_the_leader_records_help_and_escalates_it(client, aid):
    aid.tree.users["resident"].id_number = aid.tree.resident_a.id_number
    db.session.commit()
    client.login("resident")
    response = client.post(f"/mutual-aid/groups/{aid.group.id}/helps/new", data={
        "kind": "mediation", "happened_on": local_today().isoformat(), "asked_by": "0",
        "description": "两户排水沟纠纷", "helpers": [str(aid.tree.resident_a.id)]})
    assert response.status_code == 302
    item = db.session.scalar(select(MutualAidHelp))
    assert item.recorded_by_id == aid.tree.users["resident"].id
    response = client.post(f"/mutual-aid/helps/{item.id}")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(MutualAidHelp, item.id).case_id is not None
    response = client.post(f"/mutual-aid/helps/{item.id}")
    assert response.status_code == 422 and "已经上报" in response.get_data(as_text=True)
    response = client.post(f"/mutual-aid/groups/{aid.group.id}/helps/new", data={
        "kind": "daily", "happened_on": local_today().isoformat(), "description": "x",
        "helpers": [str(aid.tree.resident_b.id)]})
    assert response.status_code == 422 and "帮助人须是本组住户的成员" in response.get_data(as_text=True)
    assert 'id="helpers-errors"' in response.get_data(as_text=True)  # beside the list
    response = client.post(f"/mutual-aid/groups/{aid.group.id}/helps/new", data={
        "kind": "daily", "happened_on": local_today().isoformat(), "description": "x",
        "helpers": ["someone"]})
    assert response.status_code == 422 and 'id="helpers-errors"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(MutualAidHelp)) == 1


def test_drill_down_from_town_to_village(client, aid):
    services.record_help(aid.group, kind="daily", happened_on=local_today(), description="a",
                         solved=True)
    db.session.commit()
    client.login("town_admin")
    page = client.get("/mutual-aid/").get_data(as_text=True)
    assert f'href="/mutual-aid/?node={aid.tree.village_a1.id}"' in page
    village = client.get(f"/mutual-aid/?node={aid.tree.village_a1.id}").get_data(as_text=True)
    assert f'href="/mutual-aid/?node={aid.tree.grid_a1.id}"' in village and "城西一组" in village
    client.logout()
    client.login("b_town_admin")
    assert client.get(f"/mutual-aid/?node={aid.tree.village_a1.id}").status_code == 404


def test_card_and_menu_only_where_the_module_is_on(client, aid):
    client.login("village_admin")
    assert "邻里互助组" in client.get("/").get_data(as_text=True)
    set_module(aid.tree.town_a, "mutual_aid", False)
    db.session.commit()
    assert "邻里互助组" not in client.get("/").get_data(as_text=True)


def test_pages_do_not_grow_with_rows(client, aid):
    def grow(n):
        for i in range(n):
            household = add_household(aid.tree.grid_a1, f"互助路{n}-{i}号")
            add_resident(household, f"户主{i}")
            services.add_household(aid.group, household)
            group = services.create_group(aid.tree.grid_a1, f"组{n}-{i}")
            services.record_help(aid.group, kind="daily", happened_on=local_today(),
                                 description=f"帮忙{i}", helpers=[aid.tree.resident_a])
            del group
        db.session.commit()

    client.login("village_admin")
    urls = ["/mutual-aid/", f"/mutual-aid/groups/{aid.group.id}", "/"]
    grow(2)
    few = []
    for url in urls:
        with StatementCounter(db.engine) as counter:
            assert client.get(url).status_code == 200
        few.append(counter.count)
    grow(6)
    for url, before in zip(urls, few):
        with StatementCounter(db.engine) as counter:
            client.get(url)
        assert counter.count == before, f"{url}: {before} statements, then {counter.count}"
