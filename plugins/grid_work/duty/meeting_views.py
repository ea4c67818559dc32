"""Meetings (例会): the list (an admin's scope, a worker's own with their attendance), calling one,
one meeting with its QR code, attendance, minutes and decisions, the host's marks, cancelling,
and the check-in a worker's phone opens from the QR code."""
import segno
from flask import abort, current_app, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.errors import DomainError
from portal.extensions import db
from portal.grids.models import Grid
from portal.pagination import paginate
from portal.permissions import requires
from portal.rendering import render
from portal.tenancy import in_subtree, load_scoped, town_of
from portal.timeutil import local_today
from portal.web import REFUSED, commit, rollback, run_action, submit_form

from . import services
from .access import (MANAGE, OWN, admin_view, host_nodes, may_manage, require_manage,
                     requires_view_or_own, seen_nodes_condition)
from .forms import STATUS_LABELS, MarkForm, MeetingForm, MinutesForm
from .models import GridWorkAttendance, GridWorkMeeting

PAGE_SIZE = 30


@requires_view_or_own
def meetings():
    if admin_view():
        query = (select(GridWorkMeeting).join(Grid, Grid.id == GridWorkMeeting.node_id)
                 .where(seen_nodes_condition(current_user.scope))
                 .options(joinedload(GridWorkMeeting.node)))
        mine = {}
    else:
        query = (select(GridWorkMeeting)
                 .join(GridWorkAttendance, GridWorkAttendance.meeting_id == GridWorkMeeting.id)
                 .where(GridWorkAttendance.worker_id == current_user.id)
                 .options(joinedload(GridWorkMeeting.node)))
        mine = {row.meeting_id: row for row in db.session.scalars(
            select(GridWorkAttendance).filter_by(worker_id=current_user.id))}
    listing = paginate(query.order_by(GridWorkMeeting.held_on.desc(), GridWorkMeeting.id.desc()),
                       PAGE_SIZE)
    counts = _counts([m.id for m in listing.rows]) if admin_view() else {}
    return render("grid_work/duty/meetings.html", mine=mine, counts=counts,
                  labels=STATUS_LABELS, today=local_today(), may_call=may_manage(),
                  **listing.context())


def _counts(meeting_ids: list[int]) -> dict[int, dict[str, int]]:
    """Per meeting the number of workers of each status (one query for the page)."""
    from sqlalchemy import func

    found: dict[int, dict[str, int]] = {m: {} for m in meeting_ids}
    if meeting_ids:
        for meeting_id, status, n in db.session.execute(
                select(GridWorkAttendance.meeting_id, GridWorkAttendance.status, func.count())
                .where(GridWorkAttendance.meeting_id.in_(meeting_ids))
                .group_by(GridWorkAttendance.meeting_id, GridWorkAttendance.status)):
            found[meeting_id][status] = n
    return found


@requires(MANAGE)
def meeting_new():
    nodes = host_nodes()
    form = MeetingForm(held_on=local_today())
    form.node.choices = [(n.id, n.name) for n in nodes]
    if not nodes:
        abort(404)

    def save():
        node = next((n for n in nodes if n.id == form.node.data), None)
        if node is None:
            raise DomainError(_("请选择本辖区的镇或村(社区)。"), field="node")
        return services.call_meeting(node, title=form.title.data, held_on=form.held_on.data,
                                     place=form.place.data, agenda=form.agenda.data,
                                     actor=current_user)

    return submit_form(form, save, done=_("已发布例会，参会网格员已列入名单。"),
                       then=lambda m: url_for("grid_work_duty.meeting", meeting_id=m.id),
                       page=lambda: render("grid_work/duty/meeting_new.html", form=form))


def visible_meeting(meeting_id) -> GridWorkMeeting:
    """An admin's meeting (their scope's, or their town's above them); a worker's only if they
    were invited: 404 otherwise."""
    meeting = load_scoped(GridWorkMeeting, meeting_id, from_below=True)
    if not admin_view() and services.attendance_of(meeting, current_user) is None:
        abort(404)
    return meeting


def checkin_url(meeting: GridWorkMeeting) -> str:
    # a QR code printed or projected outlives the request: a configured base URL wins
    base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url
    return base.rstrip("/") + url_for("grid_work_duty.meeting_checkin",
                                      checkin_token=meeting.checkin_token)


