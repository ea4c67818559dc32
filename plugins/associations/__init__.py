"""协会 · village associations with 100-point member scoring, appeals, reports to the party
branch and dues. Hook implementations only."""
from flask import url_for
from flask_babel import lazy_gettext as _l

from portal import hookimpl
from portal.grids.models import VILLAGE
from portal.permissions import ADMINS, Permission, Role, can
from portal.plugins import MenuLink
from portal.tenancy import resident_of

VIEW = (*ADMINS, "grid_worker", "info_officer", "assoc_officer")


@hookimpl
def plugin_info():
    return {"label": _l("协会"),
            "description": _l("平安乡村、移风易俗、环境卫生等协会：章程、会员、百分制记分和申诉、向党支部报告、会费。")}


@hookimpl
def household_file_parts(household, user):
    """The household file (一户一档) shows its members' associations."""
    from .household_file import parts

    return parts(household, user)


@hookimpl
def audit_labels():
    return {
        "actions": {
            "associations.create": _l("新建协会"), "associations.join": _l("加入协会"),
            "associations.leave": _l("退出协会"), "associations.officer": _l("指定协会负责人"),
            "associations.score": _l("协会记分"), "associations.appeal": _l("对记分提出申诉"),
            "associations.appeal_upheld": _l("申诉成立，记分作废"),
            "associations.appeal_rejected": _l("申诉不成立"),
            "associations.report": _l("向党支部报告"), "associations.dues": _l("收取会费"),
            "associations.year_points": _l("年度得分兑现积分"),
        },
        "objects": {
            "AssociationsAssociation": _l("协会"), "AssociationsMember": _l("会员"),
            "AssociationsOfficer": _l("协会负责人"), "AssociationsItem": _l("记分项目"),
            "AssociationsScore": _l("记分"), "AssociationsAppeal": _l("申诉"),
            "AssociationsReport": _l("报告"), "AssociationsDues": _l("会费"),
        },
        "fields": {"member": _l("会员"), "officer": _l("负责人"), "points": _l("分值"),
                   "year": _l("年度"), "members": _l("会员数")},
    }


@hookimpl
def configure_app(app):
    from .forms import DECISION_LABELS, KIND_LABELS

    app.jinja_env.globals.update(ASSOCIATION_KINDS=KIND_LABELS,
                                 ASSOCIATION_DECISIONS=DECISION_LABELS)


@hookimpl
def register_roles():
    return [Role("assoc_officer", _l("协会负责人"), 30, (VILLAGE,), job=(
        "An association's officer (协会负责人): runs only the associations they are appointed to "
        "(members, 100-point scores, appeals, reports to the party branch, dues) and reads the "
        "village's associations. A new member is picked through the association's own name "
        "search (the village's current residents, name and masked ID number only). No population "
        "register, grid tree or case list."))]


@hookimpl
def register_permissions():
    return [
        Permission("associations.view", _l("查看协会"), VIEW),
        Permission("associations.manage", _l("建立协会、指定负责人"), ADMINS),
        Permission("associations.run", _l("管理协会会员和记分"), (*ADMINS, "assoc_officer")),
        Permission("associations.member", _l("查看会员记分"), (*VIEW, "resident")),
    ]


@hookimpl
def check_permission(user, action, obj):
    """An association officer runs only the associations they are an officer of."""
    from .models import AssociationsAssociation

    if action != "associations.run" or user.role != "assoc_officer":
        return None
    if not isinstance(obj, AssociationsAssociation):
        return None
    from .services import is_officer

    return is_officer(user, obj)


@hookimpl(optionalhook=True)
def points_award_sources():
    """A member's year-end score, paid in points (plugins/associations/points_awards)."""
    from .points_awards import sources

    return sources()


@hookimpl
def register_demo_data(town, db):
    from .demo import load, logins

    made = logins(town)
    load(town)
    return made


@hookimpl
def today_items(user, scope):
    """An officer's associations with the appeals waiting; an admin's appeals waiting."""
    from .today import items

    return items(user, scope)


@hookimpl
def menu_links(user, town):
    if can(user, "associations.view"):
        return [MenuLink(330, str(_l("协会")), url_for("associations.index"))]
    resident = resident_of(user) if user.role == "resident" else None
    if resident is not None:
        from sqlalchemy import select

        from portal.extensions import db

        from .models import AssociationsMember

        member_id = db.session.scalar(
            select(AssociationsMember.id)
            .where(AssociationsMember.resident_id == resident.id,
                   AssociationsMember.left_on.is_(None))
            .order_by(AssociationsMember.id).limit(1))
        if member_id:
            return [MenuLink(330, str(_l("我的协会")),
                             url_for("associations.member", member_id=member_id))]
    return []


@hookimpl
def document_types():
    """The printed annual member roster of an association."""
    from .documents import TYPES

    return list(TYPES)
