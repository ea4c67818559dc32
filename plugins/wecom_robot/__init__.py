"""企业微信群机器人 · WeCom group robots: a town's or village's admin registers the robot of a
grid's or village's work group (its webhook key, a secret), and chooses the events it is told
about; the notifications of those events are posted into the group (channel "wecom").
Switched on per town. Hook implementations only; the work is in the modules next to this one."""
from flask import url_for
from flask_babel import lazy_gettext as _l

from portal import hookimpl
from portal.notifications.messages import Channel
from portal.permissions import Permission, can
from portal.plugins import MenuLink

WECOM = Channel("wecom", _l("企业微信群"), groups=True)


@hookimpl
def plugin_info():
    return {"label": _l("企业微信群机器人"),
            "description": _l("把督办、突发事件等消息推送到网格、村(社区)的企业微信工作群。")}


@hookimpl
def audit_labels():
    return {
        "actions": {"wecom_robot.create": _l("添加群机器人"),
                    "wecom_robot.update": _l("修改群机器人"),
                    "wecom_robot.delete": _l("删除群机器人")},
        "objects": {"WecomRobotRobot": _l("企业微信群机器人")},
        "fields": {"key_changed": _l("更换了密钥"), "events": _l("推送的消息")},
    }


@hookimpl
def configure_app(app):
    # The robots' webhook (WeCom's own); tests point it at a local server.
    app.config.setdefault("WECOM_ROBOT_WEBHOOK_URL",
                          "https://qyapi.weixin.qq.com/cgi-bin/webhook/send")
    app.config.setdefault("WECOM_ROBOT_TIMEOUT_SECONDS", 10)


@hookimpl
def register_permissions():
    return [Permission("wecom_robot.manage", _l("管理企业微信群机器人"),
                       ("county_admin", "town_admin", "village_admin"))]


@hookimpl
def menu_links(user, town):
    if can(user, "wecom_robot.manage"):
        return [MenuLink(950, str(_l("群机器人")), url_for("wecom_robot.index"))]
    return []


@hookimpl
def notification_channels():
    return [WECOM]


@hookimpl
def notification_groups(event, grid):
    from .services import groups

    return groups(event, grid)


@hookimpl
def send_notification(channel, recipient, message):
    if channel != WECOM.name:
        return None
    from .services import send

    send(recipient, message)
    return True
