"""Grid size standards (issue 23): grids outside the town's range are listed with a suggestion,
against hand counts on the two-town tree (households: 第一网格 2, 第二网格 0, 凤南一组 1; town B's
荷叶塘 1; the industrial park is a special grid and never measured)."""
import pytest

from portal.audit.models import AuditEntry
from portal.errors import DomainError
from portal.extensions import db
from portal.grids.size_standards import (DEFAULT_SIZE, check_standard, grids_outside,
                                         set_size_standard, size_standard)


def listed(scope):
    return [(row.grid.name, row.households, row.people, row.suggestion)
            for row in grids_outside(scope)]


def test_defaults_are_the_articles(tree):
    assert size_standard(tree.town_a) == {"min_households": 100, "max_households": 500,
                                          "target_households": 300, "merge_below": 100}


def test_every_grid_of_the_tree_is_below_the_articles_range(tree):
    # smallest first; special grids and town B's grid are not town A's base grids
    assert listed(tree.town_a) == [("第二网格", 0, 0, "merge"), ("凤南一组", 1, 1, "merge"),
                                   ("第一网格", 2, 3, "merge")]
    assert listed(tree.village_a1) == [("第二网格", 0, 0, "merge"), ("第一网格", 2, 3, "merge")]
    assert listed(tree.grid_a1) == [("第一网格", 2, 3, "merge")]
    assert ("荷叶塘", 1, 2, "merge") in listed(tree.county)
    assert "荷叶塘" not in [name for name, *_ in listed(tree.town_a)]


def test_the_towns_range_changes_the_list(tree):
    set_size_standard(tree.town_a, {"min_households": 1, "target_households": 2,
                                    "max_households": 2, "merge_below": 1})
    db.session.commit()
    assert listed(tree.town_a) == [("第二网格", 0, 0, "merge")]
    set_size_standard(tree.town_a, {"min_households": 2, "target_households": 2,
                                    "max_households": 5, "merge_below": 1})
    assert listed(tree.town_a) == [("第二网格", 0, 0, "merge"), ("凤南一组", 1, 1, "small")]
    set_size_standard(tree.town_a, {"min_households": 0, "target_households": 1,
                                    "max_households": 1, "merge_below": 0})
    assert listed(tree.town_a) == [("第一网格", 2, 3, "split")]
    # town B keeps the articles' range
    assert listed(tree.town_b) == [("荷叶塘", 1, 2, "merge")]
    assert db.session.scalar(db.select(AuditEntry).filter_by(action="settings.grid_size"))


@pytest.mark.parametrize("values, field", [
    ({"min_households": 600}, "max_households"),
    ({"target_households": 50}, "target_households"),
    ({"merge_below": 200}, "merge_below"),
    ({"min_households": -1, "merge_below": -1}, "min_households"),
])
def test_an_inconsistent_range_is_refused_beside_its_field(values, field):
    with pytest.raises(DomainError) as refused:
        check_standard({**DEFAULT_SIZE, **values})
    assert refused.value.field == field


def test_the_page_lists_the_scope_with_suggestions(client, tree):
    client.login("village_admin")
    page = client.get("/grids/size").get_data(as_text=True)
    assert "第二网格" in page and "第一网格" in page and "建议合并到相邻网格" in page
    assert "凤南一组" not in page and "荷叶塘" not in page
    client.logout()
    client.login("county_admin")
    page = client.get("/grids/size").get_data(as_text=True)
    assert "荷叶塘" in page and "凤南一组" in page
    assert client.get(f"/grids/size?grid={tree.village_a2.id}").get_data(as_text=True).count(
        "建议合并到相邻网格") == 1


def test_the_page_is_refused_outside_scope_and_role(client, tree):
    client.login("resident")
    assert client.get("/grids/size").status_code == 403
    client.logout()
    client.login("b_town_admin")
    assert client.get(f"/grids/size?grid={tree.grid_a1.id}").status_code == 404
    assert "第一网格" not in client.get("/grids/size").get_data(as_text=True)


def test_a_town_admin_sets_the_range(client, tree):
    client.login("village_admin")
    assert client.get("/grids/size/standard").status_code == 403
    client.logout()
    client.login("town_admin")
    assert client.get("/grids/size/standard").status_code == 200
    refused = client.post("/grids/size/standard", data={
        "min_households": 600, "target_households": 300, "max_households": 500,
        "merge_below": 100})
    assert refused.status_code == 422 and "下限不能大于上限" in refused.get_data(as_text=True)
    assert size_standard(tree.town_a) == DEFAULT_SIZE  # nothing half-written
    saved = client.post("/grids/size/standard", data={
        "min_households": 1, "target_households": 2, "max_households": 2, "merge_below": 1})
    assert saved.status_code == 302
    page = client.get("/grids/size").get_data(as_text=True)
    assert "第二网格" in page and "第一网格" not in page


def test_creating_a_small_grid_is_never_refused(client, tree):
    client.login("town_admin")
    response = client.post(f"/grids/{tree.village_a1.id}/new/grid", data={"name": "第三网格"})
    assert response.status_code == 302
    assert "第三网格" in client.get("/grids/size").get_data(as_text=True)
