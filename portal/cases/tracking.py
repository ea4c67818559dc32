"""Following a case without an account (/track): the receipt a public report answers with, and
the lookup by case number plus the last four digits of the phone left with the report.

What the lookup shows is portal.cases.public_view's rule (state, dates, public replies; the
reporter's own title and description; nothing about staff or other people). Guessing is
throttled like the public report (portal.auth.throttle): failures count per client address and
per case number, and a wrong last four, a malformed one and a number that does not exist get the
same answer, so the lookup tells a stranger nothing about which numbers exist. A case reported
without a phone (a logged-in resident's) is followed at /my/cases only.

A successful lookup is remembered in the browser's session (the last few cases), so the case's
page and its rating form need no digits again; anyone else opening /track/<number> gets 404,
whether the case exists or not. The receipt's URL carries a signed, expiring token of the case
(itsdangerous), not its id or number, so receipts cannot be enumerated either.
"""
from __future__ import annotations

from flask import (Blueprint, abort, current_app, has_request_context, redirect, request,
                   session, url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, URLSafeTimedSerializer
from wtforms import StringField

from portal.cases.loop_models import CaseMeToo
from portal.cases.models import Case
from portal.cases.public_view import last_four, may_rate, public_timeline, rate
from portal.errors import DomainError
from portal.extensions import db
from portal.forms import strip
from portal.rendering import render
from portal.web import REFUSED, submit_form

bp = Blueprint("track", __name__, url_prefix="/track")

#: How a visitor stands to a case they proved: its reporter (may rate) or one who joined it.
REPORTER, JOINED = "reporter", "joined"
#: How many proved cases a browser's session remembers.
REMEMBERED = 10
#: How long a receipt's link works (a reporter who keeps it longer uses the lookup).
RECEIPT_MAX_AGE = 90 * 24 * 3600
RECEIPT_SALT = "portal.cases.receipt"


class LookupForm(FlaskForm):
    number = StringField(_l("事件编号"), filters=[strip])
    last_four = StringField(_l("反映时所留电话的后四位"), filters=[strip],
                            render_kw={"inputmode": "numeric", "autocomplete": "off",
                                       "maxlength": "4"})


# ---------------------------------------------------------------- links for others

def tracking_url(case: Case) -> str:
    """The lookup page with the case's number filled in, as an absolute URL for an SMS (the
    notification outbox sends it to the phone left with the report, whose owner knows its last
    four digits). PUBLIC_BASE_URL wins, as on printed QR codes; outside a request without it,
    the app's SERVER_NAME."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if has_request_context():
        path = url_for("track.lookup", number=case.number)
        return (base.rstrip("/") + path) if base else url_for("track.lookup", number=case.number,
                                                                _external=True)
    with current_app.test_request_context(base_url=base or None):
        return url_for("track.lookup", number=case.number, _external=True)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=RECEIPT_SALT)


def receipt_token(case: Case) -> str:
    """The signed token of ``case``'s receipt page (``url_for("track.receipt", token=...)``)."""
    return _serializer().dumps(case.id)


# ---------------------------------------------------------------- who proved what

def remember(case: Case, how: str) -> None:
    """This browser proved ``case`` (a report from it, or a lookup with the right digits)."""
    kept = [item for item in session.get("tracked", []) if item[0] != case.id]
    session["tracked"] = [*kept, [case.id, how]][-REMEMBERED:]


def proved(case: Case) -> str | None:
    """How the visitor stands to ``case``: REPORTER, JOINED or None (not proved)."""
    if current_user.is_authenticated and case.reporter_id == current_user.id:
        return REPORTER
    for case_id, how in session.get("tracked", []):
        if case_id == case.id:
            return how
    return None


def match(number: str, digits: str) -> tuple[Case, str] | None:
    """The case ``number`` and how ``digits`` (the last four of a phone) relate to it: the phone
    left with the report, or one left by someone who joined it; None for anything else."""
    if not number or len(number) > 40 or len(digits) != 4 or not digits.isdigit():
        return None
    case = db.session.scalar(db.select(Case).filter_by(number=number))
    if case is None:
        return None
    if last_four(case.reporter_phone) == digits:
        return case, REPORTER
    phones = db.session.scalars(db.select(CaseMeToo.reporter_phone).filter_by(case_id=case.id))
    if any(last_four(p) == digits for p in phones):
        return case, JOINED
    return None


def _throttle_keys(number: str) -> list[str]:
    import hashlib

    digest = hashlib.sha256(number.encode()).hexdigest()[:16]
    return [f"track:{request.remote_addr or 'unknown'}", f"track-number:{digest}"]


# ---------------------------------------------------------------- pages

@bp.route("/", methods=["GET", "POST"])
def lookup():
    """The lookup form (the number may come filled in from a receipt or an SMS) and its answer:
    the case's page, or one refusal for every kind of wrong answer."""
    from portal.auth import throttle

    form = LookupForm(data={"number": request.args.get("number", "")[:40]}
                      if request.method == "GET" else None)
    if request.method == "GET":
        known = db.session.scalar(db.select(Case).filter_by(number=form.number.data or ""))
        if known is not None and proved(known):
            return redirect(url_for("track.show", number=known.number))
        return render("track/lookup.html", form=form)
    if not form.validate():  # the CSRF token
        return render("track/lookup.html", form=form), REFUSED
    number = (form.number.data or "").upper()
    keys = _throttle_keys(number)
    seconds = throttle.seconds_locked(keys)
    if seconds:
        form.form_errors.append(_("查询太频繁，请%(m)d分钟后再试，或拨打网格员电话。",
                                  m=throttle.minutes(seconds)))
        return render("track/lookup.html", form=form), 429
    found = match(number, form.last_four.data or "")
    if found is None:
        throttle.record_failure(keys)  # a guess, whichever part of it was wrong
        form.form_errors.append(_("没有找到这个事件：请核对事件编号和电话后四位。"))
        return render("track/lookup.html", form=form), REFUSED
    case, how = found
    remember(case, how)
    return redirect(url_for("track.show", number=case.number), 303)


def _proved_case(number: str) -> tuple[Case, str]:
    case = db.session.scalar(db.select(Case).filter_by(number=number))
    how = proved(case) if case is not None else None
    if how is None:
        abort(404)  # not proved, or no such case: the same answer
    return case, how


def _page(case, how, form):
    from portal.cases.my_cases import me_too_counts

    return render("track/show.html", case=case, how=how, steps=public_timeline(case),
                  ratable=how == REPORTER and may_rate(case), form=form,
                  me_too=me_too_counts([case.id]).get(case.id, 0))


@bp.route("/<number>")
def show(number):
    from portal.cases.forms import RatingForm

    case, how = _proved_case(number)
    return _page(case, how, RatingForm())


@bp.route("/<number>/rate", methods=["POST"])
def rate_case(number):
    """The reporter's rating, once; someone who only joined the case may not rate it."""
    from portal.cases.forms import RatingForm

    case, how = _proved_case(number)
    form = RatingForm()

    def save():
        if how != REPORTER:
            raise DomainError(_("只有报告人可以评价。"))
        user = current_user if current_user.is_authenticated and \
            case.reporter_id == current_user.id else None
        rate(case, form.satisfaction_value(), form.comment.data, user=user)

    return submit_form(form, save, done=_("谢谢您的评价。"),
                       then=url_for("track.show", number=case.number),
                       page=lambda: _page(case, how, form))


@bp.route("/receipt/<token>")
def receipt(token):
    """回执: what a public report answers with (a redirect here, so a refresh files nothing)."""
    try:
        case_id = _serializer().loads(token, max_age=RECEIPT_MAX_AGE)
    except BadSignature:  # a forged, altered or expired token (SignatureExpired is one)
        abort(404)
    case = db.session.get(Case, case_id) if isinstance(case_id, int) else None
    if case is None:
        abort(404)
    return render("track/receipt.html", case=case,
                  track=url_for("track.lookup", number=case.number))
