"""积分超市 · the points supermarket: residents earn points by town rules and redeem them for goods
at a village kiosk. Hook implementations only; the work is in the modules next to this one."""
from flask import url_for
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from portal import hookimpl
from portal.grids.models import VILLAGE
from portal.permissions import ADMINS, Permission, Role, can
from portal.plugins import Card, MenuLink
from portal.timeutil import local_today, utcnow


@hookimpl
def plugin_info():
    return {"label": _l("积分超市"),
            "description": _l("居民按本镇规则获得积分，在村积分超市兑换商品；账户流水可查、可核对。")}


@hookimpl
def household_file_parts(household, user):
    """The household file (一户一档) shows the household's points accounts."""
    from .household_file import parts

    return parts(household, user)


@hookimpl
def audit_labels():
    return {
        "actions": {
            "points.award": _l("发放积分"), "points.adjust": _l("调整积分"),
            "points.reverse": _l("冲正积分"), "points.expire": _l("积分清零"),
            "points.category": _l("修改积分账户类别"), "points.card_reissue": _l("补发积分卡"),
            "points.owner_mode": _l("修改积分账户方式"), "points.rule_create": _l("新建积分事项"),
            "points.rule_update": _l("修改积分事项"), "points.shop_create": _l("新建积分超市"),
            "points.goods_create": _l("上架商品"), "points.goods_update": _l("修改商品"),
            "points.restock": _l("商品入库"), "points.redemption_reverse": _l("兑换退货"),
            "points.deduct": _l("扣减积分"), "points.settings": _l("修改积分设置"),
            "points.claim_file": _l("提交积分申报"), "points.claim_approve": _l("通过积分申报"),
            "points.claim_reject": _l("退回积分申报"), "points.object": _l("对公示积分提出异议"),
            "points.objection_uphold": _l("异议成立，撤销积分"),
            "points.objection_dismiss": _l("异议不成立"),
        },
        "objects": {
            "PointsAccount": _l("积分账户"), "PointsEntry": _l("积分流水"),
            "PointsRule": _l("积分事项"), "PointsShop": _l("积分超市"), "PointsGoods": _l("商品"),
            "PointsStockEntry": _l("库存流水"), "PointsRedemption": _l("兑换单"),
            "PointsRedemptionLine": _l("兑换明细"), "PointsClaim": _l("积分申报"),
            "PointsObjection": _l("积分公示异议"),
        },
        "fields": {
            "points": _l("积分"), "accounts": _l("账户数"), "category_points": _l("按类别积分"),
            "mode": _l("方式"), "price": _l("价格"), "quantity": _l("数量"),
            "at_zero": _l("余额不足时扣分"), "notice_days": _l("公示天数"),
            "valid_months": _l("积分有效期(月)"), "sources": _l("各模块积分事项"),
            "skipped": _l("未扣账户数"), "claim": _l("申报"), "entry": _l("积分流水"),
        },
    }


@hookimpl
def configure_app(app):
    from .forms import CATEGORY_LABELS, KIND_LABELS, OWNER_LABELS, STOCK_KIND_LABELS

    # The kiosk goes back to the start after this long without a touch, showing a countdown
    # for the last seconds; what it remembers of the resident being served (who, the last
    # receipt) is dropped on the server after STATE seconds without a kiosk page drawn.
    app.config.setdefault("POINTS_KIOSK_IDLE_SECONDS", 60)
    app.config.setdefault("POINTS_KIOSK_COUNTDOWN_SECONDS", 10)
    app.config.setdefault("POINTS_KIOSK_STATE_SECONDS", 600)
    from .ledger import held_points

    app.jinja_env.globals.update(
        points_held=lambda account: held_points(account.id),
        points_on_notice=lambda entry: entry.held_until is not None and entry.held_until > utcnow())
    from .public_notice import open_count

    # the points index's "公示异议 N" (plugins/points/public_notice.py)
    app.jinja_env.globals["points_open_objections"] = open_count
    app.jinja_env.globals.update(POINTS_CATEGORIES=CATEGORY_LABELS, POINTS_KINDS=KIND_LABELS,
                                 POINTS_STOCK_KINDS=STOCK_KIND_LABELS, POINTS_OWNERS=OWNER_LABELS)


@hookimpl
def register_roles():
    return [Role("kiosk_operator", _l("积分超市操作员"), 20, (VILLAGE,), job=(
        "The operator of a village points-supermarket kiosk (积分超市): identifies a resident and "
        "redeems their points for goods. Nothing else."))]


