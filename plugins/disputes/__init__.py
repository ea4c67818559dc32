"""矛盾纠纷排查调处 · disputes: every grid's monthly screening with its zero report, the register
of disputes and their parties, the mediation ladder (驻片调处 → 两委会商 → 书面上报 → 归口办理 →
联合调处) with deadlines in working days, agreements and follow-up visits, the statistics and the
monthly 台账. Sensitive: only the plugin's permissions see a dispute, every view is audited, and
nothing of it reaches a public page or Open311. Hook implementations only."""
from flask import url_for
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from portal import hookimpl
from portal.grids.models import TOWN, VILLAGE
from portal.permissions import ADMINS, Permission, Role, can
from portal.plugins import Card, MenuLink

#: Those who see disputes and their parties: the admins, the grid workers and the mediators.
#: The information officer, departments and association officers are left out on purpose.
VIEW = (*ADMINS, "grid_worker", "mediator")


@hookimpl
def plugin_info():
    return {"label": _l("矛盾纠纷排查调处"),
            "description": _l("网格每月排查(含零报告)、纠纷登记、驻片调处—两委会商—书面上报—归口办理—"
                              "联合调处、调解协议和回访、月度统计和台账。")}


@hookimpl
def register_roles():
    return [Role("mediator", _l("人民调解员"), 30, (VILLAGE, TOWN), job=(
        "A people's mediator (人民调解员) of a village's or town's mediation committee: registers "
        "disputes, mediates them up the ladder, records agreements and follow-up visits, and "
        "reports the monthly screening, within their scope. No population register, grid tree "
        "or case list: the parties they need are entered on the dispute itself."))]


@hookimpl
def register_permissions():
    return [
        Permission("disputes.view", _l("查看矛盾纠纷及当事人"), VIEW),
        Permission("disputes.report", _l("登记纠纷、报告月度排查"), VIEW),
        Permission("disputes.mediate", _l("调处纠纷、记录协议和回访"), VIEW),
        Permission("disputes.assign", _l("归口交办、组织联合调处"), ("county_admin", "town_admin")),
        Permission("disputes.settings", _l("设置矛盾纠纷调处规则"), ("county_admin", "town_admin")),
    ]


@hookimpl
def audit_labels():
    return {
        "actions": {
            "disputes.register": _l("登记矛盾纠纷"), "disputes.view": _l("查看矛盾纠纷"),
            "disputes.view_list": _l("查看矛盾纠纷列表"), "disputes.export": _l("导出矛盾纠纷台账"),
            "disputes.print": _l("打印调解协议书"),
            "disputes.note": _l("记录调处情况"), "disputes.to_village": _l("纠纷提交两委会商"),
            "disputes.report": _l("纠纷书面上报"), "disputes.assign": _l("纠纷归口办理"),
            "disputes.joint": _l("纠纷联合调处"), "disputes.agree": _l("达成调解协议"),
            "disputes.terminate": _l("终止调解"), "disputes.close": _l("纠纷结案"),
            "disputes.reopen": _l("协议未履行，纠纷重新调处"), "disputes.followup": _l("纠纷回访"),
            "disputes.to_case": _l("纠纷转为事件"), "disputes.screening": _l("报告月度纠纷排查"),
            "disputes.rules": _l("修改矛盾纠纷调处规则"),
        },
        "objects": {
            "Dispute": _l("矛盾纠纷"), "DisputeParty": _l("纠纷当事人"), "DisputeStep": _l("调处步骤"),
            "DisputeAgreement": _l("调解协议"), "DisputeSignature": _l("当事人签字"),
            "DisputeFollowup": _l("纠纷回访"), "DisputeScreening": _l("月度纠纷排查"),
        },
        "fields": {"number": _l("编号"), "risk": _l("风险等级"), "found": _l("发现纠纷"),
                   "zero": _l("零报告"), "kept": _l("协议履行"), "followups": _l("回访次数"),
                   "month": _l("月份"), "show": _l("列表")},
    }


@hookimpl
def configure_app(app):
    from .labels import ACTION_LABELS, KIND_LABELS, RISK_LABELS, STATE_LABELS

    app.jinja_env.globals.update(DISPUTE_KINDS=KIND_LABELS, DISPUTE_RISKS=RISK_LABELS,
                                 DISPUTE_STATES=STATE_LABELS, DISPUTE_ACTIONS=ACTION_LABELS)


@hookimpl
def town_template_parts():
    """A town template (样板间) carries the town's dispute rules."""
    from .town_template import PARTS

    return list(PARTS)


@hookimpl
def register_demo_data(town, db):
    from .demo import load

    return load(town)


@hookimpl
def menu_links(user, town):
    if can(user, "disputes.view"):
        return [MenuLink(330, str(_l("矛盾纠纷")), url_for("disputes.index"))]
    return []


@hookimpl
def dashboard_cards(scope, user):
    if not can(user, "disputes.view"):
        return []
    from flask import render_template

    from .stats import open_figures

    body = Markup(render_template("disputes/_card.html", figures=open_figures(scope)))
    return [Card(330, str(_l("矛盾纠纷")), body, url_for("disputes.index"))]


@hookimpl
def today_items(user, scope):
    """Screening reports due, disputes past their step's deadline, follow-up visits due."""
    from .today import items

    return items(user, scope)


@hookimpl
def notification_events():
    return {"disputes_screening": _l("矛盾纠纷排查未报告"), "disputes_late": _l("矛盾纠纷超期")}


@hookimpl
def scheduled_notifications(town, now):
    """Screening reports missing after the town's day, disputes past their step's deadline."""
    from .reminders import remind

    remind(town, now)


@hookimpl
def template_slot(name, context):
    """On a case of the dispute category: register it as a dispute, or open the one it became."""
    if name != "case_bottom":
        return None
    from .case_link import case_slot

    return case_slot(context.get("case"))


@hookimpl
def document_types():
    """The printed 人民调解协议书 and the monthly 矛盾纠纷排查调处台账."""
    from .documents import TYPES

    return list(TYPES)
