"""The admins' outbox (/admin/notifications): each admin sees their towns' rows with numbers
masked, counts and filters, why a row failed, a retry (audited), and the town's digest time."""
import pytest
from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.notifications import digest
from portal.notifications.models import Notification
from portal.notifications.outbox_views import mask_address
from portal.settings import get_setting


def row(town, key, state="sent", channel="sms", address="13812345678", **kwargs):
    notification = Notification(key=key, event="case_assigned", channel=channel,
                                town_id=town.id if town else None, subject=f"事件{key}",
                                body="请处理", address=address, state=state, **kwargs)
    db.session.add(notification)
    return notification


@pytest.fixture
def outbox(tree):
    rows = {
        "a_sent": row(tree.town_a, "a_sent"),
        "a_failed": row(tree.town_a, "a_failed", state="failed", attempts=2,
                        last_error="ConnectionError: provider down"),
        "a_dead": row(tree.town_a, "a_dead", state="dead", attempts=1, channel="wecom",
                      address="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SECRET",
                      last_error="no channel"),
        "b_failed": row(tree.town_b, "b_failed", state="failed", attempts=1,
                        address="13999998888"),
    }
    db.session.commit()
    return rows


def test_a_town_admin_sees_their_towns_rows_masked(client, tree, outbox):
    client.login("town_admin")
    page = client.get("/admin/notifications/").get_data(as_text=True)
    assert "事件a_sent" in page and "事件a_failed" in page
    assert "事件b_failed" not in page and "1399" not in page
    assert "138****5678" in page and "13812345678" not in page
    assert "SECRET" not in page and "qyapi" not in page
    assert "ConnectionError: provider down" in page  # why it failed
    assert "没有可用的发送通道" in page  # a reason of the worker's own, in words
    assert page.count(">重试<") == 2  # the failed and the dead row, not the sent one


def test_counts_and_filters(client, tree, outbox):
    client.login("town_admin")
    page = client.get("/admin/notifications/?state=failed").get_data(as_text=True)
    assert "事件a_failed" in page and "事件a_sent" not in page
    assert "全部 3" in page and "已发送 1" in page and "发送失败，待重试 1" in page
    page = client.get("/admin/notifications/?channel=wecom").get_data(as_text=True)
    assert "事件a_dead" in page and "事件a_sent" not in page
    page = client.get("/admin/notifications/?event=daily_digest").get_data(as_text=True)
    assert "事件a_" not in page


def test_a_county_admin_sees_every_town_and_may_narrow_to_one(client, tree, outbox):
    row(None, "county_wide")
    db.session.commit()
    client.login("county_admin")
    page = client.get("/admin/notifications/").get_data(as_text=True)
    assert all(f"事件{k}" in page for k in ("a_sent", "b_failed", "county_wide"))
    page = client.get(f"/admin/notifications/?town={tree.town_b.code}").get_data(as_text=True)
    assert "事件b_failed" in page and "事件a_sent" not in page and "county_wide" not in page
    assert client.get("/admin/notifications/?town=999").status_code == 404


def test_retry_requeues_a_failed_row_and_is_audited(client, tree, outbox, app):
    from portal.worker import queue

    client.login("town_admin")
    failed = outbox["a_failed"]
    response = client.post(f"/admin/notifications/{failed.id}/retry")
    assert response.status_code == 303
    db.session.refresh(failed)
    assert (failed.state, failed.attempts) == ("pending", 0)
    entry = db.session.scalar(select(AuditEntry).filter_by(action="notification.retry"))
    assert entry.object_id == str(failed.id) and entry.scope_code == tree.town_a.code
    assert [t.name for t in queue(app).pending()] == ["deliver"]  # the worker is woken


def test_a_sent_row_is_not_retried(client, tree, outbox):
    client.login("town_admin")
    sent = outbox["a_sent"]
    response = client.post(f"/admin/notifications/{sent.id}/retry", follow_redirects=True)
    assert "只有发送失败或已放弃的通知可以重试" in response.get_data(as_text=True)
    db.session.refresh(sent)
    assert sent.state == "sent"


def test_another_towns_row_does_not_exist(client, tree, outbox):
    client.login("b_town_admin")
    assert client.post(f"/admin/notifications/{outbox['a_failed'].id}/retry").status_code == 404
    db.session.refresh(outbox["a_failed"])
    assert outbox["a_failed"].state == "failed"


def test_a_grid_worker_may_not_see_the_outbox(client, tree, outbox):
    client.login("grid_worker")
    assert client.get("/admin/notifications/").status_code == 403
    assert client.post(f"/admin/notifications/{outbox['a_failed'].id}/retry").status_code == 403


def test_the_town_admin_sets_the_digest_time(client, tree):
    client.login("town_admin")
    page = client.get("/admin/notifications/").get_data(as_text=True)
    assert 'value="07:30"' in page
    response = client.post("/admin/notifications/digest-time", data={"time": "25:00"})
    assert response.status_code == 422 and "07:30" in response.get_data(as_text=True)
    fragment = client.htmx_post("/admin/notifications/digest-time", data={"time": ""})
    assert fragment.status_code == 422 and "请填写时间" in fragment.get_data(as_text=True)
    assert "<html" not in fragment.get_data(as_text=True)
    response = client.post("/admin/notifications/digest-time", data={"time": "6:45"})
    assert response.status_code == 302
    assert get_setting(tree.town_a, digest.TIME_SETTING, None) == "06:45"
    assert db.session.scalar(select(AuditEntry.detail).filter_by(
        action="settings.digest_time")) == '{"time": "06:45"}'


def test_a_county_admin_sets_a_chosen_towns_digest_time(client, tree):
    client.login("county_admin")
    refused = client.post("/admin/notifications/digest-time", data={"time": "08:00"})
    assert refused.status_code == 422  # which town?
    assert "请先选择一个镇(街道)" in refused.get_data(as_text=True)
    response = client.post(f"/admin/notifications/digest-time?town={tree.town_b.code}",
                           data={"time": "08:00"})
    assert response.status_code == 302
    assert get_setting(tree.town_b, digest.TIME_SETTING, None) == "08:00"
    assert get_setting(tree.town_a, digest.TIME_SETTING, None) is None


@pytest.mark.parametrize("address, shown", [
    ("13812345678", "138****5678"), ("zhang.san@example.cn", "z****@example.cn"),
    ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc", "http****"),
    ("0730-1234567", "073****4567"), (None, ""),
])
def test_addresses_are_masked(address, shown):
    assert mask_address(address) == shown
