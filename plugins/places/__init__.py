"""场所与设施 · places: the units of a grid (enterprises, shops, schools, clinics, organisations),
the nine small places (九小场所) and the public facilities (公厕、垃圾收集点 …) with their
licences (expiry told to the grid workers), and their safety inspections: a schedule per kind
group and town, the checklist of each group, hazards found (with photos) that file a case in one
tap, rectification deadlines and re-inspection. Contact phones are stored and shown masked (a
full look is audited). Hook implementations only."""
from flask import url_for
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from portal import hookimpl
from portal.permissions import ADMINS, Permission, can
from portal.plugins import Card, MenuLink

#: Those who keep the register of places and see it: the admins, the grid workers and the
#: village's information officer (who keeps the register), as for the rental houses.
KEEPERS = (*ADMINS, "grid_worker", "info_officer")
#: Those who inspect places on the ground: the admins and the grid workers.
INSPECTORS = (*ADMINS, "grid_worker")


@hookimpl
def plugin_info():
    return {"label": _l("场所与设施"),
            "description": _l("单位、九小场所和公共设施：证照到期提醒，按类型定期安全巡查，"
                              "发现隐患一键上报事件，限期整改和复查。")}


@hookimpl
def register_permissions():
    return [
        Permission("places.view", _l("查看场所与设施"), KEEPERS),
        Permission("places.manage", _l("登记场所、证照，查看完整联系电话"), KEEPERS),
        Permission("places.inspect", _l("场所安全检查、复查和上报隐患"), INSPECTORS),
        Permission("places.settings", _l("设置场所巡查周期"), ("county_admin", "town_admin")),
    ]


@hookimpl
def audit_labels():
    return {
        "actions": {
            "places.register": _l("登记场所"), "places.update": _l("修改场所"),
            "places.close": _l("场所关闭"), "places.licence_add": _l("登记场所证照"),
            "places.licence_end": _l("注销场所证照"), "places.inspect": _l("场所安全检查"),
            "places.reinspect": _l("隐患复查"), "places.hazard_case": _l("隐患上报为事件"),
            "places.view_phone": _l("查看场所完整联系电话"),
            "places.settings": _l("修改场所巡查周期"),
        },
        "objects": {"PlacesPlace": _l("场所"), "PlacesLicence": _l("场所证照"),
                    "PlacesInspection": _l("场所检查"), "PlacesHazard": _l("场所隐患"),
                    "PlacesHazardPhoto": _l("隐患照片")},
        "fields": {"kind": _l("类型"), "grid": _l("网格"), "changed": _l("修改项"),
                   "place": _l("场所"), "expires": _l("有效期至"), "on": _l("日期"),
                   "hazards": _l("隐患数"), "fixed": _l("已整改"), "open": _l("未整改"),
                   "case": _l("事件编号"), "units_months": _l("单位巡查周期(月)"),
                   "small_months": _l("九小场所巡查周期(月)"),
                   "facilities_months": _l("公共设施巡查周期(月)"),
                   "rectify_days": _l("隐患整改期限(天)")},
    }


@hookimpl
def configure_app(app):
    from .figures import licence_mark
    from .kinds import GROUPS, KINDS, item_label

    app.jinja_env.globals.update(PLACE_KINDS=KINDS, PLACE_GROUPS=GROUPS,
                                 place_item_label=item_label, place_licence_mark=licence_mark)


@hookimpl
def register_demo_data(town, db):
    from .demo import load

    return load(town)


@hookimpl
def menu_links(user, town):
    if can(user, "places.view"):
        return [MenuLink(345, str(_l("场所与设施")), url_for("places.index"))]
    return []


@hookimpl
def dashboard_cards(scope, user):
    if not can(user, "places.view"):
        return []
    from flask import render_template

    from .figures import figures
    from .kinds import GROUPS

    body = Markup(render_template("places/_card.html", figures=figures(scope), groups=GROUPS))
    return [Card(345, str(_l("场所与设施")), body, url_for("places.due"))]


@hookimpl
def today_items(user, scope):
    """Inspections due or overdue, rectifications overdue, for the grid's workers."""
    from .today import items

    return items(user, scope)


@hookimpl
def notification_events():
    return {"places_licence_expiring": _l("场所证照即将到期")}


@hookimpl
def scheduled_notifications(town, now):
    """Tell the grid workers of licences expiring within 30 days, once per licence and expiry."""
    from .reminders import remind

    remind(town, now)


@hookimpl
def town_template_parts():
    """A town template (样板间) carries the town's inspection schedule."""
    from .town_template import PARTS

    return list(PARTS)
