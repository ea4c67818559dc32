"""A resident's own cases (我的事件): the cases they reported, and their household's, with each
one's timeline as the reporter may read it, and their rating once it is done."""
from flask import Blueprint, abort
from flask_login import current_user

from portal.cases.models import Case
from portal.extensions import db
from portal.permissions import requires
from portal.rendering import render

bp = Blueprint("my_cases", __name__, url_prefix="/my/cases")


@bp.route("/")
@requires("cases.report")
def index():
    cases = db.session.scalars(db.select(Case).where(Case.reporter_id == current_user.id)
                               .order_by(Case.created_at.desc())).all()
    return render("my_cases/index.html", cases=cases)


@bp.route("/<int:case_id>")
@requires("cases.report")
def show(case_id):
    case = db.session.get(Case, case_id)
    if case is None or case.reporter_id != current_user.id:
        abort(404)
    return render("my_cases/show.html", case=case)
