"""A resident's own cases (我的事件): the cases they reported — and those their household's
members reported from their own logins — with each one's timeline as the reporter may read it
(portal.cases.public_view), and their rating once the case is resolved or closed.

The household comes from the register: a login carries its resident's ID number
(portal.tenancy.resident_of); the logins whose ID numbers belong to the current members of the
same household are that household's reporters. A login without an ID number, or one the
register does not know, sees its own reports only. Cases the user joined as "我也遇到" are listed
too, without what the first reporter wrote.

Who may open a case here is the relation, not the grid scope: another person's case answers 404
(whatever town it lies in), like a record outside one's scope.
"""
from __future__ import annotations

from flask import Blueprint, abort, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func

from portal.cases.loop_models import CaseMeToo
from portal.cases.models import Case
from portal.cases.public_view import may_rate, public_timeline, rate
from portal.extensions import db
from portal.permissions import requires
from portal.rendering import render
from portal.web import submit_form

bp = Blueprint("my_cases", __name__, url_prefix="/my/cases")

#: How a user stands to a case: they reported it, a member of their household did, or they
#: joined it (我也遇到). Only the reporter rates; a joiner does not read what the reporter wrote.
REPORTER, HOUSEHOLD, JOINED = "reporter", "household", "joined"


def household_reporters(user) -> set[int]:
    """The ids of the logins whose reports ``user`` follows: their own and, for a resident the
    register knows, those of their household's current members."""
    from portal.auth.models import User
    from portal.people.models import Resident
    from portal.tenancy import resident_of

    ids = {user.id}
    if user.role != "resident":
        return ids  # staff follow their own reports here; their household is not their work
    resident = resident_of(user)
    if resident is None or resident.left_at is not None:
        return ids
    numbers = (db.select(Resident.id_number)
               .where(Resident.household_id == resident.household_id,
                      Resident.left_at.is_(None), Resident.id_number.is_not(None)))
    ids |= set(db.session.scalars(db.select(User.id).where(User.id_number.in_(numbers))))
    return ids


def relation(user, case: Case) -> str | None:
    if case.reporter_id == user.id:
        return REPORTER
    if case.reporter_id is not None and case.reporter_id in household_reporters(user):
        return HOUSEHOLD
    joined = db.session.scalar(db.select(CaseMeToo.id).filter_by(case_id=case.id,
                                                                 user_id=user.id).limit(1))
    return JOINED if joined else None


def me_too_counts(case_ids) -> dict[int, int]:
    """case id -> how many joined it (我也遇到), for a page's cases in one query."""
    if not case_ids:
        return {}
    return dict(db.session.execute(
        db.select(CaseMeToo.case_id, func.count()).where(CaseMeToo.case_id.in_(list(case_ids)))
        .group_by(CaseMeToo.case_id)).all())


def _own_case(case_id: int) -> tuple[Case, str]:
    case = db.session.get(Case, case_id)
    how = relation(current_user, case) if case is not None else None
    if how is None:
        abort(404)
    return case, how


@bp.route("/")
@requires("cases.report")
def index():
    reporters = household_reporters(current_user)
    joined = db.select(CaseMeToo.case_id).where(CaseMeToo.user_id == current_user.id)
    cases = db.session.scalars(
        db.select(Case).where(Case.reporter_id.in_(reporters) | Case.id.in_(joined))
        .order_by(Case.created_at.desc(), Case.id.desc()).limit(200)).all()
    relations = {c.id: (REPORTER if c.reporter_id == current_user.id
                        else HOUSEHOLD if c.reporter_id in reporters else JOINED) for c in cases}
    return render("my_cases/index.html", cases=cases, relations=relations,
                  me_too=me_too_counts(c.id for c in cases),
                  household=len(reporters) > 1)


def _page(case, how, form):
    return render("my_cases/show.html", case=case, how=how, steps=public_timeline(case),
                  ratable=how == REPORTER and may_rate(case), form=form,
                  me_too=me_too_counts([case.id]).get(case.id, 0))


@bp.route("/<int:case_id>")
@requires("cases.report")
def show(case_id):
    from portal.cases.forms import RatingForm

    case, how = _own_case(case_id)
    return _page(case, how, RatingForm())


@bp.route("/<int:case_id>/rate", methods=["POST"])
@requires("cases.report")
def rate_case(case_id):
    """The reporter's rating, once (public_view.rate refuses a second or an open case)."""
    from portal.cases.forms import RatingForm

    case, how = _own_case(case_id)
    form = RatingForm()

    def save():
        if how != REPORTER:
            from portal.errors import DomainError

            raise DomainError(_("只有报告人可以评价。"))
        rate(case, form.satisfaction_value(), form.comment.data, user=current_user)

    return submit_form(form, save, done=_("谢谢您的评价。"),
                       then=url_for("my_cases.show", case_id=case.id),
                       page=lambda: _page(case, how, form))
