"""Disputes pages: the register (a list every view of which is audited), registering a dispute
with its parties (from the register or from outside), one dispute with its ladder."""
from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal import audit
from portal.errors import DomainError
from portal.extensions import db
from portal.forms import choices
from portal.grids.models import GRID, SPECIAL, Grid
from portal.pagination import paginate
from portal.people.search import find_residents, refusal_status
from portal.permissions import can, requires
from portal.rendering import render
from portal.request_guard import parse_id
from portal.tenancy import in_subtree_where_on, load_scoped
from portal.timeutil import local_today
from portal.web import commit, submit_form

from . import ladder, services
from .forms import AgreementForm, DisputeForm, FollowupForm, StepForm
from .labels import KIND_LABELS, RISK_LABELS
from .models import Dispute, DisputeAgreement, DisputeParty

PAGE_SIZE = 50
SHOWS = {"open": ladder.OPEN_STATES, "agreed": ("agreed",), "closed": ("closed",)}


def base_grids() -> list[Grid]:
    """The base grids of the user's scope where the module is on: where a dispute is entered."""
    return list(db.session.scalars(select(Grid).where(
        Grid.level.in_((GRID, SPECIAL)), Grid.retired_at.is_(None),
        in_subtree_where_on("disputes", current_user.scope)).order_by(Grid.code)))


def node_arg() -> Grid:
    node_id = request.args.get("node", type=parse_id)
    return load_scoped(Grid, node_id) if node_id else current_user.scope


@requires("disputes.view")
def index():
    node = node_arg()
    show = request.args.get("show", "open")
    risk = request.args.get("risk", "")
    kind = request.args.get("kind", "")
    late = request.args.get("late") == "1"
    query = (select(Dispute).join(Grid, Grid.id == Dispute.grid_id)
             .where(in_subtree_where_on("disputes", node)))
    if show in SHOWS:
        query = query.where(Dispute.state.in_(SHOWS[show]))
    if risk in RISK_LABELS:
        query = query.where(Dispute.risk == risk)
    if kind in KIND_LABELS:
        query = query.where(Dispute.kind == kind)
    if late:
        query = query.where(Dispute.state.in_(ladder.OPEN_STATES),
                            Dispute.due_on < local_today())
    listing = paginate(query.options(joinedload(Dispute.grid), selectinload(Dispute.parties))
                       .order_by(Dispute.found_on.desc(), Dispute.id.desc()), PAGE_SIZE)
    audit.record("disputes.view_list", None, scope_code=node.code, user=current_user,
                 count=len(listing.rows), show=show)
    page = render("disputes/index.html", node=node, scope=node, show=show, risk=risk, kind=kind,
                  late=late, today=local_today(), **listing.context())
    commit()  # the audit entry; after rendering, since a commit expires what the page reads
    return page


def _parties(form) -> list[services.PartyInput]:
    typed = [row.form for row in form.party_rows]
    rows = [services.PartyInput(name=row.name.data, side=row.side.data,
                                phone=row.phone.data or None, address=row.address.data or None)
            for row in typed if row.name.data]
    for side, field in (("a", form.resident_a), ("b", form.resident_b)):
        rows.extend(services.PartyInput(name="", side=side, resident_id=resident_id)
                    for resident_id in dict.fromkeys(field.data or ()))
    return rows


