"""The pages of coordination and approval cases: scheduling a consultation (会商) and recording
its minutes, naming a lead (包案领导), the steps of an approval, and the printable decision
(审批决定书). The case page shows them in its kind panel (templates/cases/_kind_panel.html);
each form comes by htmx like the loop's next steps (portal.cases.blueprint.act)."""
from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields import DateTimeLocalField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.cases import approval, consultations
from portal.cases.kind_models import Consultation
from portal.cases.models import Case
from portal.errors import DomainError
from portal.forms import choices, strip
from portal.permissions import requires
from portal.rendering import render, wants_partial
from portal.departments.services import offered_for_case
from portal.tenancy import load_scoped, town_of
from portal.timeutil import local_today, to_local, to_utc
from portal.web import REFUSED, commit, refuse

bp = Blueprint("case_kinds", __name__, url_prefix="/cases")

#: The steps of an approval and what may be done at each (portal.cases.approval).
APPROVAL_STEP_LABELS = {"accept": _l("受理"), "review": _l("审核"), "approve": _l("批准")}
APPROVAL_ACTION_LABELS = {"accept": _l("受理"), "review": _l("审核通过"), "approve": _l("批准"),
                          "return": _l("退回")}
APPROVAL_NOTE_LABELS = {"accept": _l("受理意见"), "review": _l("审核意见"),
                        "approve": _l("批准意见"), "return": _l("退回原因")}
APPROVAL_STAGE_LABELS = {None: _l("待受理"), "accepted": _l("已受理，待审核"),
                         "reviewed": _l("已审核，待批准"), "approved": _l("已批准"),
                         "returned": _l("已退回")}
APPROVAL_DECISION_LABELS = {"passed": _l("通过"), "returned": _l("退回")}


@bp.app_context_processor
def labels():
    return {"APPROVAL_STEP_LABELS": APPROVAL_STEP_LABELS,
            "APPROVAL_ACTION_LABELS": APPROVAL_ACTION_LABELS,
            "APPROVAL_STAGE_LABELS": APPROVAL_STAGE_LABELS,
            "APPROVAL_DECISION_LABELS": APPROVAL_DECISION_LABELS}


# ---------------------------------------------------------------- forms

class LocalDateTimeField(DateTimeLocalField):
    """A date and time as a phone's picker gives it (``2026-11-20T09:30``), local wall clock;
    a value it cannot read gets a Chinese message rather than WTForms' English one."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(_("请按“年-月-日 时:分”填写时间。")) from error


class ConsultationForm(FlaskForm):
    scheduled_at = LocalDateTimeField(_l("会商时间"),
                                      validators=[InputRequired(_l("请填写会商时间。"))])
    place = StringField(_l("会商地点"), filters=[strip],
                        validators=[DataRequired(_l("请填写会商地点。")), Length(max=100)])
    # the departments on record (the case's town's and county's); choices set by the view
    invited = SelectMultipleField(_l("参加部门"), coerce=int, choices=[], validate_choice=False)
    departments = StringField(_l("其他参加单位"), filters=[strip],
                              validators=[Optional(), Length(max=200)],
                              render_kw={"placeholder": _l("如 镇水利站、供电所")})
    participants = TextAreaField(_l("参加人员"), filters=[strip], validators=[
        DataRequired(_l("请填写参加会商的人员。")), Length(max=2000)])
    plan = TextAreaField(_l("会商方案"), filters=[strip], validators=[
        DataRequired(_l("请填写会商方案。")), Length(max=4000)])


class MinutesForm(FlaskForm):
    minutes = TextAreaField(_l("会商纪要"), filters=[strip], validators=[
        DataRequired(_l("请填写会商纪要。")), Length(max=4000)])
    decisions = TextAreaField(_l("决定事项"), filters=[strip], validators=[
        DataRequired(_l("请填写决定事项。")), Length(max=4000)])


class LeadForm(FlaskForm):
    #: The id of one of the leaders offered (consultations.lead_candidates), matched there.
    lead = SelectField(_l("包案领导"), validate_choice=False,
                       validators=[DataRequired(_l("请选择包案领导。"))])


class ApprovalForm(FlaskForm):
    """The opinion of a step, or the reason for returning: which one the service requires."""
    note = TextAreaField(filters=[strip])


# ---------------------------------------------------------------- answers

def _done(case: Case, message: str):
    """After a step: the whole case page changes (panel, timeline, maybe its state); htmx loads
    it whole, a browser without it is redirected."""
    commit()
    flash(message, "success")
    target = url_for("cases.show", case_id=case.id)
    if wants_partial():
        return "", 204, {"HX-Redirect": target}
    return redirect(target)


def _form_page(case: Case, form: FlaskForm, **context):
    """The small form (htmx) or a page holding it; 422 once it was sent and refused."""
    return render("cases/kind_form.html", "cases/_kind_form.html", case=case, form=form,
                  **context), REFUSED if form.is_submitted() else 200


def panel(case: Case) -> dict:
    """What the case page's kind panel shows and offers the logged-in user."""
    steps = approval.steps_of(case) if case.kind == "approval" else []
    held = consultations.consultations_of(case)
    may_consult = consultations.may_consult(current_user, case)
    stage = approval.stage(case, steps)
    return {
        "consultations": held, "may_consult": may_consult,
        "may_minutes": consultations.may_dispatch(current_user, case),
        "show_consultations": case.kind == "coordination" or bool(held) or may_consult,
        "approval": case.kind == "approval", "steps": steps, "stage": stage,
        "approval_actions": approval.available(current_user, case, steps),
        "decided": stage in approval.DECIDED,
    }


