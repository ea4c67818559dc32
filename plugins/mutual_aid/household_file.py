"""The mutual-aid part of the household file (一户一档): the group the household belongs to, its
leader and how many households it has. Only for those who may read the groups."""
from flask import url_for
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.permissions import can
from portal.plugins import Card

from .models import MutualAidGroup, MutualAidMember


def parts(household, user) -> list[Card]:
    if not can(user, "mutual_aid.view"):
        return []
    membership = db.session.scalar(
        select(MutualAidMember).where(MutualAidMember.household_id == household.id,
                                      MutualAidMember.left_on.is_(None))
        .options(joinedload(MutualAidMember.group).joinedload(MutualAidGroup.leader))
        .order_by(MutualAidMember.id.desc()).limit(1))
    if membership is None:
        body = Markup("<p>{}</p>").format(_("本户还没有加入互助组。"))
    else:
        group = membership.group
        households = sum(1 for m in group.members if m.left_on is None)
        body = Markup('<p><a href="{}">{}</a> · {} {} · {}</p>').format(
            url_for("mutual_aid.group", group_id=group.id), group.name, _("组长"),
            group.leader.name if group.leader else "—",
            _("共 %(n)d 户", n=households))
        body += Markup("<p>{} {}</p>").format(_("入组日期"), membership.joined_on.isoformat())
    return [Card(130, _("互助组"), body)]
