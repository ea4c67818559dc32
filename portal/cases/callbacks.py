"""回访 (call-back): closed cases whose reporter has not rated them within the town's number of
days (``cases.callback_days``, on the town's case rules page; 3 by default) are listed for the
village's information officer and the admins, who call the reporter and record the answer.

An answer becomes the case's evaluation through the reporter's own rule (public_view.rate: the
workflow's evaluate step, once), with who called and when on the timeline and in the audit log.
A call nobody answers is one try; after CALLBACK_TRIES tries the reporter counts as unreachable
(联系不上) and the case leaves the list. A reopened case closed again is called afresh: only the
calls since it was last closed count.

Only cases a member of the public reported are called back (a patrol's own case has nobody to
call): the sources in PUBLIC_SOURCES.
"""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import and_, exists, false, func, or_
from sqlalchemy.orm import joinedload
from wtforms import StringField, TextAreaField
from wtforms.validators import Length, Optional

from portal import audit
from portal.cases.loop_models import (ANSWERED, NO_ANSWER, OUTCOMES, UNREACHABLE,
                                      CaseCallback)
from portal.cases.models import Case
from portal.errors import DomainError
from portal.extensions import db
from portal.forms import strip
from portal.grids.models import TOWN, Grid
from portal.permissions import requires
from portal.rendering import render
from portal.settings import get_setting
from portal.tenancy import in_subtree, load_scoped, narrowed, town_of
from portal.timeutil import utcnow
from portal.web import submit_form

bp = Blueprint("callbacks", __name__, url_prefix="/cases/callbacks")

#: The town setting: days after closing before an unrated case is called back.
SETTING = "cases.callback_days"
DEFAULT_DAYS = 3
#: Calls nobody answers before the reporter counts as unreachable.
CALLBACK_TRIES = 3
#: Sources where a member of the public reported (portal.cases.models.SOURCES).
PUBLIC_SOURCES = ("resident", "public", "representative", "open311")
LIMIT = 200


def callback_days(town) -> int:
    days = get_setting(town, SETTING, DEFAULT_DAYS)
    return days if isinstance(days, int) and 1 <= days <= 60 else DEFAULT_DAYS


def _towns(scope: Grid) -> list[Grid]:
    if scope.level == "county":
        return list(db.session.scalars(db.select(Grid).where(
            Grid.level == TOWN, in_subtree(Grid.code, scope))))
    town = town_of(scope)
    return [town] if town is not None else []


def _since_closed():
    """The calls since the case was last closed (a reopened case is called afresh)."""
    return and_(CaseCallback.case_id == Case.id, CaseCallback.at >= Case.closed_at)


def due_query(scope: Grid, now=None):
    """The cases to call back in ``scope``: closed, unrated, reported by the public, closed at
    least the town's number of days ago, without an answer or an "unreachable" since."""
    now = now or utcnow()
    per_town = [and_(in_subtree(Grid.code, town),
                     Case.closed_at <= now - timedelta(days=callback_days(town)))
                for town in _towns(scope)]
    settled = exists().where(_since_closed(), CaseCallback.outcome.in_((ANSWERED, UNREACHABLE)))
    return (db.select(Case).join(Grid, Grid.id == Case.grid_id)
            .where(Case.state == "closed", Case.satisfaction.is_(None),
                   Case.source.in_(PUBLIC_SOURCES), in_subtree(Grid.code, scope),
                   or_(*per_town) if per_town else false(), ~settled, narrowed(Case)))


def tries(case: Case) -> int:
    """Calls nobody answered since the case was last closed."""
    if case.closed_at is None:
        return 0
    return db.session.scalar(db.select(func.count()).select_from(CaseCallback).where(
        CaseCallback.case_id == case.id, CaseCallback.at >= case.closed_at,
        CaseCallback.outcome == NO_ANSWER)) or 0


