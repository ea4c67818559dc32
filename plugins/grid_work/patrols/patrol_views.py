"""The worker's page (today's patrol and log, links to the other parts' pages) and the patrol
itself: start, a point passed, "发现问题" (a case in one tap), the end; a point's photo; a
worker's patrols. Each form on the patrol page works from the phone's offline queue too
(replay.py): the phone's key makes one record however often it is sent."""
from datetime import datetime, timezone

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.cases.forms import CATEGORY_LABELS
from portal.errors import DomainError
from portal.extensions import db
from portal.forms import choices
from portal.offline.replay import offered_key, replayable
from portal.pagination import paginate
from portal.permissions import can, requires
from portal.rendering import render
from portal.tenancy import load_scoped, town_of
from portal.timeutil import local_today
from portal.uploads import (UploadError, coordinates, prepare_optional, prepare_photos,
                            send_photo, store_at_commit)
from portal.web import commit, refuse, rollback, submit_form

from . import log, services
from .access import own, own_patrol, patrol_seen, requires_own_or_view
from .forms import EndForm, PointForm, ProblemForm
from .models import GridWorkPatrol, GridWorkPatrolPoint

PAGE_SIZE = 30
def _other_pages() -> list[tuple[str, str]]:
    """The other parts' pages a worker's page links to."""
    return [(_("请假"), url_for("grid_work_duty.leave_list")),
            (_("例会"), url_for("grid_work_duty.meetings")),
            (_("培训"), url_for("grid_work_duty.trainings")),
            (_("我的考核"), url_for("grid_work_assessment.mine"))]


@requires_own_or_view
def home():
    """A worker's day; an admin lands on the workers of their scope."""
    if not can(current_user, "grid_work.own"):
        from .admin_views import workers

        return workers()
    today = local_today()
    current = services.under_way(current_user)
    todays = db.session.scalars(select(GridWorkPatrol).where(
        GridWorkPatrol.worker_id == current_user.id, GridWorkPatrol.day == today)
        .order_by(GridWorkPatrol.started_at)).all()
    return render("grid_work/patrols/home.html", current=current, todays=todays,
                  day=log.day_of(current_user, today), today=today, others=_other_pages(),
                  scope=current_user.scope)


def _taken(form) -> datetime | None:
    """The phone's time of a point (ms since 1970, UTC), as naive UTC."""
    try:
        millis = int(form.taken_at.data or "")
    except ValueError:
        return None
    try:
        return datetime.fromtimestamp(millis / 1000, timezone.utc).replace(tzinfo=None)  # noqa: TID251 (a phone's epoch time, not a clock read)
    except (OverflowError, OSError, ValueError):
        return None


#: What the phone is told when a kept upload names a patrol that is no longer the worker's.
GONE = _l("这次巡查已不存在或不是您的巡查，没有记录，请重新开始巡查。")


@requires("grid_work.own")
@replayable(GridWorkPatrol, key="client_key", owner="worker_id", endpoint="grid_work.patrol",
            values=lambda p: {"patrol_id": p.id}, done=lambda p: _("巡查已开始。"), gone=GONE)
def start():
    try:
        patrol, started = services.start(current_user, client_key=offered_key())
        commit()
    except DomainError as error:
        rollback()
        flash(str(error), "error")
        return redirect(url_for("grid_work.home"), 303)
    flash(_("巡查已开始。") if started else _("您有一次巡查还没有结束，请继续。"),
          "success" if started else "info")
    return redirect(url_for("grid_work.patrol", patrol_id=patrol.id), 303)


def patrol_page(patrol, *, point_form=None, problem_form=None, end_form=None, status=200,
                refusal: str | None = None):
    """One patrol; ``refusal``: why a post to it was refused where no form of it is shown (a
    point sent to a patrol that has ended meanwhile, from the phone's queue)."""
    mine = patrol.worker_id == current_user.id and patrol.ended_at is None
    problem_form = problem_form or ProblemForm(prefix="problem", formdata=None)
    problem_form.category.choices = _categories(patrol)
    db.session.scalars(select(GridWorkPatrol).filter_by(id=patrol.id).options(
        selectinload(GridWorkPatrol.points).joinedload(GridWorkPatrolPoint.checkpoint),
        selectinload(GridWorkPatrol.points).joinedload(GridWorkPatrolPoint.case))).one()
    located = [p for p in patrol.points if p.latitude is not None and p.longitude is not None]
    track = [{"lat": p.latitude, "lon": p.longitude, "n": n,
              "label": f"{n}. {p.checkpoint.name if p.checkpoint else ''} {p.note or ''}".strip()}
             for n, p in enumerate(patrol.points, start=1) if p in located]
    return render("grid_work/patrols/patrol.html", patrol=patrol, mine=mine, track=track,
                  point_form=point_form or PointForm(formdata=None),
                  problem_form=problem_form,
                  end_form=end_form or EndForm(prefix="end", formdata=None),
                  refusal=refusal, scope=patrol.grid), status


