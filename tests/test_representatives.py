"""Resident representatives (联户, issue 23): a representative on the grid's board looks after
8 to 15 households of the grid (advice, never a refusal); a household has one representative at
a time; unlinking ends the link and keeps it; the page lists each household's last visit and the
visits of the representative's own login; another town's admin sees nothing."""
from datetime import date

import pytest

from portal.audit.models import AuditEntry
from portal.errors import DomainError
from portal.extensions import db
from portal.grids import representatives
from portal.grids.models import GridStaff, RepresentativeHousehold
from portal.people.services import add_household
from portal.people.visits import record_visit


@pytest.fixture
def rep(tree):
    """Two representatives of 第一网格 (one with the grid worker's login) and a third household."""
    first = GridStaff(grid_id=tree.grid_a1.id, post="representative", name="钱代表",
                      user_id=tree.users["grid_worker"].id, phone="13900000001")
    second = GridStaff(grid_id=tree.grid_a1.id, post="representative", name="孙代表")
    worker = GridStaff(grid_id=tree.grid_a1.id, post="worker", name="李网格")
    db.session.add_all([first, second, worker])
    third = add_household(tree.grid_a1, "城西路3号", number="003")
    db.session.commit()
    return {"first": first, "second": second, "worker": worker, "third": third}


def _page(tree, staff):
    return f"/grids/{tree.grid_a1.id}/staff/{staff.id}/households"


def _link(client, tree, staff, household):
    return client.post(_page(tree, staff), data={"household": household.id})


def test_linking_three_households_shows_the_advice(client, tree, rep):
    client.login("grid_worker")
    for household in (tree.household_a, tree.household_a2, rep["third"]):
        assert _link(client, tree, rep["first"], household).status_code == 302
    page = client.get(_page(tree, rep["first"]))
    assert page.status_code == 200
    assert "目前联系3户，建议每位代表联系8至15户。" in page.text
    assert "城西路1号" in page.text and "城西路3号" in page.text
    assert len(representatives.links_of(rep["first"])) == 3
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry).filter_by(
        action="grid.representative_link")) == 3


def test_the_advice_is_never_a_refusal_and_says_when_too_many():
    assert representatives.count_hint(8) is None and representatives.count_hint(15) is None
    assert "多于建议的15户" in representatives.count_hint(16)


def test_a_household_of_another_representative_is_refused_with_a_message(client, tree, rep):
    client.login("grid_worker")
    assert _link(client, tree, rep["first"], tree.household_a).status_code == 302
    response = _link(client, tree, rep["second"], tree.household_a)
    assert response.status_code == 422
    assert "这户已由居民代表钱代表联系" in response.text
    assert representatives.representative_of(tree.household_a).staff_id == rep["first"].id
    assert not representatives.links_of(rep["second"])


def test_only_a_representative_of_the_households_grid_may_link(tree, rep):
    with pytest.raises(DomainError) as refused:
        representatives.link(rep["worker"], tree.household_a)
    assert refused.value.field == "household"
    other_grid = add_household(tree.grid_a2, "城西路9号")
    with pytest.raises(DomainError, match="本网格"):
        representatives.link(rep["first"], other_grid)


def test_unlinking_keeps_the_history_and_frees_the_household(client, tree, rep):
    client.login("grid_worker")
    _link(client, tree, rep["first"], tree.household_a)
    response = client.post(f"{_page(tree, rep['first'])}/{tree.household_a.id}/end")
    assert response.status_code == 303
    rows = db.session.scalars(db.select(RepresentativeHousehold)).all()
    assert len(rows) == 1 and rows[0].ended_at is not None
    assert representatives.representative_of(tree.household_a) is None
    assert "已解除的联户" in client.get(_page(tree, rep["first"])).text
    # now the other representative may take it
    assert _link(client, tree, rep["second"], tree.household_a).status_code == 302
    assert len(db.session.scalars(db.select(RepresentativeHousehold)).all()) == 2
    assert db.session.scalar(db.select(AuditEntry).filter_by(
        action="grid.representative_unlink")) is not None


def test_the_page_lists_last_visits_and_the_representatives_own_visits(client, tree, rep):
    representatives.link(rep["first"], tree.household_a)
    representatives.link(rep["first"], tree.household_a2)
    record_visit(tree.household_a, tree.users["village_admin"], date(2026, 3, 1), "一切正常")
    record_visit(tree.household_a, tree.users["grid_worker"], date(2026, 3, 5), "老人身体好")
    db.session.commit()
    last = representatives.last_visits([tree.household_a.id, tree.household_a2.id])
    assert last[tree.household_a.id].visited_on == date(2026, 3, 5)
    assert last[tree.household_a.id].visitor == "grid_worker 用户"
    assert tree.household_a2.id not in last
    client.login("village_admin")
    text = client.get(_page(tree, rep["first"])).text
    assert "2026-03-05 · grid_worker 用户" in text and "尚未走访" in text
    assert "钱代表的走访记录" in text and "老人身体好" in text
    # no login, no visit list
    assert "走访记录" not in client.get(_page(tree, rep["second"])).text


def test_the_household_partial_names_the_representative(app, client, tree, rep):
    representatives.link(rep["first"], tree.household_a)
    db.session.commit()
    client.login("grid_worker")
    with app.test_request_context():
        from flask import render_template
        from flask_login import login_user

        login_user(tree.users["grid_worker"])
        shown = render_template("people/_household_representative.html",
                                household=tree.household_a)
        empty = render_template("people/_household_representative.html",
                                household=tree.household_a2)
    assert "联户代表" in shown and "钱代表" in shown
    assert f"/grids/{tree.grid_a1.id}/staff/{rep['first'].id}/households" in shown
    assert "联户代表" not in empty


def test_the_grid_page_links_a_representative_to_their_households(client, tree, rep):
    client.login("village_admin")
    text = client.get(f"/grids/{tree.grid_a1.id}").text
    assert _page(tree, rep["first"]) in text and _page(tree, rep["worker"]) not in text


def test_town_b_sees_none_of_it(client, tree, rep):
    representatives.link(rep["first"], tree.household_a)
    db.session.commit()
    client.login("b_town_admin")
    assert client.get(_page(tree, rep["first"])).status_code == 404
    assert _link(client, tree, rep["second"], tree.household_a2).status_code == 404
    response = client.post(f"{_page(tree, rep['first'])}/{tree.household_a.id}/end")
    assert response.status_code == 404
    assert representatives.representative_of(tree.household_a) is not None


def test_a_household_of_another_town_is_a_404(client, tree, rep):
    client.login("grid_worker")
    assert _link(client, tree, rep["first"], tree.household_b).status_code == 404


def test_the_household_page_names_its_representative(client, tree, rep):
    client.login("grid_worker")
    page = f"/people/households/{tree.household_a.id}"
    assert "联户代表" not in client.get(page).text
    assert _link(client, tree, rep["first"], tree.household_a).status_code == 302
    shown = client.get(page).text
    assert "联户代表" in shown and "钱代表" in shown
