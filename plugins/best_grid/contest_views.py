"""A town's contests: creating one, its page (live or frozen ranking with every grid's
breakdown), adjustments, the best grid workers and publishing."""
from flask import abort, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.forms import choices
from portal.grids.models import GridStaff
from portal.i18n import paren
from portal.permissions import requires
from portal.rendering import render
from portal.tenancy import in_scope, load_scoped
from portal.web import run_action, submit_form

from . import scoring, services, town_template
from .class_views import user_town
from .forms import AdjustForm, AwardForm, ContestForm
from .models import BestGridAdjustment, BestGridContest, BestGridWorkerAward


@requires("best_grid.manage")
def contest_new():
    town, _towns = user_town()
    form = ContestForm.over(scoring.available_measures(town))
    if not form.is_submitted():  # starts from the criteria a town template (样板间) gave it
        town_template.fill_contest_form(form, town)
    return submit_form(
        form, lambda: services.create_contest(
            town, title=form.title.data, kind=form.kind.data, starts_on=form.starts_on.data,
            ends_on=form.ends_on.data, criteria=form.chosen_criteria(), prizes=form.prizes(),
            actor=current_user),
        done=_("已建立评比。"), then=lambda contest: url_for("best_grid.contest", contest_id=contest.id),
        page=lambda: render("best_grid/contest_form.html", form=form, town=town, scope=town))


def ranking(contest):
    """(class, rows) for the page: the frozen results once published, else computed now."""
    entries = scoring.entries_of(contest)
    classes = {e.klass.id: e.klass for e in entries}
    if contest.published_at is not None:
        grouped = {}
        for entry in sorted(entries, key=lambda e: (e.rank or 0, e.grid.code)):
            data = entry.breakdown or {}
            grouped.setdefault(entry.class_id, []).append(scoring.Row(
                entry, total=entry.total, scores=data.get("scores", {}), raw=data.get("raw", {}),
                adjustment=data.get("adjustment", 0), rank=entry.rank))
    else:
        grouped = scoring.score(contest)
    return [(classes[c], grouped[c]) for c in sorted(grouped, key=lambda c: classes[c].position)]


def _adjust_form(entries) -> AdjustForm:
    form = AdjustForm()
    form.grid.choices = choices([(e.grid_id, e.grid.name) for e in entries])
    return form


def _award_form(entries) -> AwardForm:
    """The contest's grids' workers in post now."""
    form = AwardForm()
    staff = db.session.scalars(select(GridStaff).where(
        GridStaff.grid_id.in_([e.grid_id for e in entries]), GridStaff.post == "worker",
        GridStaff.ended_at.is_(None)).options(joinedload(GridStaff.grid))
        .order_by(GridStaff.name)).all()
    form.staff.choices = choices([(s.id, s.name + paren(s.grid.name)) for s in staff])
    return form


def _contest_page(item, entries, adjust_form=None, award_form=None):
    awards = db.session.scalars(select(BestGridWorkerAward).filter_by(contest_id=item.id)
                                .options(joinedload(BestGridWorkerAward.grid))).all()
    adjustments = db.session.scalars(select(BestGridAdjustment).filter_by(contest_id=item.id)
                                     .options(joinedload(BestGridAdjustment.grid),
                                              joinedload(BestGridAdjustment.user))
                                     .order_by(BestGridAdjustment.id)).all()
    return render("best_grid/contest.html", contest=item, ranking=ranking(item),
                  adjust_form=adjust_form or _adjust_form(entries),
                  award_form=award_form or _award_form(entries), awards=awards,
                  adjustments=adjustments, scope=item.town)


@requires("best_grid.view")
def contest(contest_id):
    item = load_scoped(BestGridContest, contest_id)
    return _contest_page(item, scoring.entries_of(item))


def _managed_contest(contest_id) -> BestGridContest:
    item = load_scoped(BestGridContest, contest_id)
    if not in_scope(current_user, item):  # seen from below, acted on from the town up only
        abort(404)
    return item


@requires("best_grid.manage")
def adjust(contest_id):
    item = _managed_contest(contest_id)
    entries = scoring.entries_of(item)
    form = _adjust_form(entries)

    def save():
        grid = next(e.grid for e in entries if e.grid_id == form.grid.data)
        return services.adjust(item, grid, form.points.data, form.reason.data,
                               actor=current_user)

    return submit_form(form, save, done=_("已调整。"),
                       then=url_for("best_grid.contest", contest_id=item.id),
                       page=lambda: _contest_page(item, entries, adjust_form=form))


@requires("best_grid.manage")
def award(contest_id):
    item = _managed_contest(contest_id)
    entries = scoring.entries_of(item)
    form = _award_form(entries)

    def save():
        staff = db.session.get(GridStaff, form.staff.data)
        return services.award_worker(item, staff, form.prize.data, form.citation.data or None,
                                     actor=current_user)

    return submit_form(form, save, done=_("已评选最美网格员。"),
                       then=url_for("best_grid.contest", contest_id=item.id),
                       page=lambda: _contest_page(item, entries, award_form=form))


@requires("best_grid.manage")
def publish(contest_id):
    item = _managed_contest(contest_id)
    return run_action(lambda: services.publish(item, actor=current_user),
                      done=_("评比结果已发布，流动红旗已移交。"),
                      then=url_for("best_grid.contest", contest_id=item.id))
