"""The sequence every form view repeats, written once.

A form view validates the form, asks a service to do the work, commits, flashes what was done and
redirects (post/redirect/get); or, when the form is invalid or a rule refuses, it undoes the
transaction and shows the same page again with the message next to the field it concerns. A
refused form answers 422 (Unprocessable Content): browsers show the page as usual, htmx swaps it
in (templates/base.html tells it to swap 422), and tests can tell a refusal from
a success without reading the page.
"""
from collections.abc import Callable
from typing import Any

from flask import flash, g, redirect
from flask_wtf import FlaskForm

from portal.errors import DomainError
from portal.extensions import db
from portal.uploads import PENDING_PHOTOS, stored

#: The status of a page shown again because its form was refused.
REFUSED = 422


def commit() -> None:
    """Commit the work; photos a service handed to portal.uploads.store_at_commit are written
    just before, and removed again when the commit fails (a row never names a missing file)."""
    with stored(db.session.info.pop(PENDING_PHOTOS, [])):
        db.session.commit()


def rollback() -> None:
    db.session.info.pop(PENDING_PHOTOS, None)
    db.session.rollback()


def refuse(form, error: Exception) -> None:
    """Undo the transaction and show a service's refusal next to the field it names (its
    ``field`` attribute), or above the form when it names none."""
    rollback()
    field = getattr(form, getattr(error, "field", None) or "", None)
    if field is not None:
        field.errors = [*field.errors, str(error)]
    else:
        form.form_errors.append(str(error))


def _value(value, result):
    return value(result) if callable(value) else value


def submit_form(form: FlaskForm, save: Callable[[], Any], *, done: str | Callable[[Any], str],
                then: str | Callable[[Any], str], page: Callable[[], Any]):
    """Validate ``form``; on success call ``save()`` (which raises DomainError to refuse),
    commit, flash ``done`` and redirect to ``then`` (each a value or a function of what
    ``save`` returned). Otherwise answer ``page()``: with 200 for a form not yet submitted,
    with 422 and the errors beside their fields for one that was refused."""
    if form.validate_on_submit():
        try:
            result = save()
            commit()
        except DomainError as error:
            refuse(form, error)
        else:
            flash(_value(done, result), "success")
            return redirect(_value(then, result))
    if form.is_submitted():
        g.refused_form = form  # what portal/offline/replay.py tells a phone's queued upload
    body, status = page(), (REFUSED if form.is_submitted() else 200)
    if isinstance(body, tuple):  # a page with a status of its own (a refused search)
        body, status = body[0], max(status, body[1])
    return body, status


def run_action(work: Callable[[], Any], *, done: str | Callable[[Any], str] | None,
               then: str | Callable[[Any], str]):
    """A button without fields (leave a group, close a case): ``work()``, commit, flash
    ``done`` (None: the page shows the change itself); a refusal is undone and flashed as an
    error. Both redirect to ``then`` with 303, so a browser follows with GET."""
    try:
        result = work()
        commit()
    except DomainError as error:
        rollback()
        flash(str(error), "error")
        result = None
    else:
        if done is not None:
            flash(_value(done, result), "success")
    return redirect(_value(then, result), 303)
