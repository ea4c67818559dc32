"""Appeals: a worker appeals one item of their score once, while the scheme is not published;
an admin who assesses upholds it (the corrected points, or the entry withdrawn) or rejects it
with a note; the town's open appeals."""
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.errors import DomainError
from portal.extensions import db
from portal.grids.models import Grid
from portal.permissions import requires
from portal.rendering import render
from portal.tenancy import in_subtree_where_on, load_scoped
from portal.web import submit_form

from . import services
from .forms import AppealForm, RejectForm, UpholdForm
from .labels import MODULE
from .models import GridWorkAppeal, GridWorkEntry, GridWorkItem
from .scheme_views import closed, helpers, me_page, scheme_arg, worker_page


@requires("grid_work.own")
def appeal(scheme_id, item_id):
    scheme = scheme_arg(scheme_id)
    item = db.session.get(GridWorkItem, item_id)
    if item is None or item.scheme_id != scheme.id:
        from flask import abort

        abort(404)
    then = url_for("grid_work_assessment.me", scheme_id=scheme.id)
    if refused := closed(scheme, then):
        return refused
    form = AppealForm(prefix=f"a{item.id}")
    return submit_form(
        form, lambda: services.lodge_appeal(item, current_user, form.reason.data),
        done=_("已提交申诉，处理结果会通知您。"), then=then,
        page=lambda: me_page(scheme, refused=(item.id, form)))


def _decide_page(appeal, uphold_form, reject_form):
    scheme = appeal.item.scheme
    return worker_page(scheme, appeal.worker, decide=(appeal.id, uphold_form, reject_form))


def _back(appeal) -> str:
    return url_for("grid_work_assessment.worker", scheme_id=appeal.item.scheme_id,
                   worker_id=appeal.worker_id)


def _decided(appeal):
    """The page shows no decision form for a decided appeal or a published scheme."""
    return closed(appeal.item.scheme, _back(appeal),
                  _("这条申诉已经处理过了。") if appeal.state != "open" else None)


@requires("grid_work.assess")
def uphold(appeal_id):
    appeal = load_scoped(GridWorkAppeal, appeal_id)
    if refused := _decided(appeal):
        return refused
    form = UpholdForm(prefix=f"u{appeal.id}")

    def save():
        entry = None
        if appeal.item.kind != "measured":
            entry = db.session.get(GridWorkEntry, form.entry.data) if form.entry.data else None
            if entry is None:
                raise DomainError(_("请选择要撤销的那条记录。"), "entry")
        return services.decide_appeal(appeal, upheld=True, note=form.note.data,
                                      corrected=form.corrected.data, entry=entry,
                                      actor=current_user)

    return submit_form(form, save, done=_("已支持这条申诉，并已通知网格员。"), then=url_for(
            "grid_work_assessment.worker", scheme_id=appeal.item.scheme_id,
            worker_id=appeal.worker_id),
                       page=lambda: _decide_page(appeal, form,
                                                 RejectForm(prefix=f"r{appeal.id}",
                                                            formdata=None)))


@requires("grid_work.assess")
def reject(appeal_id):
    appeal = load_scoped(GridWorkAppeal, appeal_id)
    if refused := _decided(appeal):
        return refused
    form = RejectForm(prefix=f"r{appeal.id}")
    return submit_form(
        form, lambda: services.decide_appeal(appeal, upheld=False, note=form.note.data,
                                             actor=current_user),
        done=_("已驳回这条申诉，并已通知网格员。"), then=url_for(
            "grid_work_assessment.worker", scheme_id=appeal.item.scheme_id,
            worker_id=appeal.worker_id),
        page=lambda: _decide_page(appeal, UpholdForm(prefix=f"u{appeal.id}", formdata=None),
                                  form))


@requires("grid_work.assess")
def appeals():
    """The open appeals of the user's scope, oldest first."""
    rows = list(db.session.scalars(
        select(GridWorkAppeal).join(Grid, Grid.id == GridWorkAppeal.grid_id)
        .where(in_subtree_where_on(MODULE, current_user.scope), GridWorkAppeal.state == "open")
        .options(joinedload(GridWorkAppeal.item).joinedload(GridWorkItem.scheme),
                 joinedload(GridWorkAppeal.worker), joinedload(GridWorkAppeal.grid))
        .order_by(GridWorkAppeal.created_at, GridWorkAppeal.id)))
    return render("grid_work/assessment/appeals.html", appeals=rows, **helpers())