def _categories(patrol):
    from portal.cases.settings_views import town_categories

    offered = town_categories(town_of(patrol.grid))
    return choices([("", "—"), *((c, CATEGORY_LABELS[c]) for c in offered)])


@requires_own_or_view
def patrol(patrol_id):
    return patrol_page(patrol_seen(patrol_id))


@requires("grid_work.own")
@replayable(GridWorkPatrolPoint, key="client_key", owner=lambda p: p.patrol.worker_id,
            endpoint="grid_work.patrol", values=lambda p: {"patrol_id": p.patrol_id},
            done=lambda p: _("已记录巡查点。"), gone=GONE)
def point(patrol_id):
    item = own_patrol(patrol_id)
    if item.ended_at is not None:
        return patrol_page(item, refusal=_("这次巡查已经结束，不能再记录巡查点。"), status=422)
    form = PointForm()

    def save():
        try:
            photo = prepare_optional(form.photo.data)
        except UploadError as error:
            raise DomainError(str(error), "photo") from error
        latitude, longitude = coordinates(form, [photo] if photo else [])
        added = services.add_point(item, current_user, latitude=latitude, longitude=longitude,
                                   note=form.note.data, photo=photo.name if photo else None,
                                   client_key=offered_key(), taken=_taken(form))
        store_at_commit(photo)
        return added

    return submit_form(form, save, done=_("已记录巡查点。"),
                       then=url_for("grid_work.patrol", patrol_id=item.id),
                       page=lambda: patrol_page(item, point_form=form))


@requires("grid_work.own")
@replayable(GridWorkPatrolPoint, key="client_key", owner=lambda p: p.patrol.worker_id,
            endpoint="grid_work.patrol", values=lambda p: {"patrol_id": p.patrol_id},
            done=lambda p: _("已上报，事件编号 %(n)s。", n=p.case.number if p.case else ""),
            gone=GONE)
def problem(patrol_id):
    item = own_patrol(patrol_id)
    if item.ended_at is not None:
        return patrol_page(item, refusal=_("这次巡查已经结束，请在“上报事件”中上报。"), status=422)
    form = ProblemForm(prefix="problem")
    form.category.choices = _categories(item)

    def save():
        try:
            photos = prepare_photos(form.photos.data)
        except UploadError as error:
            raise DomainError(str(error), "photos") from error
        latitude, longitude = coordinates(form, photos)
        case = services.found_problem(item, current_user, title=form.title.data,
                                      category=form.category.data,
                                      description=form.description.data, latitude=latitude,
                                      longitude=longitude, photos=tuple(p.name for p in photos),
                                      client_key=offered_key(), taken=_taken(form))
        store_at_commit(*photos)
        return case

    return submit_form(form, save, done=lambda case: _("已上报，事件编号 %(n)s。", n=case.number),
                       then=url_for("grid_work.patrol", patrol_id=item.id),
                       page=lambda: patrol_page(item, problem_form=form))


@requires("grid_work.own")
def end(patrol_id):
    item = own_patrol(patrol_id)
    if item.ended_at is not None:  # sent again from the phone's queue: already done
        flash(_("巡查已结束。"), "success")
        return redirect(url_for("grid_work.patrol", patrol_id=item.id), 303)
    form = EndForm(prefix="end")
    if form.validate_on_submit():
        try:
            services.end(item, current_user, form.note.data)
            commit()
        except DomainError as error:
            refuse(form, error)
        else:
            flash(_("巡查已结束。"), "success")
            return redirect(url_for("grid_work.patrol", patrol_id=item.id), 303)
    body, _status = patrol_page(item, end_form=form)
    return body, 422


@requires_own_or_view
def point_photo(point_id):
    item = load_scoped(GridWorkPatrolPoint, point_id)
    patrol_seen(item.patrol_id)
    return send_photo(item.photo)


@requires_own_or_view
def patrols(worker_id):
    worker = own(worker_id)
    points = (select(func.count(GridWorkPatrolPoint.id))
              .where(GridWorkPatrolPoint.patrol_id == GridWorkPatrol.id).scalar_subquery())
    found = (select(func.count(GridWorkPatrolPoint.id))
             .where(GridWorkPatrolPoint.patrol_id == GridWorkPatrol.id,
                    GridWorkPatrolPoint.case_id.is_not(None)).scalar_subquery())
    listing = paginate(select(GridWorkPatrol, points, found)
                       .where(GridWorkPatrol.worker_id == worker.id)
                       .order_by(GridWorkPatrol.started_at.desc(), GridWorkPatrol.id.desc()),
                       PAGE_SIZE, rows=True)
    return render("grid_work/patrols/patrols.html", worker=worker, scope=worker.scope,
                  **listing.context())

