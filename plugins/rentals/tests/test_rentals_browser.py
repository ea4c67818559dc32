"""Rentals on a phone (375 px): a grid worker opens the let house from the list and adds a
tenant with the registration of temporary residence; the ID number shows masked."""
import pytest
from sqlalchemy import select

from plugins.rentals.models import RentalsTenant
from portal.browser_testing import login, shot
from portal.extensions import db

pytestmark = pytest.mark.browser


def test_a_grid_worker_adds_a_tenant_on_a_phone(phone, live_server, rentals, tmp_path):
    page = phone
    login(page, live_server, "grid_worker")
    page.goto(f"{live_server}/rentals/")
    assert "即将到期" in page.locator("#lettings").inner_text()
    page.locator("#lettings a.row-main").first.tap()
    form = page.locator("#add-tenant")
    form.get_by_label("姓名").fill("新来租客")
    form.get_by_label("身份证号").fill("430624199003030032")
    form.get_by_label("电话").fill("13600002222")
    form.get_by_label("暂住登记编号").fill("ZZ-2026-009")
    form.get_by_label("暂住登记有效期至").fill("2027-06-30")
    shot(page, tmp_path, "rentals-add-tenant")
    form.get_by_role("button", name="登记租客").tap()
    page.get_by_text("已登记租客 新来租客").wait_for()
    shot(page, tmp_path, "rentals-letting")
    tenants = page.locator("#tenants").inner_text()
    assert "新来租客" in tenants and "430624199003030032" not in tenants
    assert "13600002222" not in page.content()
    assert db.session.scalar(select(RentalsTenant).filter_by(name="新来租客")) is not None
