"""Photos and location on a 375 px phone (issue 17): a 7 MB phone photo leaves the browser
shrunk (static/js/photos.js), its GPS fills the case's coordinates, and "使用当前位置"
(static/js/geo.js) fills the visit's and says whether the point lies in the grid."""
import json

from portal.browser_testing import login, shot
from portal.cases.models import Case
from portal.extensions import db
from portal.maps.models import GridBoundary
from portal.people.models import Visit
from tests.test_photos_phone import LATITUDE, LONGITUDE, SQUARE, phone_jpeg


def _boundary(grid):
    db.session.add(GridBoundary(grid_id=grid.id, geometry=json.dumps(SQUARE), min_lon=112.9,
                                min_lat=28.1, max_lon=113.0, max_lat=28.2, source="drawn"))
    db.session.commit()


def test_a_big_phone_photo_is_sent_small_and_its_gps_fills_the_case(phone_without_worker,
                                                                    live_server, tree, tmp_path):
    phone = phone_without_worker  # the post's size is read by page.route, which sees no worker's
    _boundary(tree.grid_a1)
    original = tmp_path / "IMG_20261130_091500.jpg"
    original.write_bytes(phone_jpeg())
    assert original.stat().st_size > 6 * 1024 * 1024

    bodies = []

    def record(route, request):
        if request.method == "POST":
            bodies.append(len(request.post_data_buffer or b""))
        route.continue_()

    login(phone, live_server, "grid_worker")
    phone.route("**/cases/new", record)
    phone.goto(f"{live_server}/cases/new")
    phone.get_by_label("标题").fill("路口井盖丢失")
    phone.get_by_label("事件经过").fill("城西路口的井盖不见了，晚上很危险")
    phone.get_by_label("照片").set_input_files(str(original))

    status = phone.locator("[data-photo-status]")
    status.get_by_text("已压缩1张照片").wait_for()
    # the GPS read from the original, before the canvas dropped it, and checked against the grid
    assert phone.get_by_label("纬度").input_value() == f"{LATITUDE:.6f}"
    assert phone.get_by_label("经度").input_value() == f"{LONGITUDE:.6f}"
    phone.get_by_text("已从照片读取拍摄位置").wait_for()
    phone.get_by_text("该位置在“第一网格”范围内。").wait_for()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    shot(phone, tmp_path, "phone-case-photo-shrunk")

    phone.get_by_role("button", name="上报", exact=True).click()
    phone.wait_for_url("**/cases/*")
    assert len(bodies) == 1
    assert bodies[0] < 1024 * 1024, bodies  # a 7 MB photo went out as well under 1 MB
    case = db.session.scalar(db.select(Case).filter_by(title="路口井盖丢失"))
    assert len(case.photos) == 1
    assert (case.latitude, case.longitude) == (LATITUDE, LONGITUDE)


def test_use_my_location_fills_the_visit_and_says_inside_or_outside(phone, live_server, tree,
                                                                    tmp_path):
    _boundary(tree.grid_a1)
    context = phone.context
    login(phone, live_server, "grid_worker")
    phone.goto(f"{live_server}/visits/households/{tree.household_a.id}/new")

    # refused first: a clear message, nothing filled
    phone.get_by_role("button", name="使用当前位置").click()
    phone.get_by_text("无法定位：已拒绝本网站使用位置").wait_for()
    assert phone.get_by_label("纬度").input_value() == ""
    shot(phone, tmp_path, "phone-visit-location-refused")

    context.grant_permissions(["geolocation"], origin=live_server)
    context.set_geolocation({"latitude": 28.15, "longitude": 112.95, "accuracy": 8})
    phone.get_by_role("button", name="使用当前位置").click()
    phone.get_by_text("该位置在“第一网格”范围内。").wait_for()
    assert phone.get_by_label("纬度").input_value() == "28.150000"
    assert phone.get_by_label("经度").input_value() == "112.950000"
    assert phone.get_by_text("已填入当前位置：28.150000, 112.950000（误差约8米）").is_visible()
    shot(phone, tmp_path, "phone-visit-location-inside")

    context.set_geolocation({"latitude": 28.3, "longitude": 112.95, "accuracy": 8})
    phone.get_by_role("button", name="使用当前位置").click()
    phone.get_by_text("该位置不在“第一网格”范围内，请核对网格或位置。").wait_for()
    assert phone.get_by_label("纬度").input_value() == "28.300000"
    shot(phone, tmp_path, "phone-visit-location-outside")

    phone.get_by_label("走访情况").fill("老人身体好，家中整洁")
    phone.get_by_role("button", name="保存").click()
    phone.wait_for_url(f"**/people/households/{tree.household_a.id}")
    visit = db.session.scalar(db.select(Visit))
    assert (visit.latitude, visit.longitude) == (28.3, 112.95)