@hookimpl
def register_permissions():
    return [
        Permission("points.view", _l("查看积分账户和报表"), (*ADMINS, "grid_worker", "info_officer")),
        Permission("points.award", _l("发放积分"), ADMINS),
        Permission("points.correct", _l("冲正、调整积分和退货"), ADMINS),
        Permission("points.rules", _l("制定本镇积分规则"), ("county_admin", "town_admin")),
        Permission("points.goods", _l("管理超市商品和库存"), ADMINS),
        Permission("points.cards", _l("开户和打印积分卡"), (*ADMINS, "grid_worker", "info_officer")),
        Permission("points.redeem", _l("在积分超市兑换"), ("village_admin", "kiosk_operator")),
        Permission("points.own", _l("查看本人积分"), ("resident",)),
        Permission("points.claim", _l("申报积分(本人，或网格员代居民)"), ("resident", "grid_worker")),
    ]


@hookimpl
def register_commands(cli):
    from .commands import points_group

    cli.add_command(points_group)


# first of the modules' demos: it writes months of dated ledger history, and the other modules'
# demos award points today (volunteer hours, help given), after it, so a statement reads in order
@hookimpl(tryfirst=True)
def register_demo_data(town, db):
    from .demo import load, logins

    made = logins(town)
    load(town)
    return made


@hookimpl
def register_scale_demo_data(generator):
    from .demo_scale import load

    load(generator)


@hookimpl
def menu_links(user, town):
    links = []
    if can(user, "points.view"):
        links.append(MenuLink(300, str(_l("积分超市")), url_for("points.index")))
    if can(user, "points.redeem"):
        links.append(MenuLink(301, str(_l("积分兑换")), url_for("points_kiosk.start")))
    if can(user, "points.own"):
        links.append(MenuLink(302, str(_l("我的积分")), url_for("points.mine")))
    if can(user, "points.claim"):  # reviewers reach the claims from the points index page
        links.append(MenuLink(303, str(_l("积分申报")), url_for("points.claim_new")))
    return links


@hookimpl
def dashboard_cards(scope, user):
    if not can(user, "points.view"):
        return []
    from flask import render_template

    from . import reports

    this_month = reports.monthly(scope, local_today(), 1)[0]
    body = Markup(render_template("points/_card.html", totals=reports.totals(scope),
                                  month=this_month, low=len(reports.low_stock(scope))))
    return [Card(300, str(_l("积分超市")), body, url_for("points.index"))]


@hookimpl
def today_items(user, scope):
    """A resident's points balance."""
    from .today import items

    return items(user, scope)


@hookimpl
def landing_page(user):
    """The kiosk operator starts on the kiosk, not on the office home page."""
    if user.role == "kiosk_operator":
        return url_for("points_kiosk.start")
    return None


@hookimpl
def points_award_requested(resident, points, reason, source, actor):
    from .ledger import award_from_module

    return award_from_module(resident, points, reason, source, actor)


@hookimpl
def points_award_for_deed(kind, resident, reason, source, actor, share):
    from .ledger import award_for_deed

    return award_for_deed(kind, resident, reason, source, actor, share)


@hookimpl
def points_award_sources():
    from .deeds import own_sources

    return own_sources()


@hookimpl
def case_state_changed(case, old, new, action, actor):
    """A resident's report the village confirmed earns the town's rule for it (plugins/points/deeds)."""
    from .deeds import case_closed

    case_closed(case, new, actor)


@hookimpl
def scheduled_notifications(town, now):
    """The town's daily expiry of old points and the warnings before it (plugins/points/expiry)."""
    from .expiry import run

    run(town, now)


@hookimpl
def notification_events():
    return {"points_awarded": _l("获得积分"), "points_claim_decided": _l("积分申报审核结果"),
            "points_expiring": _l("积分即将到期"), "points_objection": _l("积分公示收到异议")}


@hookimpl
def template_slot(name, context):
    """On a grid's public notice board: a link to its village's 积分公示 (asked only where the
    module is on in the grid's town)."""
    if name != "public_notice" or context.get("grid") is None:
        return None
    from markupsafe import escape

    link = url_for("points.public_notice", grid_code=context["grid"].code)
    # centred under "我要反映问题" like it (the board's own .report-link rule)
    return Markup('<p class="report-link points-notice-link"><a class="button big" href="{}">{}</a>'
                  '</p>').format(link, escape(_l("积分公示")))


@hookimpl
def document_types():
    """The printed 积分对账单 of an account."""
    from .documents import TYPES

    return list(TYPES)


@hookimpl
def town_template_parts():
    """A town template (样板间) carries the points rules and settings and the goods catalogue."""
    from .town_template import PARTS

    return list(PARTS)
