"""Group robots: registered by an admin (the key kept secret: shown masked, never in the audit
log nor in an error), the groups told about an event (the grid's and its village's, only where
the module is on), and delivery against a local fake of WeCom's webhook."""
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from plugins.wecom_robot.models import WecomRobotRobot
from plugins.wecom_robot.testing import KEY_GRID, KEY_VILLAGE
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.modules.services import set_module
from portal.notifications.messages import Message, PermanentError, Recipient
from portal.notifications.models import Notification
from portal.notifications.outbox import notify
from portal.plugins import host

NEW_KEY = "abcdef01-2345-6789-abcd-ef0123456789"


class FakeWecom(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        key = parse_qs(urlsplit(self.path).query)["key"][0]
        self.server.posts.append((key, json.loads(body)))
        payload = json.dumps(self.server.answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeWecom)
    server.posts, server.answer = [], {"errcode": 0, "errmsg": "ok"}
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def app_config(app_config, fake):
    return {**app_config, "PUBLIC_BASE_URL": "https://grid.example.cn",
            "WECOM_ROBOT_WEBHOOK_URL": f"http://127.0.0.1:{fake.server_address[1]}/cgi-bin/"
                                       "webhook/send"}


def _send(robot, message=None):
    message = message or Message("emergency", "突发事件", "城西路积水", link="/cases/7", id=5)
    return host().pm.hook.send_notification(
        channel="wecom", recipient=Recipient(address=f"robot:{robot.id}"), message=message)


# ---------------------------------------------------------------- registering


def test_an_admin_adds_a_robot_from_the_webhook_address_and_sees_it_masked(client, tree):
    set_module(tree.town_a, "wecom_robot", True)
    db.session.commit()
    client.login("village_admin")
    response = client.post("/wecom-robots/", data={
        "grid": tree.grid_a1.id, "name": "第一网格群",
        "key": f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={NEW_KEY}",
        "events": ["emergency", "case_supervised"]})
    assert response.status_code == 302
    robot = db.session.scalar(db.select(WecomRobotRobot))
    assert robot.key == NEW_KEY and robot.event_list == ["case_supervised", "emergency"]
    page = client.get("/wecom-robots/").get_data(as_text=True)
    assert "第一网格群" in page and "abcd…6789" in page and NEW_KEY not in page
    assert NEW_KEY not in client.get(f"/wecom-robots/{robot.id}").get_data(as_text=True)
    entry = db.session.scalar(db.select(AuditEntry).filter_by(action="wecom_robot.create"))
    assert entry.scope_code == tree.grid_a1.code and NEW_KEY not in (entry.detail or "")


@pytest.mark.parametrize("key, events, field, message", [
    ("not a key", ["emergency"], "key", "Webhook 地址"),
    (NEW_KEY, [], "events", "至少选择一类消息"),
])
def test_a_bad_robot_is_refused_next_to_the_field(client, tree, key, events, field, message):
    set_module(tree.town_a, "wecom_robot", True)
    db.session.commit()
    client.login("town_admin")
    response = client.post("/wecom-robots/", data={"grid": tree.grid_a1.id, "name": "群",
                                                   "key": key, "events": events})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field}-errors"' in page and message in page


def test_a_town_has_no_robot(client, tree):
    """The town is not among the places offered (and the service refuses it too)."""
    set_module(tree.town_a, "wecom_robot", True)
    db.session.commit()
    client.login("town_admin")
    response = client.post("/wecom-robots/", data={"grid": tree.town_a.id, "name": "镇群",
                                                   "key": NEW_KEY, "events": ["emergency"]})
    assert response.status_code == 422
    assert db.session.scalar(db.select(WecomRobotRobot)) is None
    from plugins.wecom_robot import services
    from portal.errors import DomainError

    with pytest.raises(DomainError, match="只能设在村"):
        services.create(tree.town_a, name="镇群", key=NEW_KEY, events=["emergency"], actor=None)


def test_editing_keeps_the_key_unless_a_new_one_is_pasted_and_audits_only_that_it_changed(
        client, robots):
    client.login("town_admin")
    robot = robots.grid_robot
    url = f"/wecom-robots/{robot.id}"
    client.post(url, data={"name": "改名了", "key": "", "events": ["emergency"], "active": "y"})
    db.session.refresh(robot)
    assert robot.name == "改名了" and robot.key == KEY_GRID
    client.post(url, data={"name": "改名了", "key": NEW_KEY, "events": ["emergency"]})
    db.session.refresh(robot)
    assert robot.key == NEW_KEY and robot.active is False
    details = " ".join(e.detail or "" for e in db.session.scalars(
        db.select(AuditEntry).filter_by(action="wecom_robot.update")))
    assert "key_changed" in details and NEW_KEY not in details and KEY_GRID not in details