def meeting_page(meeting: GridWorkMeeting, *, mark: tuple | None = None, minutes_form=None,
                 status: int = 200):
    """One meeting; ``mark``: (attendance id, form) of a refused mark, shown with its error."""
    manage = may_manage(meeting)
    rows = db.session.scalars(
        select(GridWorkAttendance).filter_by(meeting_id=meeting.id)
        .options(joinedload(GridWorkAttendance.worker)).order_by(GridWorkAttendance.id)).all()
    mine = None
    if not admin_view():
        mine = next((r for r in rows if r.worker_id == current_user.id), None)
        rows = [mine] if mine else []
    forms = {}
    if manage and meeting.cancelled_at is None:
        forms = {r.id: MarkForm(prefix=f"m{r.id}", formdata=None, status=r.status, note=r.note)
                 for r in rows}
        if mark is not None:
            forms[mark[0]] = mark[1]
    open_qr = manage and meeting.cancelled_at is None and meeting.held_on >= local_today()
    qr = Markup(segno.make(checkin_url(meeting), error="m").svg_inline(scale=4, border=2)) \
        if open_qr else None
    return render("grid_work/duty/meeting.html", meeting=meeting, rows=rows, mine=mine,
                  manage=manage, forms=forms, refused_mark=mark[0] if mark else None,
                  minutes_form=minutes_form or MinutesForm(
                      formdata=None, minutes=meeting.minutes, decisions=meeting.decisions),
                  labels=STATUS_LABELS, qr=qr, checkin=checkin_url(meeting) if qr else None,
                  today=local_today(), scope=meeting.node), status


@requires_view_or_own
def meeting(meeting_id):
    return meeting_page(visible_meeting(meeting_id))


@requires(MANAGE)
def attendance_mark(attendance_id):
    row = load_scoped(GridWorkAttendance, attendance_id)
    meeting = row.meeting
    require_manage(meeting)
    form = MarkForm(prefix=f"m{row.id}")
    return submit_form(
        form, lambda: services.mark(row, status=form.status.data, note=form.note.data,
                                    actor=current_user),
        done=lambda r: _("已记录 %(name)s 的出勤。", name=r.worker.display_name),
        then=url_for("grid_work_duty.meeting", meeting_id=meeting.id, _anchor="attendance"),
        page=lambda: meeting_page(meeting, mark=(row.id, form))[0])


@requires(MANAGE)
def meeting_minutes(meeting_id):
    meeting = load_scoped(GridWorkMeeting, meeting_id)
    require_manage(meeting)
    form = MinutesForm()
    return submit_form(
        form, lambda: services.write_minutes(meeting, minutes=form.minutes.data,
                                             decisions=form.decisions.data, actor=current_user),
        done=_("已保存会议纪要。"),
        then=url_for("grid_work_duty.meeting", meeting_id=meeting.id),
        page=lambda: meeting_page(meeting, minutes_form=form)[0])


@requires(MANAGE)
def meeting_cancel(meeting_id):
    meeting = load_scoped(GridWorkMeeting, meeting_id)
    require_manage(meeting)
    return run_action(lambda: services.cancel_meeting(meeting, actor=current_user),
                      done=_("例会已取消(记录保留，不计入考勤)。"),
                      then=url_for("grid_work_duty.meeting", meeting_id=meeting.id))


@requires(OWN)
def meeting_checkin(checkin_token):
    """The meeting's QR code opened on a worker's phone shows the meeting and one big "签到"
    button; the tap (a POST with its CSRF token, as every change is: a link alone never writes)
    is the check-in. The token is the secret shown only at the meeting; a second tap changes
    nothing. A meeting of another town does not exist for the worker; one of their own town they
    were not invited to, of another day or cancelled says so instead of the button."""
    meeting = db.session.scalar(select(GridWorkMeeting).filter_by(checkin_token=checkin_token))
    town = town_of(current_user.scope)
    if meeting is None or town is None or not in_subtree(meeting.node.code, town):
        abort(404)
    row = services.attendance_of(meeting, current_user)
    if request.method == "GET":
        return render("grid_work/duty/checkin.html", meeting=meeting, row=row,
                      error=services.check_in_refusal(meeting, current_user),
                      scope=current_user.scope)
    error = None
    try:
        row = services.check_in(meeting, current_user)
        commit()
    except DomainError as refused:
        rollback()
        error = str(refused)
    return render("grid_work/duty/checkin.html", meeting=meeting, row=row, error=error,
                  scope=current_user.scope), REFUSED if error else 200
