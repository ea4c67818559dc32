"""Staff posts beyond 一长三员 (issue 23): a town ticks the articles' posts and adds its own; the
staff form offers them, the grid page, the public notice board and the printed poster show their
labels, and a post the town removes still reads as words on the staff who hold it."""
import pytest

from portal.audit.models import AuditEntry
from portal.errors import DomainError
from portal.extensions import db
from portal.grids.models import GridStaff
from portal.grids.staff_posts import (BUILT_IN, PostLabels, build_posts, label_for, own_code,
                                      posts_for, set_town_posts, town_posts)


def _save_posts(client, ready=(), own=""):
    return client.post("/grids/posts", data={"ready": list(ready), "own": own})


def test_every_town_has_the_built_in_posts_only_by_default(tree):
    assert posts_for(tree.grid_a1) == [(code, str(label)) for code, label in BUILT_IN.items()]
    assert town_posts(tree.town_a) == []


def test_the_towns_list_round_trips_through_its_page(client, tree):
    client.login("town_admin")
    response = _save_posts(client, ready=["mediation", "police"], own="护河员\n  \n护河员\n巡防队员")
    assert response.status_code == 302
    assert town_posts(tree.town_a) == [
        {"code": "mediation", "label": "调解员"}, {"code": "police", "label": "社区民警"},
        {"code": own_code("护河员"), "label": "护河员"},
        {"code": own_code("巡防队员"), "label": "巡防队员"}]
    page = client.get("/grids/posts").text
    assert 'value="mediation" checked' in page and 'value="police" checked' in page
    assert 'value="propaganda" checked' not in page
    assert "护河员\n巡防队员" in page
    # the staff form of every grid of the town offers them; town B's does not
    form = client.get(f"/grids/{tree.grid_a3.id}/staff/new").text
    assert "调解员" in form and "护河员" in form and "宣传员" not in form
    assert [label for _code, label in posts_for(tree.grid_b1)] == [str(v) for v in BUILT_IN.values()]
    entry = db.session.scalar(db.select(AuditEntry).filter_by(action="settings.staff_posts"))
    assert entry is not None and entry.scope_code == tree.town_a.code


def test_an_own_post_keeps_its_code(tree):
    assert own_code("护河员") == own_code("护河员") != own_code("护林员")
    set_town_posts(tree.town_a, [], ["护河员"])
    first = town_posts(tree.town_a)[0]["code"]
    set_town_posts(tree.town_a, ["mediation"], ["巡防队员", "护河员"])
    assert town_posts(tree.town_a)[-1]["code"] == first


@pytest.mark.parametrize("ready, own, field", [
    (["nonsense"], [], "ready"),
    ([], ["网格员"], "own"),  # a built-in post
    ([], ["调解员"], "own"),  # a ready post: tick it
    ([], ["很" * 17], "own"),
    ([], [f"岗位{n}" for n in range(21)], "own"),
])
def test_a_bad_list_is_refused_beside_its_field(ready, own, field):
    with pytest.raises(DomainError) as refused:
        build_posts(ready, own)
    assert refused.value.field == field


def test_a_county_admin_chooses_the_town_and_town_b_keeps_its_own(client, tree):
    client.login("county_admin")
    assert _save_posts(client, ready=["civility"]).status_code == 302  # the first town: A
    response = client.post(f"/grids/posts?town={tree.town_b.code}", data={"ready": ["police"]})
    assert response.status_code == 302
    assert [p["code"] for p in town_posts(tree.town_a)] == ["civility"]
    assert [p["code"] for p in town_posts(tree.town_b)] == ["police"]


def test_the_settings_page_is_for_town_and_county_admins(client, tree):
    client.login("grid_worker")
    assert client.get("/grids/posts").status_code == 403
    client.logout()
    client.login("b_town_admin")  # their own town, whatever they ask for
    assert tree.town_a.name not in client.get(f"/grids/posts?town={tree.town_a.code}").text
    assert tree.town_b.name in client.get("/grids/posts").text


def _add_staff(client, tree, post, name):
    return client.post(f"/grids/{tree.grid_a1.id}/staff/new",
                       data={"post": post, "name": name, "sort_order": "1"})


def test_a_town_post_shows_its_label_on_the_board_the_grid_page_and_the_poster(client, tree):
    set_town_posts(tree.town_a, ["mediation"], ["护河员"])
    db.session.commit()
    client.login("village_admin")
    assert _add_staff(client, tree, "mediation", "周调解").status_code == 302
    assert _add_staff(client, tree, own_code("护河员"), "吴护河").status_code == 302
    river = db.session.scalar(db.select(GridStaff).filter_by(name="吴护河"))
    assert river.post == own_code("护河员") and river.post_label == "护河员"
    grid_page = client.get(f"/grids/{tree.grid_a1.id}").text
    poster = client.get(f"/documents/grid_poster/{tree.grid_a1.id}").text
    client.logout()
    board = client.get(f"/g/{tree.grid_a1.code}").text
    for page in (board, grid_page, poster):
        assert "调解员" in page and "护河员" in page
        assert own_code("护河员") not in page and ">mediation<" not in page


def test_a_removed_post_still_shows_its_label(client, tree):
    set_town_posts(tree.town_a, [], ["护河员"])
    db.session.commit()
    client.login("village_admin")
    assert _add_staff(client, tree, own_code("护河员"), "吴护河").status_code == 302
    set_town_posts(tree.town_a, [], [])
    db.session.commit()
    staff = db.session.scalar(db.select(GridStaff).filter_by(name="吴护河"))
    assert label_for(staff) == "护河员" and PostLabels(tree.grid_a1, [staff])[staff.post] == "护河员"
    for url in (f"/grids/{tree.grid_a1.id}", f"/documents/grid_poster/{tree.grid_a1.id}",
                f"/g/{tree.grid_a1.code}"):
        text = client.get(url).text
        assert "护河员" in text and own_code("护河员") not in text, url
    # editing the person keeps the post they hold, though no one new can be given it
    form = client.get(f"/grids/{tree.grid_a1.id}/staff/{staff.id}").text
    assert "护河员" in form
    response = client.post(f"/grids/{tree.grid_a1.id}/staff/{staff.id}",
                           data={"post": staff.post, "name": "吴护河", "phone": "13812345678"})
    assert response.status_code == 302
    assert db.session.get(GridStaff, staff.id).post_label == "护河员"
    assert _add_staff(client, tree, own_code("护河员"), "新护河").status_code == 422


def test_a_code_no_list_knows_never_shows_as_a_code(tree):
    staff = GridStaff(grid=tree.grid_a1, post="own_0000000000", name="无名")
    db.session.add(staff)
    assert label_for(staff) == "其他岗位"
    assert PostLabels(None)["own_0000000000"] == "其他岗位"


def test_an_unknown_post_is_refused_at_the_field(client, tree):
    client.login("village_admin")
    response = _add_staff(client, tree, "emperor", "皇帝")
    assert response.status_code == 422
    assert "请从列表中选择职务。" in response.text
    assert db.session.scalar(db.select(GridStaff).filter_by(name="皇帝")) is None
    # a ready post the town has not ticked is unknown too
    assert _add_staff(client, tree, "police", "王警官").status_code == 422
