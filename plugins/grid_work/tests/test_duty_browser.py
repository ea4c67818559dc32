"""Duty on a phone (375 px): a grid worker opens the meeting's QR code (the check-in URL) and
sees 已签到, then asks for leave with a colleague covering."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from plugins.grid_work.duty.models import GridWorkAttendance, GridWorkLeave
from portal.auth.services import create_user
from portal.browser_testing import login, shot
from portal.extensions import db
from portal.testing import PASSWORD
from portal.timeutil import local_today

pytestmark = pytest.mark.browser


def test_a_worker_checks_in_by_qr_and_asks_for_leave_on_a_phone(phone, live_server, grid_work,
                                                                tmp_path):
    colleague = create_user(username="gw_cover", password=PASSWORD, role="grid_worker",
                            scope=grid_work.tree.grid_a2, display_name="李代管")
    db.session.commit()
    page = phone
    login(page, live_server, "grid_worker")
    page.goto(f"{live_server}/work/meetings/checkin/{grid_work.duty_meeting.checkin_token}")
    page.locator("#checkin-button").tap()
    page.locator("#checkin").get_by_text("已签到").wait_for()
    shot(page, tmp_path, "duty-checkin")
    db.session.expire_all()
    row = db.session.get(GridWorkAttendance, grid_work.duty_attendance.id)
    assert row.status == "present"

    page.goto(f"{live_server}/work/leave")
    page.get_by_role("link", name="申请请假").tap()
    starts = local_today() + timedelta(days=20)
    page.get_by_label("开始日期").fill(starts.isoformat())
    page.get_by_label("结束日期").fill((starts + timedelta(days=1)).isoformat())
    page.get_by_label("事由").fill("回老家办事")
    page.get_by_label("代管网格员").select_option(label="李代管")
    shot(page, tmp_path, "duty-leave-form")
    page.get_by_role("button", name="提交申请").tap()
    page.get_by_text("已提交请假申请").wait_for()
    shot(page, tmp_path, "duty-leave")
    assert "待审批" in page.locator("#leave-state").inner_text()
    leave = db.session.scalar(select(GridWorkLeave).filter_by(reason="回老家办事"))
    assert leave is not None and leave.cover_id == colleague.id and leave.starts_on == starts
