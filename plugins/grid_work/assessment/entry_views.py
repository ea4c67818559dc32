"""Recorded entries (正面 / 负面清单) of one worker: added by a village or town admin with a
reason, a day and an optional photo of the evidence; withdrawn (kept, struck through); the
evidence served only within the scope."""
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.errors import DomainError
from portal.extensions import db
from portal.permissions import requires
from portal.tenancy import load_scoped
from portal.uploads import send_photo
from portal.web import run_action, submit_form

from . import services
from .forms import EntryForm
from .models import GridWorkEntry, GridWorkItem
from .scheme_views import closed, scheme_arg, worker_arg, worker_page


@requires("grid_work.manage")
def add_entry(scheme_id, worker_id):
    scheme = scheme_arg(scheme_id)
    worker = worker_arg(scheme, worker_id)
    then = url_for("grid_work_assessment.worker", scheme_id=scheme.id, worker_id=worker.id)
    if refused := closed(scheme, then):
        return refused
    form = EntryForm(prefix="entry")
    form.item.choices = [(i.id, i.label) for i in scheme.items if i.kind != "measured"]

    def save():
        item = db.session.get(GridWorkItem, form.item.data)
        if item is None or item.scheme_id != scheme.id:
            raise DomainError(_("请选择正面清单或负面清单的项目。"), "item")
        return services.add_entry(item, worker, points=form.points.data, reason=form.reason.data,
                                  happened_on=form.happened_on.data, evidence=form.evidence.data,
                                  actor=current_user)

    return submit_form(
        form, save, done=_("已记录。"),
        then=url_for("grid_work_assessment.worker", scheme_id=scheme.id, worker_id=worker.id),
        page=lambda: worker_page(scheme, worker, entry_form=form))


@requires("grid_work.manage")
def withdraw_entry(entry_id):
    entry = load_scoped(GridWorkEntry, entry_id)
    return run_action(lambda: services.withdraw_entry(entry, actor=current_user),
                      done=_("已撤销这条记录(保留可查)。"),
                      then=url_for("grid_work_assessment.worker",
                                   scheme_id=entry.item.scheme_id, worker_id=entry.worker_id))


@requires("grid_work.view")
def evidence(entry_id):
    return send_photo(load_scoped(GridWorkEntry, entry_id).evidence)
