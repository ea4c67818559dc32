"""The associations' part of the household file (一户一档): the memberships of the household's
members and each one's score this year. Only for those who may read the associations."""
from flask import url_for
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.permissions import can
from portal.plugins import Card
from portal.timeutil import local_today

from .models import AssociationsMember
from .services import member_score


def parts(household, user) -> list[Card]:
    if not can(user, "associations.view"):
        return []
    members = [m.id for m in household.members]
    memberships = list(db.session.scalars(
        select(AssociationsMember).where(AssociationsMember.resident_id.in_(members),
                                         AssociationsMember.left_on.is_(None))
        .options(joinedload(AssociationsMember.association), joinedload(AssociationsMember.resident))
        .order_by(AssociationsMember.resident_id, AssociationsMember.id))) if members else []
    if not memberships:
        return [Card(140, _("协会"), Markup("<p>{}</p>").format(_("本户成员没有加入协会。")))]
    year = local_today().year
    rows = Markup("").join(
        Markup('<li>{} · <a href="{}">{}</a> · {}</li>').format(
            m.resident.name, url_for("associations.member", member_id=m.id), m.association.name,
            _("%(year)d年得分 %(score)d", year=year, score=member_score(m, year)))
        for m in memberships)
    return [Card(140, _("协会"), Markup("<ul>{}</ul>").format(rows))]
