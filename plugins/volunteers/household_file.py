"""The volunteers' part of the household file (一户一档): the household's members who serve as
volunteers with their confirmed hours, and the cadres or volunteers paired with the household
(结对帮扶). Only for those who may read the volunteer register."""
from flask import url_for
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.permissions import can
from portal.plugins import Card

from .forms import NEED_LABELS
from .models import VolunteersClaim, VolunteersPairing, VolunteersSignup, VolunteersVolunteer


def minutes_of(volunteer_ids: list[int]) -> dict[int, int]:
    """{volunteer id: confirmed and approved minutes}, two queries for them all (as
    stats.volunteer_minutes counts one)."""
    if not volunteer_ids:
        return {}
    totals = dict.fromkeys(volunteer_ids, 0)
    for query in (
            select(VolunteersSignup.volunteer_id, func.sum(VolunteersSignup.minutes))
            .where(VolunteersSignup.volunteer_id.in_(volunteer_ids),
                   VolunteersSignup.confirmed_at.is_not(None))
            .group_by(VolunteersSignup.volunteer_id),
            select(VolunteersClaim.volunteer_id, func.sum(VolunteersClaim.minutes))
            .where(VolunteersClaim.volunteer_id.in_(volunteer_ids),
                   VolunteersClaim.status == "approved")
            .group_by(VolunteersClaim.volunteer_id)):
        for volunteer_id, minutes in db.session.execute(query):
            totals[volunteer_id] += int(minutes or 0)
    return totals


def _volunteers(household) -> Markup:
    members = [m.id for m in household.members]
    volunteers = list(db.session.scalars(
        select(VolunteersVolunteer).where(VolunteersVolunteer.resident_id.in_(members),
                                          VolunteersVolunteer.left_on.is_(None))
        .order_by(VolunteersVolunteer.id))) if members else []
    if not volunteers:
        return Markup("<p>{}</p>").format(_("本户没有登记的志愿者。"))
    minutes = minutes_of([v.id for v in volunteers])
    rows = Markup("").join(
        Markup('<li><a href="{}">{}</a> {} · {}</li>').format(
            url_for("volunteers.person", volunteer_id=v.id), v.name, v.number,
            _("服务 %(hours)s 小时", hours=f"{minutes[v.id] / 60:.1f}"))
        for v in volunteers)
    return Markup("<p>{}</p><ul>{}</ul>").format(_("本户志愿者"), rows)


def _pairings(household, user) -> Markup:
    pairings = list(db.session.scalars(
        select(VolunteersPairing).where(VolunteersPairing.household_id == household.id,
                                        VolunteersPairing.ended_on.is_(None))
        .options(joinedload(VolunteersPairing.volunteer)).order_by(VolunteersPairing.id)))
    if not pairings:
        return Markup("<p>{}</p>").format(_("本户没有结对帮扶。"))
    linked = can(user, "volunteers.pairing")
    rows = Markup("")
    for pairing in pairings:
        label = Markup("{} · {}").format(pairing.volunteer.name,
                                          NEED_LABELS.get(pairing.need, pairing.need))
        if linked:
            label = Markup('<a href="{}">{}</a>').format(
                url_for("volunteers.pairing", pairing_id=pairing.id), label)
        rows += Markup("<li>{} · {} {}</li>").format(label, _("结对自"),
                                                     pairing.started_on.isoformat())
    return Markup("<p>{}</p><ul>{}</ul>").format(_("结对帮扶"), rows)


def parts(household, user) -> list[Card]:
    if not can(user, "volunteers.view"):
        return []
    return [Card(120, _("志愿服务"), _volunteers(household) + _pairings(household, user))]
