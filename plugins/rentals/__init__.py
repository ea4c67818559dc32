"""出租房屋与流动人口 · rentals: houses let to tenants (the landlord, the tenants who may not be
registered residents, their registration of temporary residence (暂住登记) with a reminder
before it expires, the landlord's responsibility letter), and the floating population — tenants
living here without household registration and registered residents living elsewhere
(户在人不在) — counted per grid. ID numbers and phones are stored and shown masked only.
Hook implementations only."""
from flask import url_for
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from portal import hookimpl
from portal.permissions import ADMINS, Permission, can
from portal.plugins import Card, MenuLink

#: Those who keep the rental houses and the floating population: the admins, the grid workers
#: and the village's information officer (who keeps the register).
KEEPERS = (*ADMINS, "grid_worker", "info_officer")


@hookimpl
def plugin_info():
    return {"label": _l("出租房屋与流动人口"),
            "description": _l("出租房屋、租客和暂住登记(到期提醒)、房东治安责任书；流入人口和户在人不在，"
                              "按网格统计。")}


@hookimpl
def register_permissions():
    return [
        Permission("rentals.view", _l("查看出租房屋和流动人口"), KEEPERS),
        Permission("rentals.manage", _l("登记出租房屋、租客和外出人员"), KEEPERS),
    ]


@hookimpl
def audit_labels():
    return {
        "actions": {
            "rentals.let": _l("登记出租房屋"), "rentals.end": _l("出租房屋停租"),
            "rentals.letter": _l("上传房东治安责任书"), "rentals.tenant_add": _l("登记租客"),
            "rentals.tenant_end": _l("租客搬离"), "rentals.away": _l("登记户在人不在"),
            "rentals.away_end": _l("户在人不在返回"),
            "rentals.tenant_view_sensitive": _l("查看租客完整身份证号和电话"),
        },
        "objects": {"RentalsLetting": _l("出租房屋"), "RentalsTenant": _l("租客"),
                    "RentalsAway": _l("户在人不在")},
        "fields": {"rooms": _l("间数"), "letting": _l("出租房屋"), "expires": _l("暂住登记有效期"),
                   "on": _l("日期"), "place": _l("现居住地"), "since": _l("外出日期")},
    }


@hookimpl
def register_demo_data(town, db):
    from .demo import load

    return load(town)


@hookimpl
def menu_links(user, town):
    if can(user, "rentals.view"):
        return [MenuLink(340, str(_l("出租房屋")), url_for("rentals.index"))]
    return []


@hookimpl
def dashboard_cards(scope, user):
    if not can(user, "rentals.view"):
        return []
    from flask import render_template

    from .figures import figures

    body = Markup(render_template("rentals/_card.html", figures=figures(scope)))
    return [Card(340, str(_l("出租房屋与流动人口")), body, url_for("rentals.floating"))]


@hookimpl
def today_items(user, scope):
    """Registrations of temporary residence expiring (or lapsed) for the grid's workers."""
    from .today import items

    return items(user, scope)


@hookimpl
def notification_events():
    return {"rentals_expiring": _l("暂住登记即将到期")}


@hookimpl
def scheduled_notifications(town, now):
    """Tell the grid workers of registrations expiring within 30 days, once per tenant and
    expiry."""
    from .reminders import remind

    remind(town, now)
