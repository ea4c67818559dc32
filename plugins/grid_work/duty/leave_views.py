"""Leave (外出请假): a worker's own requests and the form to ask; the admins' list of their scope
(pending first); one request with the village's decision and the worker's cancel."""
from flask import abort, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import case, select
from sqlalchemy.orm import joinedload

from portal.grids.models import Grid
from portal.pagination import paginate
from portal.permissions import requires
from portal.rendering import render
from portal.tenancy import in_subtree_where_on, load_scoped
from portal.timeutil import local_today
from portal.web import run_action, submit_form

from . import services
from .access import MANAGE, OWN, admin_view, may_manage, require_manage, requires_view_or_own
from .figures import MODULE
from .forms import LEAVE_STATES, DecisionForm, LeaveForm
from .models import GridWorkLeave

PAGE_SIZE = 30


@requires_view_or_own
def leave_list():
    query = select(GridWorkLeave).join(Grid, Grid.id == GridWorkLeave.grid_id)
    if admin_view():
        query = query.where(in_subtree_where_on(MODULE, current_user.scope))
    else:
        query = query.where(GridWorkLeave.worker_id == current_user.id)
    pending_first = case((GridWorkLeave.state == "pending", 0), else_=1)
    listing = paginate(query.options(joinedload(GridWorkLeave.worker),
                                     joinedload(GridWorkLeave.cover),
                                     joinedload(GridWorkLeave.grid))
                       .order_by(pending_first, GridWorkLeave.starts_on.desc(),
                                 GridWorkLeave.id.desc()), PAGE_SIZE)
    return render("grid_work/duty/leave_list.html", states=LEAVE_STATES, today=local_today(),
                  admin=admin_view(), may_request=not admin_view(), **listing.context())


@requires(OWN)
def leave_new():
    form = LeaveForm()
    others = services.colleagues(current_user)
    form.cover.choices = [("", _("不指定")), *((str(w.id), w.display_name) for w in others)]
    return submit_form(
        form, lambda: services.request_leave(
            current_user, starts_on=form.starts_on.data, ends_on=form.ends_on.data,
            reason=form.reason.data, cover_id=form.cover.data),
        done=_("已提交请假申请，等待村(社区)审批。"),
        then=lambda leave: url_for("grid_work_duty.leave", leave_id=leave.id),
        page=lambda: render("grid_work/duty/leave_new.html", form=form))


def visible_leave(leave_id) -> GridWorkLeave:
    leave = load_scoped(GridWorkLeave, leave_id)
    if not admin_view() and leave.worker_id != current_user.id:
        abort(404)  # a colleague's request does not exist for a worker
    return leave


def leave_page(leave: GridWorkLeave, form=None):
    manage = may_manage(leave) and leave.state == "pending"
    today = local_today()
    may_cancel = leave.worker_id == current_user.id and (
        leave.state == "pending" or (leave.state == "approved" and leave.starts_on > today))
    return render("grid_work/duty/leave.html", leave=leave, states=LEAVE_STATES, manage=manage,
                  may_cancel=may_cancel, form=form or DecisionForm(formdata=None),
                  scope=leave.grid)


@requires_view_or_own
def leave(leave_id):
    return leave_page(visible_leave(leave_id))


def _decide(leave_id, approve: bool):
    leave = load_scoped(GridWorkLeave, leave_id)
    require_manage(leave)
    form = DecisionForm()
    return submit_form(
        form, lambda: services.decide_leave(leave, approve=approve, note=form.note.data,
                                            actor=current_user),
        done=_("已批准请假。") if approve else _("已不批准该请假。"),
        then=url_for("grid_work_duty.leave", leave_id=leave.id),
        page=lambda: leave_page(leave, form))


@requires(MANAGE)
def leave_approve(leave_id):
    return _decide(leave_id, True)


@requires(MANAGE)
def leave_reject(leave_id):
    return _decide(leave_id, False)


@requires(OWN)
def leave_cancel(leave_id):
    leave = visible_leave(leave_id)
    if leave.worker_id != current_user.id:
        abort(404)
    return run_action(lambda: services.cancel_leave(leave, actor=current_user),
                      done=_("已撤销请假。"), then=url_for("grid_work_duty.leave_list"))
