"""Residents' claims pages (积分申报): the phone form a resident (or their grid worker for them)
files a claim with, the list of claims each sees, a claim with its photo, and the village's
approve / reject.

Who sees which claims: a reviewer (``points.award``) and a grid worker those of their scope; a
resident only their own household's (anyone else's is a 404, like another town's)."""
from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from sqlalchemy import case, select
from sqlalchemy.orm import joinedload
from wtforms import DateField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from portal.extensions import db
from portal.forms import IdField, choices, strip
from portal.grids.models import Grid
from portal.i18n import paren
from portal.pagination import paginate
from portal.people.models import Household, Resident
from portal.people.number_search import status_for
from portal.people.search import SearchRefused
from portal.permissions import can, requires
from portal.rendering import render
from portal.tenancy import in_subtree, in_subtree_where_on, load_scoped, resident_of, town_of
from portal.timeutil import local_today
from portal.uploads import send_photo
from portal.web import run_action, submit_form

from . import claims
from .models import CLAIM_STATES, PointsClaim

STATE_LABELS = {"pending": _l("待审核"), "approved": _l("已通过"), "rejected": _l("未通过")}
assert set(STATE_LABELS) == set(CLAIM_STATES)
PAGE_SIZE = 50
#: A grid worker's form lists at most this many of the grid's residents (a search finds others).
PICK_LIMIT = 500


class ClaimForm(FlaskForm):
    #: Only on a grid worker's form (a resident claims for themselves): the resident's id, loaded
    #: in the worker's scope (another grid's resident is a 404).
    resident = IdField(_l("居民"), validators=[InputRequired(_l("请选择居民。"))])
    rule = SelectField(_l("积分事项"), coerce=int, validators=[InputRequired(_l("请选择积分事项。"))])
    happened_on = DateField(_l("日期"), default=local_today,
                            validators=[InputRequired(_l("请填写日期。"))])
    note = TextAreaField(_l("做了什么"), filters=[strip], render_kw={"rows": 3, "maxlength": 500},
                         validators=[DataRequired(_l("请写明做了什么事。")),
                                     Length(max=claims.MAX_NOTE,
                                            message=_l("说明不能超过500字。"))])
    photo = FileField(_l("照片(可选)"),
                      render_kw={"accept": "image/*", "capture": "environment", "data-photo": ""},
                      validators=[FileAllowed(["jpg", "jpeg", "png", "webp"],
                                              _l("照片须为 jpg、png 或 webp。"))])


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("退回原因(居民能看到)"), filters=[strip], render_kw={"rows": 2},
                           validators=[DataRequired(_l("请说明退回原因。")), Length(max=500)])


# ---------------------------------------------------------------- who sees what


def _own_household_only(user) -> bool:
    """A resident sees their household's claims only; staff see those of their scope."""
    return not (can(user, "points.award") or can(user, "points.view"))


def _may_use_claims():
    if not (can(current_user, "points.claim") or can(current_user, "points.award")):
        abort(403)


def _load_claim(claim_id: int) -> PointsClaim:
    claim = load_scoped(PointsClaim, claim_id)
    if _own_household_only(current_user):
        me = resident_of(current_user)
        if me is None or me.household_id != claim.resident.household_id:
            abort(404)
    return claim


def _claims_query(state: str | None):
    query = (select(PointsClaim).join(Resident, Resident.id == PointsClaim.resident_id)
             .join(Grid, Grid.id == Resident.grid_id)
             .where(in_subtree_where_on("points", current_user.scope)))
    if _own_household_only(current_user):
        me = resident_of(current_user)
        query = query.where(Resident.household_id == (me.household_id if me else -1))
    if state:
        query = query.where(PointsClaim.state == state)
    pending_first = case((PointsClaim.state == "pending", 0), else_=1)
    return query.order_by(pending_first, PointsClaim.id.desc()).options(
        joinedload(PointsClaim.resident).joinedload(Resident.household),
        joinedload(PointsClaim.rule))


# ---------------------------------------------------------------- filing


def _claimant():
    """The resident a resident's login is (living here, in its scope), or None."""
    me = resident_of(current_user)
    if me is None or me.left_at is not None or not in_subtree(me.grid.code, current_user.scope):
        return None
    return me


