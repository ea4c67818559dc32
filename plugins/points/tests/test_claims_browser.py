"""A resident's claim (积分申报) round trip on a 375 px phone: the resident opens "积分申报" from
the menu, picks the rule, writes a note and takes a photo, and sends it; the village admin finds
it from the points page, looks at the photo and approves it, on a phone too; the resident sees the
points on "我的积分"."""
import re

import pytest
from PIL import Image
from sqlalchemy import select

from plugins.points.models import PointsAccount, PointsClaim
from portal.browser_testing import login, logout, shot
from portal.extensions import db

pytestmark = pytest.mark.browser


def fits(phone):
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375, phone.url


def open_menu_link(phone, name):
    phone.get_by_text("菜单").click()
    phone.get_by_role("navigation", name="主菜单").get_by_role("link", name=name).click()


def test_a_claim_filed_with_a_photo_and_approved_on_phones(phone, live_server, points, tmp_path):
    points.tree.users["resident"].id_number = points.tree.resident_a.id_number  # 张三丰's login
    db.session.commit()
    photo = tmp_path / "road.jpg"
    Image.new("RGB", (1600, 1200), (60, 140, 80)).save(photo, "JPEG")

    login(phone, live_server, "resident")
    open_menu_link(phone, "积分申报")
    phone.get_by_role("heading", name="积分申报").wait_for()
    assert phone.get_by_text("张三丰").is_visible()
    phone.get_by_label("积分事项").select_option(label="参加村道清扫（5 分）")
    phone.get_by_label("做了什么").fill("早上七点和邻居一起清扫了村口到小学的村道")
    phone.get_by_label("照片(可选)").set_input_files(str(photo))
    phone.locator('[data-photo-status][data-state="done"], [data-photo-status][data-state="kept"]'
                  ).wait_for()
    fits(phone)
    shot(phone, tmp_path, "claim-phone-form")
    send = phone.get_by_role("button", name="提交申报")
    assert send.bounding_box()["height"] >= 44
    send.click()

    phone.get_by_text("已提交申报").wait_for()
    phone.locator(".badge", has_text="待审核").wait_for()
    claim = db.session.scalar(select(PointsClaim))
    assert claim.photo and claim.state == "pending"
    fits(phone)
    shot(phone, tmp_path, "claim-phone-filed")
    logout(phone)

    login(phone, live_server, "village_admin")
    phone.goto(f"{live_server}/points/")
    phone.get_by_role("link", name="待审核申报 1").click()
    phone.get_by_role("link", name="参加村道清扫").click()
    image = phone.get_by_role("img", name="申报照片")
    image.wait_for()
    phone.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    fits(phone)
    shot(phone, tmp_path, "claim-phone-review")
    phone.get_by_role("button", name="通过，发放积分").click()
    phone.get_by_text("已通过申报，发放 5 积分。").wait_for()
    fits(phone)
    shot(phone, tmp_path, "claim-phone-approved")
    logout(phone)

    login(phone, live_server, "resident")
    open_menu_link(phone, "我的积分")
    phone.get_by_role("heading", name="我的积分").wait_for()
    assert re.search(r"余额\s*65\s*分", phone.locator(".big-number").first.inner_text())
    phone.get_by_text("积分申报：参加村道清扫").first.wait_for()
    fits(phone)
    shot(phone, tmp_path, "claim-phone-mine")
    db.session.expire_all()
    assert db.session.get(PointsAccount, points.account_a.id).balance == 65


def test_a_grid_worker_files_for_a_resident_found_by_pinyin(phone, live_server, points,
                                                            tmp_path):
    login(phone, live_server, "grid_worker")
    open_menu_link(phone, "积分申报")
    phone.get_by_label("搜索居民").fill("wxm")
    phone.get_by_role("button", name="查找").click()
    phone.wait_for_url("**q=wxm**")
    options = phone.locator("#resident option").all_inner_texts()
    assert options == ["请选择居民", "王小明（城西路2号）"]
    phone.get_by_label("居民", exact=True).select_option(label="王小明（城西路2号）")
    phone.get_by_label("积分事项").select_option(label="文明卫生户（20 分）")
    phone.get_by_label("做了什么").fill("院子和门前打扫得干干净净")
    fits(phone)
    shot(phone, tmp_path, "claim-phone-grid-worker")
    phone.get_by_role("button", name="提交申报").click()
    phone.get_by_text("已提交申报").wait_for()
    claim = db.session.scalar(select(PointsClaim))
    assert claim.resident.name == "王小明" and claim.filed_by.username == "grid_worker"
    phone.get_by_text("grid_worker 用户代报").wait_for()