def test_another_towns_admin_sees_none_of_town_as_robots(client, robots):
    set_module(robots.tree.town_b, "wecom_robot", True)
    db.session.commit()
    client.login("b_town_admin")
    page = client.get("/wecom-robots/").get_data(as_text=True)
    assert "第一网格工作群甲" not in page and "城西社区工作群甲" not in page
    assert client.get(f"/wecom-robots/{robots.grid_robot.id}").status_code == 404
    assert client.post(f"/wecom-robots/{robots.grid_robot.id}/delete").status_code == 404


def test_deleting_a_robot_is_audited(client, robots):
    client.login("town_admin")
    assert client.post(f"/wecom-robots/{robots.grid_robot.id}/delete").status_code == 303
    assert db.session.get(WecomRobotRobot, robots.grid_robot.id) is None
    assert db.session.scalar(db.select(AuditEntry).filter_by(action="wecom_robot.delete"))


# ---------------------------------------------------------------- which groups are told


def _wecom_rows(key):
    return sorted(row.address for row in db.session.scalars(db.select(Notification).where(
        Notification.channel == "wecom", Notification.key.startswith(key + "|"))))


def test_a_grids_event_goes_to_its_robot_and_its_villages_chosen_ones(robots):
    tree = robots.tree
    notify("emergency", "e:1", subject="突发", body="积水", grid=tree.grid_a1, town=tree.town_a)
    notify("case_supervised", "s:1", subject="督办", body="超期", grid=tree.grid_a1,
           town=tree.town_a)
    notify("emergency", "e:2", subject="突发", body="积水", grid=tree.grid_a3, town=tree.town_a)
    assert _wecom_rows("e:1") == sorted([f"robot:{robots.grid_robot.id}",
                                         f"robot:{robots.village_robot.id}"])
    assert _wecom_rows("s:1") == [f"robot:{robots.grid_robot.id}"]  # the village chose no 督办
    assert _wecom_rows("e:2") == []  # another village


def test_no_group_is_told_where_the_module_is_off_or_the_robot_is_switched_off(robots):
    tree = robots.tree
    robots.grid_robot.active = False
    db.session.commit()
    notify("emergency", "e:1", subject="突发", body="积水", grid=tree.grid_a1)
    assert _wecom_rows("e:1") == [f"robot:{robots.village_robot.id}"]
    set_module(tree.town_a, "wecom_robot", False)
    db.session.commit()
    notify("emergency", "e:2", subject="突发", body="积水", grid=tree.grid_a1)
    assert _wecom_rows("e:2") == []


def test_the_wecom_channel_is_no_ones_personal_choice(client, robots):
    client.login("grid_worker")
    assert "企业微信群" not in client.get("/me/notifications").get_data(as_text=True)


# ---------------------------------------------------------------- delivery


def test_a_message_is_posted_as_markdown_with_its_absolute_link(robots, fake):
    assert _send(robots.grid_robot) is True
    [(key, payload)] = fake.posts
    assert key == KEY_GRID and payload["msgtype"] == "markdown"
    content = payload["markdown"]["content"]
    assert "**突发事件**" in content and "城西路积水" in content
    assert "(https://grid.example.cn/cases/7)" in content


def test_an_invalid_key_is_given_up_and_never_named(robots, fake, caplog):
    caplog.set_level(logging.DEBUG)
    fake.answer = {"errcode": 93000, "errmsg": "invalid webhook url"}
    with pytest.raises(PermanentError) as raised:
        _send(robots.village_robot)
    assert KEY_VILLAGE not in str(raised.value) and KEY_VILLAGE not in caplog.text


def test_a_rate_limit_is_retried(robots, fake):
    fake.answer = {"errcode": 45009, "errmsg": "api freq out of limit"}
    with pytest.raises(RuntimeError) as raised:
        _send(robots.grid_robot)
    assert not isinstance(raised.value, PermanentError)


def test_an_unreachable_webhook_is_retried_without_naming_the_key(app, robots):
    app.config["WECOM_ROBOT_WEBHOOK_URL"] = "http://127.0.0.1:1/cgi-bin/webhook/send"
    with pytest.raises(RuntimeError) as raised:
        _send(robots.grid_robot)
    assert KEY_GRID not in str(raised.value) and raised.value.__cause__ is None


def test_a_removed_robot_is_given_up(robots, fake):
    robot_id = robots.grid_robot.id
    db.session.delete(robots.grid_robot)
    db.session.commit()
    with pytest.raises(PermanentError):
        host().pm.hook.send_notification(channel="wecom",
                                         recipient=Recipient(address=f"robot:{robot_id}"),
                                         message=Message("emergency", "s", "b"))
    assert fake.posts == []
