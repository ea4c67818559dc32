"""Disputes pages: taking a step of the ladder, recording an agreement with its signatures, a
follow-up visit, and passing a dispute on as a case. Each answers the dispute's page with the
refusal beside its field (422), or goes back to it."""
from flask import abort, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.errors import DomainError
from portal.permissions import can, requires
from portal.tenancy import load_scoped
from portal.web import run_action, submit_form

from . import ladder, services
from .forms import AgreementForm, FollowupForm, StepForm
from .labels import ACTION_LABELS
from .models import Dispute, DisputeFollowup
from .register_views import dispute_page


@requires("disputes.mediate")
def step(dispute_id, action):
    dispute = load_scoped(Dispute, dispute_id)
    if action not in ladder.ACTIONS or action == "agree":
        abort(404)
    form = StepForm(prefix=action)
    return submit_form(
        form, lambda: services.take(dispute, action, current_user, note=form.note.data,
                                    responsible_unit=form.responsible_unit.data,
                                    leading_cadre=form.leading_cadre.data,
                                    helpers=form.helpers.data),
        done=_("已%(what)s。", what=ACTION_LABELS[action]), then=url_for("disputes.show", dispute_id=dispute.id),
        page=lambda: dispute_page(dispute, step=(action, form)))


@requires("disputes.mediate")
def agree(dispute_id):
    dispute = load_scoped(Dispute, dispute_id)
    form = AgreementForm()
    return submit_form(
        form, lambda: services.agree(dispute, current_user, terms=form.terms.data,
                                     mediator=form.mediator.data, signed_on=form.signed_on.data,
                                     signed_party_ids=set(form.signed.data or ())),
        done=lambda a: _("已登记调解协议，%(n)d 次回访已排期。", n=len(a.followups)),
        then=url_for("disputes.show", dispute_id=dispute.id), page=lambda: dispute_page(dispute, agreement_form=form))


@requires("disputes.mediate")
def followup(followup_id):
    visit = load_scoped(DisputeFollowup, followup_id)
    dispute = visit.agreement.dispute
    form = FollowupForm(prefix=f"visit{visit.id}")
    return submit_form(
        form, lambda: services.record_followup(visit, current_user, kept=form.kept.data == "1",
                                               note=form.note.data),
        done=(_("已记录回访。") if form.kept.data == "1"
              else _("已记录回访：协议未履行，纠纷重新调处。")),
        then=url_for("disputes.show", dispute_id=dispute.id),
        page=lambda: dispute_page(dispute, visit=(visit.id, form)))


@requires("disputes.mediate")
def to_case(dispute_id):
    dispute = load_scoped(Dispute, dispute_id)

    def work():
        if not can(current_user, "cases.report", dispute.grid):
            raise DomainError(_("您没有上报事件的权限，请联系网格员或村(社区)管理员。"))
        if not ladder.may(current_user, dispute, "note"):
            raise DomainError(_("现在不能进行这一步。"))
        return services.escalate_to_case(dispute, current_user)

    return run_action(work, done=lambda case: _("已转为事件 %(n)s。", n=case.number),
                      then=url_for("disputes.show", dispute_id=dispute.id))
