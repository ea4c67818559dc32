"""The judges' table: each judge's scores for the judged criteria of a contest, one cell per
criterion and grid; nothing is kept while any number is wrong, and each wrong one is marked."""
from flask import abort, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.errors import DomainError
from portal.extensions import db
from portal.permissions import requires
from portal.rendering import render
from portal.tenancy import load_scoped
from portal.web import submit_form

from . import scoring, services
from .forms import JudgeForm, score_name
from .models import BestGridContest, BestGridJudgement


def _save_scores(item, judged, entries, form: JudgeForm) -> None:
    """Every score typed in: each wrong one gets its message beside it, and then the whole
    table is refused (submit_form undoes the ones that were right)."""
    wrong = 0
    for criterion in judged:
        for entry in entries:
            field = form[score_name(criterion.id, entry.grid_id)]
            if not field.data:
                continue
            try:
                value = float(field.data)
            except ValueError:
                field.errors = [_("请填写0到100之间的数。")]
                wrong += 1
                continue
            try:
                services.judge(item, criterion, entry.grid, current_user, value)
            except DomainError as error:
                field.errors = [str(error)]
                wrong += 1
    if wrong:
        raise DomainError(_("有 %(n)d 个分数不对，请看标红处；其余分数都没有保存。", n=wrong))


@requires("best_grid.judge")
def judge(contest_id):
    item = load_scoped(BestGridContest, contest_id)
    judged = [c for c in item.criteria if c.judged]
    if not judged:
        abort(404)
    entries = sorted(scoring.entries_of(item), key=lambda e: (e.class_id, e.grid.code))
    mine = {(j.criterion_id, j.grid_id): j.score for j in db.session.scalars(
        select(BestGridJudgement).where(BestGridJudgement.judge_id == current_user.id,
                                        BestGridJudgement.criterion_id.in_([c.id for c in judged])))}
    form = JudgeForm.over(judged, entries, mine)
    return submit_form(form, lambda: _save_scores(item, judged, entries, form),
                       done=_("评分已保存。"), then=url_for("best_grid.judge", contest_id=item.id),
                       page=lambda: render("best_grid/judge.html", contest=item, judged=judged,
                                           entries=entries, form=form, scope=item.town))