@requires("disputes.report")
def new():
    grids = base_grids()
    case = None
    case_id = request.args.get("case", type=parse_id)
    if case_id:
        from portal.cases.models import Case

        case = load_scoped(Case, case_id)
        if not can(current_user, "cases.view", case):
            abort(404)  # a mediator registers disputes; the case list is not theirs to read
    form = DisputeForm(found_on=local_today(), grid=case.grid_id if case else None,
                       title=case.title if case else None,
                       description=case.description if case else None)
    form.grid.choices = choices([(g.id, g.name) for g in grids])
    if not form.is_submitted():  # the rows start as applicant, respondent, applicant …
        for n, row in enumerate(form.party_rows):
            row.form.side.data = "a" if n % 2 == 0 else "b"
    q = request.args.get("q", "").strip()
    grid = next((g for g in grids if g.id == request.args.get("grid", type=parse_id)), None)
    found, refusal = (find_residents(grid or current_user.scope, q, limit=20)
                      if q and (grid or current_user.scope.level in (GRID, SPECIAL))
                      else ([], None))
    if request.args.get("part") == "results":
        return render("disputes/_party_results.html", found=found, search_refusal=refusal,
                      q=q), refusal_status(refusal)

    def save():
        chosen = next((g for g in grids if g.id == form.grid.data), None)
        if chosen is None:
            raise DomainError(_("请选择网格。"), field="grid")
        return services.register(
            chosen, kind=form.kind.data, title=form.title.data,
            description=form.description.data, found_on=form.found_on.data,
            parties=_parties(form), amount=form.amount.data, risk=form.risk.data or None,
            criminal_risk=form.criminal_risk.data, group_risk=form.group_risk.data,
            responsible_unit=form.responsible_unit.data, leading_cadre=form.leading_cadre.data,
            helpers=form.helpers.data, source_case=case, actor=current_user)

    def chosen() -> list:
        """The residents ticked as parties of a refused form, shown again with their side."""
        from portal.people.models import Resident

        picked = []
        for side, field in (("a", form.resident_a), ("b", form.resident_b)):
            for resident_id in field.data or ():
                resident = db.session.get(Resident, resident_id)
                if resident is not None and resident.grid_id in {g.id for g in grids}:
                    picked.append((side, resident))
        return picked

    return submit_form(
        form, save, done=lambda d: _("已登记纠纷 %(n)s。", n=d.number),
        then=lambda d: url_for("disputes.show", dispute_id=d.id),
        page=lambda: (render("disputes/new.html", form=form, case=case, found=found, q=q,
                             grid=grid, grids=grids, search_refusal=refusal,
                             chosen=chosen()),
                      refusal_status(refusal)))


def dispute_page(dispute: Dispute, *, step: tuple | None = None, agreement_form=None,
                 visit: tuple | None = None, status: int = 200):
    """One dispute, its parties, timeline, agreement and the steps the user may take. Audited:
    who read which dispute is on the record. ``step`` and ``visit``: (action or visit id, form)
    of a refused form, shown open with what was typed and its errors."""
    db.session.scalars(select(Dispute).filter_by(id=dispute.id).options(
        selectinload(Dispute.parties), selectinload(Dispute.steps),
        selectinload(Dispute.agreements).selectinload(DisputeAgreement.signatures),
        selectinload(Dispute.agreements).selectinload(DisputeAgreement.followups))).one()
    audit.record("disputes.view", dispute, scope_code=dispute.grid.code, user=current_user,
                 number=dispute.number)
    actions = ladder.available(current_user, dispute)
    # a form per step and per visit, each with its own prefix (field names and ids)
    step_forms = {a: StepForm(prefix=a, formdata=None) for a in actions}
    agreement = dispute.agreement
    visit_forms = {f.id: FollowupForm(prefix=f"visit{f.id}", formdata=None)
                   for f in (agreement.followups if agreement else ()) if f.done_on is None}
    if step is not None:
        step_forms[step[0]] = step[1]
    if visit is not None:
        visit_forms[visit[0]] = visit[1]
    page = render("disputes/show.html", dispute=dispute, scope=dispute.grid, actions=actions,
                  step_forms=step_forms, refused_step=step[0] if step else None,
                  agreement_form=agreement_form or AgreementForm(signed_on=local_today()),
                  visit_forms=visit_forms, late=services.is_late(dispute), today=local_today(),
                  may_case=can(current_user, "cases.report", dispute.grid)
                  and can(current_user, "disputes.mediate", dispute))
    commit()
    return page, status


@requires("disputes.view")
def show(dispute_id):
    return dispute_page(load_scoped(Dispute, dispute_id))


@requires("disputes.view")
def agreement_print(agreement_id):
    """The agreement (调解协议书) as a printable page: the parties sign the paper."""
    agreement = load_scoped(DisputeAgreement, agreement_id)
    dispute = agreement.dispute
    audit.record("disputes.print", dispute, scope_code=dispute.grid.code, user=current_user,
                 number=dispute.number)
    parties = db.session.scalars(select(DisputeParty).filter_by(dispute_id=dispute.id)
                                 .order_by(DisputeParty.side, DisputeParty.id)).all()
    page = render("disputes/agreement_print.html", agreement=agreement, dispute=dispute,
                  parties=parties, scope=dispute.grid)
    commit()
    return page
