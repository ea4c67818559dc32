"""The 民情日志 pages: a worker's day (today at /work/log, any past day at /work/log/<day>) with
its notes and 日清, the week (周结), and an admin reading a worker's day."""
from datetime import timedelta

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.errors import DomainError
from portal.permissions import requires
from portal.rendering import render
from portal.timeutil import local_today
from portal.web import REFUSED, commit, refuse

from . import log
from .access import own, parse_day
from .forms import NotesForm


def _page(worker, day, form=None, status=200, mine=True):
    shown = log.day_of(worker, day)
    form = form or NotesForm(formdata=None, notes=shown.notes)
    return render("grid_work/patrols/log_day.html", shown=shown, worker=worker, form=form,
                  mine=mine, today=local_today(), previous=day - timedelta(days=1),
                  following=day + timedelta(days=1) if day < local_today() else None,
                  scope=worker.scope), status


@requires("grid_work.own")
def log_today():
    return _page(current_user, local_today())


@requires("grid_work.own")
def log_day(log_day):
    day = parse_day(log_day)
    if day > local_today():
        abort(404)
    if request.method == "GET":
        return _page(current_user, day)
    form = NotesForm()
    if form.validate_on_submit():
        try:
            log.save_notes(current_user, day, form.notes.data)
            commit()
        except DomainError as error:
            refuse(form, error)
        else:
            flash(_("记事已保存。"), "success")
            return redirect(url_for("grid_work.log_day", log_day=day.isoformat()), 303)
    return _page(current_user, day, form, REFUSED)


@requires("grid_work.own")
def log_close(log_day):
    day = parse_day(log_day)
    if day > local_today():
        abort(404)
    form = NotesForm()
    if form.validate_on_submit():
        try:
            # the notes as they stand in the form are saved with the closing
            # (a close posted without the field, e.g. from the day list, keeps the saved notes)
            log.close(current_user, day, form.notes.data if form.notes.raw_data else None)
            commit()
        except DomainError as error:
            refuse(form, error)
        else:
            flash(_("%(day)s 已日清。", day=day.isoformat()), "success")
            return redirect(url_for("grid_work.log_day", log_day=day.isoformat()), 303)
    return _page(current_user, day, form, REFUSED)


@requires("grid_work.own")
def week():
    of = request.args.get("of")
    day = parse_day(of) if of else local_today()
    if day > local_today():
        day = local_today()
    shown = log.week_of(current_user, day)
    monday = shown.monday
    return render("grid_work/patrols/week.html", week=shown, figures=log.FIGURES,
                  previous=monday - timedelta(days=7),
                  following=monday + timedelta(days=7)
                  if monday + timedelta(days=7) <= local_today() else None,
                  sunday=monday + timedelta(days=6), scope=current_user.scope)


@requires("grid_work.view")
def worker_log(worker_id, log_day):
    worker = own(worker_id)
    day = parse_day(log_day)
    if day > local_today():
        abort(404)
    return _page(worker, day, mine=False)
