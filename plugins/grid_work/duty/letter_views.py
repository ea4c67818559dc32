"""Responsibility letters (责任书): the scope's workers for a year, each with the photographed
pages of their signed letter, and who has not signed yet; uploading a page; the photo itself,
served only inside the scope (a worker: their own)."""
from collections import defaultdict

from flask import abort, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.auth.models import User
from portal.errors import DomainError
from portal.extensions import db
from portal.permissions import requires
from portal.rendering import render
from portal.tenancy import load_scoped
from portal.uploads import send_photo
from portal.web import submit_form

from . import services
from .access import MANAGE, admin_view, may_manage, requires_view_or_own, year_arg
from .figures import workers_query
from .forms import LetterForm
from .models import GridWorkLetter


def letters_page(year: int, form=None):
    if admin_view():
        workers = list(db.session.scalars(workers_query(current_user.scope)))
    else:
        workers = [current_user]
    pages: dict[int, list[GridWorkLetter]] = defaultdict(list)
    if workers:
        for letter in db.session.scalars(
                select(GridWorkLetter).where(GridWorkLetter.year == year,
                                             GridWorkLetter.worker_id.in_([w.id for w in workers]))
                .order_by(GridWorkLetter.id)):
            pages[letter.worker_id].append(letter)
    unsigned = [w for w in workers if not pages.get(w.id)]
    manage = admin_view() and may_manage()
    if manage and form is None:
        form = LetterForm(formdata=None, year=year)
    return render("grid_work/duty/letters.html", workers=workers, pages=pages,
                  unsigned=unsigned, year=year, form=form, manage=manage)


@requires_view_or_own
def letters():
    return letters_page(year_arg())


@requires(MANAGE)
def letter_upload():
    form = LetterForm()

    def save():
        worker = db.session.get(User, form.worker.data) if form.worker.data else None
        allowed = worker is not None and db.session.scalar(
            workers_query(current_user.scope).where(User.id == worker.id)) is not None
        if not allowed or not may_manage(worker.scope):
            raise DomainError(_("请从本辖区的网格员中选择。"), field="worker")
        return services.add_letter_page(worker, year=form.year.data, file=form.photo.data,
                                        actor=current_user)

    return submit_form(
        form, save, done=lambda letter: _("已上传 %(name)s 的责任书签字页。",
                                          name=letter.worker.display_name),
        then=lambda letter: url_for("grid_work_duty.letters", year=letter.year),
        page=lambda: letters_page(form.year.data or year_arg(), form))


@requires_view_or_own
def letter_photo(letter_id):
    letter = load_scoped(GridWorkLetter, letter_id)
    if not admin_view() and letter.worker_id != current_user.id:
        abort(404)
    return send_photo(letter.photo)
