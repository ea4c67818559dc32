"""邻里互助组 · neighbourhood mutual-aid groups: about ten households with an elected leader
helping each other; help earns points where the points module is on, and what a group cannot
solve becomes a case. Hook implementations only."""
from flask import url_for
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from portal import hookimpl
from portal.permissions import ADMINS, Permission, can, role_has
from portal.plugins import Card, MenuLink
from portal.timeutil import local_today


@hookimpl
def plugin_info():
    return {"label": _l("邻里互助组"),
            "description": _l("十户左右结成互助组，推选组长，记录生产互助、生活互助、纠纷联调、治安联防。")}


@hookimpl
def household_file_parts(household, user):
    """The household file (一户一档) shows its mutual-aid group."""
    from .household_file import parts

    return parts(household, user)


@hookimpl
def audit_labels():
    return {
        "actions": {
            "mutual_aid.group_create": _l("新建互助组"), "mutual_aid.join": _l("加入互助组"),
            "mutual_aid.leave": _l("退出互助组"), "mutual_aid.elect": _l("推选互助组组长"),
            "mutual_aid.help": _l("记录互助"), "mutual_aid.escalate": _l("互助转为事件上报"),
            "mutual_aid.rules": _l("修改互助组规则"),
        },
        "objects": {
            "MutualAidGroup": _l("互助组"), "MutualAidMember": _l("互助组成员户"),
            "MutualAidHelp": _l("互助记录"), "MutualAidHelper": _l("帮助人"),
        },
        "fields": {"leader": _l("组长"), "solved": _l("已解决")},
    }


@hookimpl
def configure_app(app):
    from .forms import KIND_LABELS

    app.jinja_env.globals.update(MUTUAL_AID_KINDS=KIND_LABELS)


@hookimpl
def register_permissions():
    staff = (*ADMINS, "grid_worker", "info_officer")
    return [
        Permission("mutual_aid.view", _l("查看互助组"), staff),
        Permission("mutual_aid.manage", _l("建立互助组、调整住户和组长"), (*ADMINS, "grid_worker")),
        Permission("mutual_aid.record", _l("记录互助、上报事件"), staff),
        Permission("mutual_aid.settings", _l("设置互助组规则"), ("county_admin", "town_admin")),
    ]


@hookimpl
def check_permission(user, action, obj):
    """A group's elected leader records their group's help, whatever their role."""
    if action not in ("mutual_aid.record", "mutual_aid.view") or role_has(user.role, action):
        return None
    if user.role != "resident":
        return None
    from sqlalchemy import select

    from portal.extensions import db
    from portal.tenancy import resident_of

    from .models import MutualAidGroup, MutualAidHelp

    resident = resident_of(user)
    if resident is None:
        return None
    led = set(db.session.scalars(select(MutualAidGroup.id).filter_by(leader_id=resident.id)))
    if obj is None:
        return True if led else None
    group_id = obj.id if isinstance(obj, MutualAidGroup) else (
        obj.group_id if isinstance(obj, MutualAidHelp) else None)
    return True if group_id in led else None


@hookimpl
def town_template_parts():
    """A town template (样板间) carries the town's mutual-aid rules."""
    from .town_template import PARTS

    return list(PARTS)


@hookimpl
def register_demo_data(town, db):
    from .demo import load

    load(town)


@hookimpl
def menu_links(user, town):
    if can(user, "mutual_aid.view"):
        return [MenuLink(320, str(_l("互助组")), url_for("mutual_aid.index"))]
    return []


@hookimpl
def dashboard_cards(scope, user):
    if not can(user, "mutual_aid.view"):
        return []
    from datetime import date

    from flask import render_template

    from .services import figures_by_child

    total, _children = figures_by_child(scope, date(local_today().year, 1, 1))
    body = Markup(render_template("mutual_aid/_card.html", total=total))
    return [Card(320, str(_l("邻里互助组")), body, url_for("mutual_aid.index"))]


@hookimpl
def today_items(user, scope):
    """Help asked for and not solved yet: the scope's for its staff, a leader's group's."""
    from .today import items

    return items(user, scope)


@hookimpl(optionalhook=True)  # declared by the best_grid plugin, which may be absent
def grid_measures(town, grids, since, until):
    """Problems solved by each grid's mutual-aid groups."""
    from sqlalchemy import func, select

    from portal.extensions import db
    from portal.plugins import Measure

    from .models import MutualAidGroup, MutualAidHelp

    solved = dict(db.session.execute(
        select(MutualAidGroup.grid_id, func.count(MutualAidHelp.id))
        .join(MutualAidHelp, MutualAidHelp.group_id == MutualAidGroup.id)
        .where(MutualAidGroup.grid_id.in_([g.id for g in grids]), MutualAidHelp.solved.is_(True),
               MutualAidHelp.happened_on >= since, MutualAidHelp.happened_on <= until)
        .group_by(MutualAidGroup.grid_id)).all())
    return [Measure("mutual_aid.solved", str(_l("互助解决问题")), solved, per=str(_l("件")))]
