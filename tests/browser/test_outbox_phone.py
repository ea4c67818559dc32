"""The admins' outbox on a 375 px phone: a town admin sees why an SMS failed, retries it, and
sets the town's digest time."""
from portal.browser_testing import login, shot
from portal.extensions import db
from portal.notifications.models import Notification
from portal.settings import get_setting


def test_a_town_admin_retries_a_failed_sms_on_a_phone(phone, live_server, app, tree, tmp_path):
    for key, state, error in (("sent", "sent", None),
                              ("failed", "failed", "ConnectionError: 短信服务无响应")):
        db.session.add(Notification(key=key, event="case_supervised", channel="sms",
                                    town_id=tree.town_a.id, subject=f"督办通知 {key}",
                                    body="请尽快办理", address="13812345678", state=state,
                                    attempts=1 if error else 0, last_error=error))
    db.session.commit()

    login(phone, live_server, "town_admin")
    phone.goto(f"{live_server}/admin/notifications/")
    phone.get_by_text("ConnectionError: 短信服务无响应").wait_for()
    phone.get_by_text("138****5678").first.wait_for()
    assert "13812345678" not in phone.content()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    shot(phone, tmp_path, "phone-outbox")

    retry = phone.get_by_role("button", name="重试")
    assert retry.count() == 1  # the failed row only
    retry.click()
    phone.get_by_text("已重新排队发送。").wait_for()
    db.session.expire_all()
    failed = db.session.scalar(db.select(Notification).filter_by(key="failed"))
    assert failed.state == "pending"

    phone.get_by_label("每日待办推送时间").fill("06:45")
    phone.get_by_role("button", name="保存").click()
    phone.get_by_text("每天 06:45 推送").wait_for()
    assert get_setting(tree.town_a, "notifications.digest_time", None) == "06:45"
    shot(phone, tmp_path, "phone-outbox-saved")
