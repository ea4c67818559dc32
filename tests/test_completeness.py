"""Information completeness (信息采集率, issue 23) against hand counts on the two-town tree.

第一网格: 城西路1号 (张三丰 with ID and phone, 李秀英 with neither), 城西路2号 (王小明, neither);
凤南一组: 凤南一组5号 (赵大, neither); town B's 荷叶塘: 荷叶塘8号 (陈二 with an ID, 陈三 without).
Every household has its house and a head. Defaults: households need a house and a head,
residents an ID number and a phone, target 95 %.
"""
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.people.completeness import (grid_shares, missing, scope_share, set_required_fields,
                                        shares_of)


def figures(scope):
    return [(s.grid.name, s.households_complete, s.households, s.residents_complete,
             s.residents, s.share) for s in grid_shares(scope)]


def test_shares_per_grid_worst_first(tree):
    assert figures(tree.town_a) == [
        ("凤南一组", 1, 1, 0, 1, 50.0),        # 1 of 2 records
        ("第一网格", 2, 2, 1, 3, 60.0),        # 3 of 5
        ("第二网格", 0, 0, 0, 0, None),        # nothing registered: last
        ("工业园", 0, 0, 0, 0, None)]
    total = scope_share(tree.town_a)
    assert (total.complete, total.records, total.share, total.target) == (4, 7, 57.1, 95)
    assert total.below_target
    assert [s.grid.name for s in grid_shares(tree.town_b)] == ["荷叶塘"]
    assert "荷叶塘" not in [name for name, *_ in figures(tree.town_a)]


def test_required_fields_change_the_shares(tree):
    set_required_fields(tree.town_a, ["phone"], [], 80)
    db.session.commit()
    # 城西路1号 has 张三丰's phone, 城西路2号 and 凤南一组5号 no phone at all; residents: nothing required
    assert figures(tree.grid_a1) == [("第一网格", 1, 2, 3, 3, 80.0)]
    assert figures(tree.grid_a3) == [("凤南一组", 0, 1, 1, 1, 50.0)]
    assert not grid_shares(tree.grid_a1)[0].below_target  # 80 % meets the target of 80
    set_required_fields(tree.town_a, [], ["sex"], 95)  # sex comes with 张三丰's ID number
    assert figures(tree.grid_a1) == [("第一网格", 2, 2, 1, 3, 60.0)]
    # town B keeps the defaults: 陈二 has an ID but no phone
    assert figures(tree.town_b) == [("荷叶塘", 1, 1, 0, 2, 33.3)]
    assert db.session.scalar(db.select(AuditEntry).filter_by(action="settings.required_fields"))


def test_missing_names_the_fields_only(app, tree):
    with app.test_request_context("/"):
        page, fields = missing(tree.grid_a1, "residents")
        assert fields == ["id_number", "phone"]
        assert [(row.label, row.fields) for row in page.rows] == [
            ("李秀英", ["id_number", "phone"]), ("王小明", ["id_number", "phone"])]
        assert page.total == 2
        households, _ = missing(tree.grid_a1, "households")
        assert households.rows == []


def test_best_grid_measure(tree):
    assert shares_of([tree.grid_a1.id, tree.grid_a3.id, tree.grid_b1.id, tree.grid_a2.id]) == {
        tree.grid_a1.id: 60.0, tree.grid_a3.id: 50.0, tree.grid_b1.id: 33.3}


def test_the_page_worst_first_red_below_target(client, tree):
    client.login("village_admin")
    page = client.get("/people/completeness").get_data(as_text=True)
    assert page.index("第一网格") < page.index("第二网格")
    assert "60.0%" in page and "light-red" in page and "凤南一组" not in page
    client.logout()
    client.login("town_admin")
    page = client.get("/people/completeness").get_data(as_text=True)
    assert page.index("凤南一组") < page.index("第一网格") and "57.1%" in page


def test_the_drill_down_links_to_edit_and_hides_numbers(client, tree):
    client.login("grid_worker")
    page = client.get(f"/people/completeness/grids/{tree.grid_a1.id}?kind=residents")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "李秀英" in text and "身份证号" in text
    assert "张三丰" not in text  # complete
    assert "13812345678" not in text and "430624195001010013" not in text
    resident_ids = {r.id for r in tree.household_a.members}
    assert any(f"/people/residents/{rid}/edit" in text for rid in resident_ids)
    assert client.get(f"/people/completeness/grids/{tree.grid_a1.id}").status_code == 200


def test_pages_refused_outside_scope_and_role(client, tree):
    client.login("resident")
    assert client.get("/people/completeness").status_code == 403
    client.logout()
    client.login("b_town_admin")
    assert client.get(f"/people/completeness/grids/{tree.grid_a1.id}").status_code == 404
    assert client.get(f"/people/completeness?grid={tree.grid_a1.id}").status_code == 404
    assert "第一网格" not in client.get("/people/completeness").get_data(as_text=True)
    client.logout()
    client.login("grid_worker")
    assert client.get(f"/people/completeness/grids/{tree.village_a1.id}").status_code == 404


def test_a_town_admin_sets_required_fields(client, tree):
    client.login("village_admin")
    assert client.get("/people/completeness/rules").status_code == 403
    client.logout()
    client.login("town_admin")
    assert client.get("/people/completeness/rules").status_code == 200
    refused = client.post("/people/completeness/rules", data={"residents": "phone",
                                                              "target": 150})
    assert refused.status_code == 422 and "目标应在0到100之间" in refused.get_data(as_text=True)
    none = client.post("/people/completeness/rules", data={"target": 90})
    assert none.status_code == 422 and "请至少选择一项必填信息" in none.get_data(as_text=True)
    saved = client.post("/people/completeness/rules", data={"households": ["phone"],
                                                            "target": 80})
    assert saved.status_code == 302
    assert figures(tree.grid_a1) == [("第一网格", 1, 2, 3, 3, 80.0)]


def test_the_dashboard_card(client, tree):
    client.login("town_admin")
    page = client.get("/dashboard/").get_data(as_text=True)
    assert "信息采集率" in page and "57.1%" in page and "目标95%" in page
    assert "/people/completeness?grid=" in page
    client.logout()
    client.login("b_town_admin")  # town B: 陈二's household, 1 of 3 records complete
    page = client.get("/dashboard/").get_data(as_text=True)
    assert "33.3%" in page and "57.1%" not in page