def is_due(case: Case, scope: Grid) -> bool:
    return db.session.scalar(due_query(scope).where(Case.id == case.id).limit(1)) is not None


def record(case: Case, user, outcome: str, satisfaction: int | None = None,
           comment: str | None = None) -> CaseCallback:
    """Record one call to the reporter of ``case``; the caller commits. ``outcome``: ANSWERED
    (with the rating) or NO_ANSWER (the last allowed try becomes UNREACHABLE)."""
    from portal.cases.public_view import rate

    if not is_due(case, user.scope):
        raise DomainError(_("这个事件不在回访名单上(已评价、已回访或未到回访时间)。"))
    if outcome not in (ANSWERED, NO_ANSWER):
        raise DomainError(_("请选择回访结果。"), "outcome")
    comment = (comment or "").strip() or None
    done_tries = tries(case)
    if outcome == ANSWERED:
        rate(case, satisfaction, comment, user=user, action="callback")
    else:
        satisfaction = None
        outcome = UNREACHABLE if done_tries + 1 >= CALLBACK_TRIES else NO_ANSWER
        from portal.cases.models import CaseEvent

        # on the staff's timeline only (a note): the reporter's view shows state changes
        db.session.add(CaseEvent(case=case, user_id=user.id, action="callback",
                                 from_state=case.state, to_state=case.state,
                                 note=_("回访未接通(第%(n)d次)", n=done_tries + 1)
                                 + (f"：{comment}" if comment else "")))
    call = CaseCallback(case_id=case.id, user_id=user.id, outcome=outcome,
                        satisfaction=satisfaction, comment=comment)
    db.session.add(call)
    audit.record("case.callback", case, scope_code=case.grid.code, user=user,
                 number=case.number, outcome=outcome, satisfaction=satisfaction,
                 attempt=done_tries + 1)
    db.session.flush()
    return call


class CallbackForm(FlaskForm):
    outcome = StringField()
    #: 1 to 5 stars when answered; anything else is public_view.rate's refusal.
    satisfaction = StringField()
    comment = TextAreaField(filters=[strip], validators=[Optional(), Length(max=2000)])


@bp.route("/")
@requires("cases.callback")
def index():
    scope = current_user.scope
    cases = db.session.scalars(due_query(scope).options(joinedload(Case.grid))
                               .order_by(Case.closed_at, Case.id).limit(LIMIT)).all()
    counts = dict(db.session.execute(
        db.select(CaseCallback.case_id, func.count()).join(Case, Case.id == CaseCallback.case_id)
        .where(CaseCallback.case_id.in_([c.id for c in cases]),
               CaseCallback.at >= Case.closed_at, CaseCallback.outcome == NO_ANSWER)
        .group_by(CaseCallback.case_id)).all()) if cases else {}
    days = {town.code: callback_days(town) for town in _towns(scope)}
    return render("callbacks/index.html", cases=cases, tries=counts, days=days,
                  most=CALLBACK_TRIES, now=utcnow())


@bp.route("/<int:case_id>", methods=["GET", "POST"])
@requires("cases.callback")
def call(case_id):
    """GET: the call's form (htmx, or a page of its own); POST: record the answer."""
    case = load_scoped(Case, case_id)
    form = CallbackForm()

    def save():
        value = (form.satisfaction.data or "").strip()
        return record(case, current_user, form.outcome.data or "",
                      int(value) if value.isdigit() else None, form.comment.data)

    def done(call):
        return {ANSWERED: _("已记录回访评价。"), NO_ANSWER: _("已记录：未接通。"),
                UNREACHABLE: _("已记录：%(n)d次未接通，标为联系不上。", n=CALLBACK_TRIES)}[call.outcome]

    return submit_form(form, save, done=done, then=url_for("callbacks.index"),
                       page=lambda: render("callbacks/call.html", "callbacks/_call_form.html",
                                           case=case, form=form, tries=tries(case),
                                           most=CALLBACK_TRIES, outcomes=OUTCOMES))
