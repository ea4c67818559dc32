"""志愿服务 · volunteer service: teams, activities and hours, pairing help and proxy services;
confirmed hours earn points through the points module where it is on. Hook implementations
only."""
from flask import url_for
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from portal import hookimpl
from portal.permissions import ADMINS, Permission, can, role_has
from portal.plugins import Card, MenuLink

STAFF_VIEW = (*ADMINS, "grid_worker", "info_officer")


@hookimpl
def plugin_info():
    return {"label": _l("志愿服务"),
            "description": _l("志愿者队伍、活动报名签到和服务时长、结对帮扶、代办服务；服务时长可换积分。")}


@hookimpl
def household_file_parts(household, user):
    """The household file (一户一档) shows its volunteers and pairings."""
    from .household_file import parts

    return parts(household, user)


@hookimpl
def audit_labels():
    return {
        "actions": {
            "volunteers.register": _l("登记志愿者"), "volunteers.team_create": _l("新建志愿者队伍"),
            "volunteers.join": _l("加入志愿者队伍"), "volunteers.member_leader": _l("设置或取消队长"),
            "volunteers.member_leave": _l("退出志愿者队伍"),
            "volunteers.activity_create": _l("发布志愿活动"),
            "volunteers.activity_cancel": _l("取消志愿活动"),
            "volunteers.confirm": _l("确认服务时长"),
            "volunteers.claim_approved": _l("服务时长填报通过"),
            "volunteers.claim_rejected": _l("服务时长填报不通过"),
            "volunteers.points_per_hour": _l("修改服务时长换积分"),
            "volunteers.pairing_create": _l("新建结对帮扶"), "volunteers.pairing_end": _l("结束结对帮扶"),
            "volunteers.proxy_request": _l("登记代办事项"), "volunteers.proxy_accepted": _l("受理代办事项"),
            "volunteers.proxy_done": _l("代办办结"), "volunteers.proxy_cancelled": _l("取消代办事项"),
        },
        "objects": {
            "VolunteersVolunteer": _l("志愿者"), "VolunteersTeam": _l("志愿者队伍"),
            "VolunteersMember": _l("队员"), "VolunteersActivity": _l("志愿活动"),
            "VolunteersSignup": _l("活动报名"), "VolunteersClaim": _l("服务时长填报"),
            "VolunteersPairing": _l("结对帮扶"), "VolunteersPairVisit": _l("帮扶走访"),
            "VolunteersProxy": _l("代办事项"),
        },
        "fields": {
            "capacity": _l("名额"), "errand": _l("代办事项"), "leader": _l("队长"),
            "minutes": _l("分钟"), "volunteer": _l("志愿者"), "points": _l("积分"),
        },
    }


@hookimpl
def configure_app(app):
    from .forms import CLAIM_STATE_LABELS, ERRAND_LABELS, NEED_LABELS, PROXY_STATE_LABELS, TEAM_KIND_LABELS

    app.jinja_env.globals.update(
        VOLUNTEER_TEAM_KINDS=TEAM_KIND_LABELS, VOLUNTEER_NEEDS=NEED_LABELS,
        VOLUNTEER_ERRANDS=ERRAND_LABELS, VOLUNTEER_PROXY_STATES=PROXY_STATE_LABELS,
        VOLUNTEER_CLAIM_STATES=CLAIM_STATE_LABELS)


@hookimpl
def register_permissions():
    return [
        Permission("volunteers.view", _l("查看志愿者和服务统计"), STAFF_VIEW),
        Permission("volunteers.activities", _l("查看志愿活动"), (*STAFF_VIEW, "resident")),
        Permission("volunteers.manage", _l("登记志愿者、管理队伍"), ADMINS),
        Permission("volunteers.lead", _l("组织活动、签到、确认时长"), ADMINS),
        Permission("volunteers.self", _l("报名活动、填报时长"), ("resident",)),
        Permission("volunteers.pairing", _l("结对帮扶"), (*ADMINS, "grid_worker")),
        Permission("volunteers.proxy", _l("代办服务"), STAFF_VIEW),
        Permission("volunteers.settings", _l("设置志愿服务积分"), ("county_admin", "town_admin")),
    ]


@hookimpl
def check_permission(user, action, obj):
    """Team leaders lead their teams whatever their role; anyone registered as a volunteer may
    sign up and see activities (a cadre can volunteer too)."""
    if not action.startswith("volunteers.") or role_has(user.role, action):
        return None
    from . import services

    if action == "volunteers.lead":
        teams = services.led_team_ids(user)
        if obj is None:
            return True if teams else None
        return True if getattr(obj, "team_id", None) in teams else None
    if action in ("volunteers.self", "volunteers.activities"):
        return True if services.volunteer_of(user) is not None else None
    return None


@hookimpl
def town_template_parts():
    """A town template (样板间) carries points per hour of service."""
    from .town_template import PARTS

    return list(PARTS)


@hookimpl
def register_demo_data(town, db):
    from .demo import load

    load(town)


@hookimpl
def menu_links(user, town):
    links = []
    if can(user, "volunteers.view"):
        links.append(MenuLink(310, str(_l("志愿服务")), url_for("volunteers.index")))
    elif can(user, "volunteers.self"):
        links.append(MenuLink(310, str(_l("志愿服务")), url_for("volunteers.me")))
    return links


@hookimpl
def dashboard_cards(scope, user):
    if not can(user, "volunteers.view"):
        return []
    from flask import render_template

    from . import services, stats

    figures = stats.figures(scope, months=1)
    overdue = services.count_overdue_pairings(scope)  # a count, not every pairing loaded
    body = Markup(render_template("volunteers/_card.html", figures=figures, overdue=overdue))
    return [Card(310, str(_l("志愿服务")), body, url_for("volunteers.index"))]


@hookimpl
def today_items(user, scope):
    """Pairing visits due (staff) and this week's activities (a volunteer, a team leader)."""
    from .today import items

    return items(user, scope)


@hookimpl
def template_slot(name, context):
    """On a case's page: raise a proxy service from it, and list those linked to it."""
    if name != "case_bottom":
        return None
    from flask import render_template
    from flask_login import current_user
    from sqlalchemy import select

    from portal.extensions import db

    from .models import VolunteersProxy

    if not can(current_user, "volunteers.proxy"):
        return None
    case = context["case"]
    linked = db.session.scalars(select(VolunteersProxy).filter_by(case_id=case.id)).all()
    return Markup(render_template("volunteers/_case_slot.html", case=case, linked=linked))


@hookimpl(optionalhook=True)  # declared by the best_grid plugin, which may be absent
def grid_measures(town, grids, since, until):
    """Confirmed service hours of each grid's volunteers (activities and approved reports)."""
    from portal.plugins import Measure

    from .stats import hours_by_grid

    return [Measure("volunteers.hours", str(_l("志愿服务时长")),
                    hours_by_grid([g.id for g in grids], since, until), per=str(_l("小时")))]


@hookimpl
def notification_events():
    return {"volunteers_activity": _l("明天的志愿活动")}


@hookimpl
def scheduled_notifications(town, now):
    """The day before an activity: the volunteers who signed up (plugins/volunteers/reminders)."""
    from .reminders import remind_tomorrow

    remind_tomorrow(town, now)
