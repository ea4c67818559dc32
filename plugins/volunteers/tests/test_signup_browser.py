"""A volunteer on a phone: find the activity, sign up, scan the QR code at the place, check in."""
import re

import pytest
from sqlalchemy import select

from plugins.volunteers.models import VolunteersSignup
from portal.browser_testing import login, shot
from portal.extensions import db

pytestmark = pytest.mark.browser


def test_sign_up_and_check_in_on_a_phone(phone, live_server, vol, tmp_path):
    page = phone
    login(page, live_server, "resident")
    page.get_by_text("菜单").tap()
    page.get_by_role("link", name="志愿服务").tap()
    page.get_by_role("heading", name="我的志愿服务").wait_for()
    page.get_by_role("link", name="报名活动").tap()
    page.get_by_role("link", name="清扫村道").tap()
    assert page.locator("#signed").inner_text() == "0"
    shot(page, tmp_path, "volunteer-activity")
    page.get_by_role("button", name="报名").tap()
    page.get_by_text("报名成功").wait_for()
    assert page.locator("#signed").inner_text() == "1"

    # the QR code at the activity leads here; a phone camera opens it in the browser
    page.goto(f"{live_server}/volunteers/activities/{vol.activity.id}/scan/"
              f"{vol.activity.checkin_token}")
    shot(page, tmp_path, "volunteer-scan")
    page.get_by_role("button", name="签到").tap()
    page.get_by_text("签到成功").wait_for()
    assert re.search("已签到", page.content())
    shot(page, tmp_path, "volunteer-checked-in")
    signup = db.session.scalar(select(VolunteersSignup).filter_by(volunteer_id=vol.leader.id))
    db.session.refresh(signup)
    assert signup.checked_in_at is not None and signup.checked_out_at is None
