"""协会 · village associations with 100-point member scoring, appeals, reports to the party
branch and dues. Hook implementations only."""
from pathlib import Path

from flask import url_for
from flask_babel import lazy_gettext as _l

from portal import hookimpl
from portal.permissions import ADMINS, Permission, can
from portal.plugins import MenuLink

from . import models  # noqa: F401  (the tables must be known before create_all / migrations)

VIEW = (*ADMINS, "grid_worker", "info_officer", "assoc_officer")


@hookimpl
def plugin_info():
    return {"label": "协会",
            "description": "平安乡村、移风易俗、环境卫生等协会：章程、会员、百分制记分和申诉、向党支部报告、会费。"}


@hookimpl
def configure_app(app):
    from .forms import DECISION_LABELS, KIND_LABELS

    app.jinja_env.globals.update(ASSOCIATION_KINDS=KIND_LABELS,
                                 ASSOCIATION_DECISIONS=DECISION_LABELS)


@hookimpl
def register_blueprints():
    from .views import bp

    return [bp]


@hookimpl
def register_migrations():
    return Path(__file__).parent / "migrations" / "versions"


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


@hookimpl
def register_demo_data(town, db):
    from .demo import load

    load(town)


@hookimpl
def menu_links(user, town):
    if can(user, "associations.view"):
        return [MenuLink(330, str(_l("协会")), url_for("associations.index"))]
    if user.role == "resident" and user.id_number:
        from sqlalchemy import select

        from portal.extensions import db
        from portal.people.models import Resident

        from .models import AssociationsMember

        member_id = db.session.scalar(
            select(AssociationsMember.id).join(Resident)
            .where(Resident.id_number == user.id_number, AssociationsMember.left_on.is_(None))
            .order_by(AssociationsMember.id).limit(1))
        if member_id:
            return [MenuLink(330, str(_l("我的协会")),
                             url_for("associations.member", member_id=member_id))]
    return []
