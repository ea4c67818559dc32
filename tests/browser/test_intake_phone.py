"""The town's intake queue on a 375 px phone: a town admin opens 待分派, sees the case Open311
could not place, with the grid its coordinates suggest chosen, and puts it into that grid."""
from portal.browser_testing import login, shot
from portal.cases.models import Case
from portal.cases.services import report_unplaced
from portal.extensions import db
from portal.maps.services import save_drawn
from tests.test_case_placement import _square


def test_a_town_admin_places_an_intake_case_on_a_phone(phone, live_server, app, tree,
                                                        tmp_path):
    save_drawn(tree.grid_a2, _square(112.1, 28.0, 112.2, 28.1), tree.users["county_admin"])
    with app.test_request_context():
        case = report_unplaced(tree.town_a, category="hazard", title="桥头护栏松动",
                               description="桥头护栏晃动", source="open311",
                               reporter_phone="13812345678", address="文星镇老桥桥头",
                               latitude=28.05, longitude=112.15)
    db.session.commit()

    login(phone, live_server, "town_admin")
    phone.goto(f"{live_server}/cases/")
    phone.get_by_role("link", name="待分派", exact=True).click()
    phone.wait_for_url("**/cases/intake/")
    phone.get_by_text("桥头护栏松动").wait_for()
    phone.get_by_text("文星镇老桥桥头").wait_for()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    shot(phone, tmp_path, "phone-intake-list")

    phone.get_by_role("link", name="放入网格").click()
    phone.wait_for_url(f"**/cases/intake/{case.id}/place")
    phone.get_by_text("已为您选中").wait_for()
    select = phone.get_by_label("放入网格")
    assert select.input_value() == str(tree.grid_a2.id)  # the grid the coordinates suggest
    box = select.bounding_box()
    assert box["height"] >= 44
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    shot(phone, tmp_path, "phone-intake-place")

    phone.get_by_role("button", name="放入网格").click()
    phone.wait_for_url("**/cases/intake/")
    phone.get_by_text("没有待分派的事件。").wait_for()
    shot(phone, tmp_path, "phone-intake-placed")
    db.session.expire_all()
    placed = db.session.get(Case, case.id)
    assert placed.grid_id == tree.grid_a2.id and placed.level == "grid"