bp.add_app_template_global(panel, "case_kind_panel")


# ---------------------------------------------------------------- consultations and the lead

@requires("cases.view")
def consultation_new(case_id):
    """GET: the form to schedule a consultation (htmx); POST: schedule it."""
    case = load_scoped(Case, case_id)
    if not consultations.may_consult(current_user, case):
        abort(403)
    form = ConsultationForm()
    offered = offered_for_case(case)
    form.invited.choices = [(d.id, d.name) for d in offered]
    if form.validate_on_submit():
        try:
            chosen = set(form.invited.data or [])
            invited = [d for d in offered if d.id in chosen]
            if len(invited) != len(chosen):  # a department of another town, or none at all
                raise DomainError(_("请选择本镇或本县的部门。"), "invited")
            consultations.schedule(
                case, current_user, scheduled_at=to_utc(form.scheduled_at.data),
                place=form.place.data, departments=form.departments.data, invited=invited,
                participants=form.participants.data, plan=form.plan.data)
            return _done(case, _("已安排会商。"))
        except DomainError as error:
            refuse(form, error)
    return _form_page(case, form, what="consultation",
                      title=_("安排会商"), target=url_for("case_kinds.consultation_new",
                                                         case_id=case.id))


@requires("cases.view")
def consultation_minutes(case_id, consultation_id):
    """GET: the form for a consultation's minutes and decisions; POST: record them."""
    case = load_scoped(Case, case_id)
    consultation = load_scoped(Consultation, consultation_id)
    if consultation.case_id != case.id:
        abort(404)
    if not consultations.may_dispatch(current_user, case):
        abort(403)
    form = MinutesForm()
    if form.validate_on_submit():
        try:
            consultations.record_minutes(consultation, current_user, minutes=form.minutes.data,
                                         decisions=form.decisions.data)
            return _done(case, _("已记录会商纪要。"))
        except DomainError as error:
            refuse(form, error)
    return _form_page(case, form, what="minutes", consultation=consultation,
                      title=_("记录会商纪要"),
                      target=url_for("case_kinds.consultation_minutes", case_id=case.id,
                                     consultation_id=consultation.id))


@requires("cases.view")
def lead(case_id):
    """GET: the form to name the case's lead; POST: name them."""
    case = load_scoped(Case, case_id)
    if not consultations.may_consult(current_user, case):
        abort(403)
    candidates = consultations.lead_candidates(case)
    form = LeadForm()
    form.lead.choices = choices([("", "—"), *((str(u.id), _lead_label(u)) for u in candidates)])
    if form.validate_on_submit():
        try:
            chosen = next((u for u in candidates if str(u.id) == form.lead.data), None)
            if chosen is None:
                raise DomainError(_("请选择本镇或县里的领导作为包案领导。"), "lead")
            consultations.name_lead(case, current_user, chosen)
            return _done(case, _("已确定包案领导%(name)s。", name=chosen.display_name))
        except DomainError as error:
            refuse(form, error)
    elif not form.is_submitted() and case.lead_id:
        form.lead.data = str(case.lead_id)
    return _form_page(case, form, what="lead", title=_("确定包案领导"),
                      target=url_for("case_kinds.lead", case_id=case.id))


def _lead_label(user) -> str:
    from portal.i18n import paren
    from portal.permissions import role_label

    return f"{user.display_name}{paren(f'{role_label(user.role)} {user.scope.name}')}"


# ---------------------------------------------------------------- approval

@requires("cases.view")
def approval_step(case_id, step):
    """GET: the form of the approval's next step (its opinion, or the reason to return it);
    POST: take it."""
    case = load_scoped(Case, case_id)
    if case.kind != "approval" or step not in approval.ACTIONS:
        abort(404)
    if step not in approval.available(current_user, case):
        abort(403)
    form = ApprovalForm()
    if form.validate_on_submit():
        try:
            approval.take(case, current_user, step, form.note.data)
            return _done(case, _("已%(action)s。", action=APPROVAL_ACTION_LABELS[step]))
        except DomainError as error:
            refuse(form, error)
    return _form_page(case, form, what="approval", step=step,
                      title=_("审批：%(action)s", action=APPROVAL_ACTION_LABELS[step]),
                      note_label=APPROVAL_NOTE_LABELS[step],
                      target=url_for("case_kinds.approval_step", case_id=case.id, step=step))


@requires("cases.view")
def decision(case_id):
    """审批决定书: the approval's steps and its decision, printable on A4. Before the decision
    it reads as the approval's progress (审批进度), marked as not decided."""
    case = load_scoped(Case, case_id)
    if case.kind != "approval":
        abort(404)
    steps = approval.steps_of(case)
    stage = approval.stage(case, steps)
    decided = stage in approval.DECIDED
    last = steps[-1] if steps else None
    return render("cases/decision.html", case=case, steps=steps, stage=stage, decided=decided,
                  town=town_of(case.grid), decided_on=to_local(last.at).date()
                  if decided and last else None, printed_on=local_today(),
                  decision_step=last if decided else None)


for rule, view, methods in (
        ("/<int:case_id>/consultations/new", consultation_new, ["GET", "POST"]),
        ("/<int:case_id>/consultations/<int:consultation_id>/minutes", consultation_minutes,
         ["GET", "POST"]),
        ("/<int:case_id>/lead", lead, ["GET", "POST"]),
        ("/<int:case_id>/approval/<step>", approval_step, ["GET", "POST"]),
        ("/<int:case_id>/decision", decision, ["GET"])):
    bp.add_url_rule(rule, view_func=view, methods=methods)
