"""The key-person register (重点人员). Only roles with ``people.key_persons`` learn that it
exists (no menu entry, and 404 rather than 403 for everyone else); every view is audited."""
from functools import wraps

from datetime import timedelta

from flask import Blueprint, abort, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from portal import audit
from portal.extensions import db
from portal.grids.models import Grid
from portal.people.forms import KeyPersonForm
from portal.people.models import KeyPerson, Resident, Visit
from portal.people.visits import visit_days
from portal.permissions import can
from portal.rendering import render
from portal.tenancy import in_subtree, load_scoped
from portal.timeutil import local_today, utcnow
from portal.web import commit, run_action, submit_form

bp = Blueprint("keypersons", __name__, url_prefix="/key-persons")


def hidden_unless_permitted(view):
    """Like @requires, but answers 404: the register's existence is itself sensitive."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not can(current_user, "people.key_persons"):
            abort(404)
        return view(*args, **kwargs)

    wrapped.required_permission = "people.key_persons"
    return wrapped


def open_query(scope: Grid):
    """Open entries of the register under ``scope``."""
    return (db.select(KeyPerson).join(Resident, Resident.id == KeyPerson.resident_id)
            .join(Grid, Grid.id == Resident.grid_id)
            .where(in_subtree(Grid.code, scope), KeyPerson.closed_at.is_(None)))


def due_query(scope: Grid):
    """Open entries in control (red, control period not over) whose household has had no visit
    within the town's interval for red households: due for a check-in (the today list counts
    them, ?due=1 lists them)."""
    today = local_today()
    since = today - timedelta(days=visit_days(scope)["red"])
    visited = db.select(Visit.id).where(Visit.household_id == Resident.household_id,
                                        Visit.visited_on > since).exists()
    return open_query(scope).where(
        KeyPerson.light == "red",
        db.or_(KeyPerson.control_until.is_(None), KeyPerson.control_until >= today), ~visited)


@bp.route("/")
@hidden_unless_permitted
def index():
    due = request.args.get("due") == "1"
    query = due_query(current_user.scope) if due else open_query(current_user.scope)
    entries = db.session.scalars(
        query.options(joinedload(KeyPerson.resident).joinedload(Resident.grid))
        .order_by(KeyPerson.control_until.desc(), KeyPerson.id)).all()
    audit.record("keyperson.view_list", None, scope_code=current_user.scope.code,
                 user=current_user, count=len(entries))
    page = render("people/key_persons.html", entries=entries, due=due)
    commit()  # after rendering: a commit expires the rows the page reads
    return page


@bp.route("/<int:entry_id>")
@hidden_unless_permitted
def show(entry_id):
    entry = load_scoped(KeyPerson, entry_id)
    audit.record("keyperson.view", entry, scope_code=entry.resident.grid.code, user=current_user)
    commit()
    return render("people/key_person.html", entry=entry)


@bp.route("/new/<int:resident_id>", methods=["GET", "POST"])
@hidden_unless_permitted
def new(resident_id):
    resident = load_scoped(Resident, resident_id)
    form = KeyPersonForm()

    def save() -> KeyPerson:
        entry = KeyPerson(resident_id=resident.id, category=form.category.data,
                          light=form.light.data, control_until=form.control_until.data,
                          notes=form.notes.data or None)
        db.session.add(entry)
        db.session.flush()
        audit.record("keyperson.create", entry, scope_code=resident.grid.code, user=current_user,
                     category=entry.category)
        return entry

    return submit_form(form, save, done=_("已列入重点人员。"),
                       then=lambda entry: url_for("keypersons.show", entry_id=entry.id),
                       page=lambda: render("people/key_person_form.html", form=form,
                                           resident=resident))


@bp.route("/<int:entry_id>/close", methods=["POST"])
@hidden_unless_permitted
def close(entry_id):
    entry = load_scoped(KeyPerson, entry_id)
    if entry.closed_at is not None:
        return redirect(url_for("keypersons.index"))

    def work() -> None:
        entry.closed_at = utcnow()
        audit.record("keyperson.close", entry, scope_code=entry.resident.grid.code,
                     user=current_user)

    return run_action(work, done=_("已移出重点人员名单，记录保留。"),
                      then=url_for("keypersons.index"))