def _pickable(q: str) -> list[tuple[int, str]]:
    """(id, label) of the residents a grid worker may file for: a search, or their scope's."""
    if q:
        from portal.people.search import search_residents

        found = search_residents(current_user.scope, q, limit=50)
    else:
        found = db.session.scalars(
            select(Resident).join(Grid, Grid.id == Resident.grid_id)
            .join(Household, Household.id == Resident.household_id)
            .where(in_subtree_where_on("points", current_user.scope),
                   Resident.left_at.is_(None))
            .options(joinedload(Resident.household))
            .order_by(Household.address, Resident.id).limit(PICK_LIMIT)).all()
    return [(r.id, r.name + paren(r.household.address)) for r in found]


@requires("points.claim")
def claim_new():
    own = _own_household_only(current_user)
    if own:
        resident = _claimant()
        if resident is None:
            # the menu offers 申报 to every resident's login: the page says why this one cannot
            # file yet (like 我的积分); a claim sent anyway finds nobody to file for
            return render("points/claims/no_resident.html"), (404 if request.method == "POST"
                                                              else 200)
        town = town_of(resident.grid)
    else:
        resident = None
        town = town_of(current_user.scope)
    if town is None:
        abort(404)
    rules = claims.claimable_rules(town)
    form = ClaimForm()
    form.rule.choices = choices([(r.id, r.name + paren(_("%(n)d 分", n=r.points)))
                                 for r in rules])
    if own:
        del form.resident
    elif form.is_submitted() and form.resident.data is not None:
        resident = load_scoped(Resident, form.resident.data)  # another grid's: 404
    q = request.args.get("q", "").strip()

    def save():
        rule = next((r for r in rules if r.id == form.rule.data), None)
        return claims.file_claim(resident, rule, happened_on=form.happened_on.data,
                                 note=form.note.data, photo_file=form.photo.data,
                                 actor=current_user)

    def page():
        refusal, status, people = None, 200, []
        if not own:
            try:
                people = _pickable(q)
            except SearchRefused as error:
                refusal, status = error, status_for(error)
        return render("points/claims/new.html", form=form, rules=rules, resident=resident,
                      people=people, q=q, refusal=refusal, own=own), status

    return submit_form(form, save, done=_("已提交申报，村(社区)审核后发放积分。"),
                       then=lambda claim: url_for("points.claim", claim_id=claim.id), page=page)


# ---------------------------------------------------------------- lists and a claim


@login_required
def claim_list():
    _may_use_claims()
    state = request.args.get("state", "")
    if state not in STATE_LABELS:
        state = ""
    listing = paginate(_claims_query(state or None), PAGE_SIZE)
    own = _own_household_only(current_user)
    return render("points/claims/index.html", state=state, own=own, states=STATE_LABELS,
                  pending=claims.pending_count(current_user.scope) if not own else None,
                  **listing.context())


def _claim_page(claim: PointsClaim, reject_form: RejectForm | None = None):
    return render("points/claims/show.html", claim=claim, reject_form=reject_form or RejectForm(),
                  states=STATE_LABELS,
                  reviewer=can(current_user, "points.award"),
                  own=_own_household_only(current_user))


@login_required
def claim_show(claim_id):
    _may_use_claims()
    return _claim_page(_load_claim(claim_id))


@login_required
def claim_photo(claim_id):
    _may_use_claims()
    return send_photo(_load_claim(claim_id).photo)


@requires("points.award")
def claim_approve(claim_id):
    claim = _load_claim(claim_id)
    return run_action(lambda: claims.approve(claim, actor=current_user),
                      done=lambda entry: _("已通过申报，发放 %(n)d 积分。", n=entry.points),
                      then=url_for("points.claims", state="pending"))


@requires("points.award")
def claim_reject(claim_id):
    claim = _load_claim(claim_id)
    form = RejectForm()
    return submit_form(form, lambda: claims.reject(claim, form.reason.data, actor=current_user),
                       done=_("已退回申报。"), then=url_for("points.claims", state="pending"),
                       page=lambda: _claim_page(claim, reject_form=form))
