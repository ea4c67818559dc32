"""Trainings with credits (学分): the year's trainings (an admin's scope, a worker's own), holding
one, ticking who completed it, and every worker's credits for a year against the town's minimum."""
from decimal import Decimal

from flask import abort, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal.errors import DomainError
from portal.extensions import db
from portal.grids.models import Grid
from portal.permissions import requires
from portal.rendering import render
from portal.tenancy import load_scoped, town_of
from portal.timeutil import local_today
from portal.web import submit_form

from ..town_settings import rules
from . import services
from .access import (MANAGE, admin_view, host_nodes, may_manage, require_manage,
                     requires_view_or_own, seen_nodes_condition, year_arg)
from .figures import below_minimum, credits, workers_query
from .forms import AttendeesForm, TrainingForm
from .models import GridWorkTraining, GridWorkTrainingAttendee


def _year_bounds(query, year: int):
    from datetime import date

    return query.where(GridWorkTraining.held_on >= date(year, 1, 1),
                       GridWorkTraining.held_on <= date(year, 12, 31))


def _own_trainings(year: int) -> list[GridWorkTraining]:
    return list(db.session.scalars(_year_bounds(
        select(GridWorkTraining).join(GridWorkTrainingAttendee,
                                      GridWorkTrainingAttendee.training_id == GridWorkTraining.id)
        .where(GridWorkTrainingAttendee.worker_id == current_user.id), year)
        .options(joinedload(GridWorkTraining.node)).order_by(GridWorkTraining.held_on.desc())))


@requires_view_or_own
def trainings():
    year = year_arg()
    if admin_view():
        rows = list(db.session.scalars(_year_bounds(
            select(GridWorkTraining).join(Grid, Grid.id == GridWorkTraining.node_id)
            .where(seen_nodes_condition(current_user.scope)), year)
            .options(joinedload(GridWorkTraining.node), selectinload(GridWorkTraining.attendees))
            .order_by(GridWorkTraining.held_on.desc(), GridWorkTraining.id.desc())))
    else:
        rows = _own_trainings(year)
    return render("grid_work/duty/trainings.html", rows=rows, year=year,
                  may_add=may_manage(), today=local_today())


def credit_tenths(value: Decimal | None) -> int:
    """Credits as typed (1, 0.5) in tenths; more decimals than one are refused."""
    tenths = (value or Decimal(0)) * 10
    if tenths != tenths.to_integral_value():
        raise DomainError(_("学分最多保留一位小数，如 0.5。"), field="credits")
    return int(tenths)


@requires(MANAGE)
def training_new():
    nodes = host_nodes()
    if not nodes:
        abort(404)
    form = TrainingForm(held_on=local_today(), credits=Decimal(1))
    form.node.choices = [(n.id, n.name) for n in nodes]

    def save():
        node = next((n for n in nodes if n.id == form.node.data), None)
        if node is None:
            raise DomainError(_("请选择本辖区的镇或村(社区)。"), field="node")
        return services.hold_training(node, title=form.title.data, held_on=form.held_on.data,
                                      hours=form.hours.data,
                                      credit_tenths=credit_tenths(form.credits.data),
                                      note=form.note.data, actor=current_user)

    return submit_form(form, save, done=_("已登记培训，请勾选完成培训的网格员。"),
                       then=lambda t: url_for("grid_work_duty.training", training_id=t.id),
                       page=lambda: render("grid_work/duty/training_new.html", form=form))


def visible_training(training_id) -> GridWorkTraining:
    training = load_scoped(GridWorkTraining, training_id, from_below=True)
    if not admin_view() and not any(a.worker_id == current_user.id for a in training.attendees):
        abort(404)
    return training


def training_page(training: GridWorkTraining, form=None):
    manage = may_manage(training)
    candidates = db.session.scalars(workers_query(training.node)).all() \
        if manage else []
    ticked = {a.worker_id for a in training.attendees}
    attendees = [a.worker for a in training.attendees]
    if not admin_view():
        attendees = [w for w in attendees if w.id == current_user.id]
    # a worker ticked before who has left the node since stays listed, ticked
    listed = list(candidates) + [w for w in attendees if w.id not in {c.id for c in candidates}]
    return render("grid_work/duty/training.html", training=training, attendees=attendees,
                  candidates=listed if manage else [], ticked=ticked, manage=manage,
                  form=form or AttendeesForm(formdata=None), scope=training.node)


@requires_view_or_own
def training(training_id):
    return training_page(visible_training(training_id))


@requires(MANAGE)
def training_attendees(training_id):
    training = load_scoped(GridWorkTraining, training_id)
    require_manage(training)
    form = AttendeesForm()
    return submit_form(
        form, lambda: services.set_attendees(training, form.attendees.data or [],
                                             actor=current_user),
        done=_("已保存完成培训的网格员。"),
        then=url_for("grid_work_duty.training", training_id=training.id),
        page=lambda: training_page(training, form))


@requires_view_or_own
def credits_page():
    year = year_arg()
    if admin_view():
        workers = db.session.scalars(workers_query(current_user.scope)).all()
        earned = credits([w.id for w in workers], year)
        short = {w.id: minimum for w, _t, minimum in below_minimum(list(workers), year)}
        minimum = _minimum_of(current_user.scope)
        return render("grid_work/duty/credits.html", workers=workers, earned=earned,
                      short=short, minimum=minimum, year=year, own=None)
    earned = credits([current_user.id], year)
    minimum = _minimum_of(current_user.scope)
    return render("grid_work/duty/credits.html", workers=[current_user], earned=earned,
                  short={current_user.id: minimum} if earned[current_user.id] < minimum else {},
                  minimum=minimum, year=year, own=_own_trainings(year))


def _minimum_of(scope: Grid) -> int | None:
    """The town's minimum in tenths (None for a county: each town has its own)."""
    town = town_of(scope)
    return rules(town)["min_credits"] * 10 if town is not None else None
