"""Best-grid pages: classes, contests (live or frozen ranking with every grid's breakdown),
judges' scoring, adjustments, publishing, awards, and the public results screen."""
from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.admin.blueprint import chosen_town
from portal.errors import DomainError
from portal.extensions import db
from portal.forms import choices
from portal.grids.models import TOWN, Grid, GridStaff
from portal.permissions import requires
from portal.rendering import render
from portal.request_guard import parse_id
from portal.tenancy import in_scope, load_scoped
from portal.web import REFUSED, commit, refuse

from . import scoring, services
from .forms import AdjustForm, AwardForm, ClassForm, ContestForm
from .models import (BestGridAdjustment, BestGridClass, BestGridContest, BestGridFlag,
                     BestGridJudgement, BestGridPlacement, BestGridWorkerAward)

bp = Blueprint("best_grid", __name__, url_prefix="/best-grid", template_folder="templates",
               static_folder="static")


def user_town():
    town, towns = chosen_town()
    if town is None:
        abort(404)
    return town, towns


@bp.route("/")
@requires("best_grid.view")
def index():
    town, towns = user_town()
    contests = db.session.scalars(select(BestGridContest).filter_by(town_id=town.id)
                                  .order_by(BestGridContest.starts_on.desc())).all()
    classes = db.session.scalars(select(BestGridClass).filter_by(town_id=town.id)
                                 .order_by(BestGridClass.position)).all()
    history = db.session.scalars(
        select(BestGridFlag).join(BestGridClass).where(BestGridClass.town_id == town.id)
        .order_by(BestGridFlag.id.desc()).limit(40)).all()
    return render("best_grid/index.html", town=town, towns=towns, contests=contests,
                  classes=classes, flags=services.current_flags(town), history=history,
                  scope=town)


@bp.route("/classes", methods=["GET", "POST"])
@requires("best_grid.manage")
def classes():
    town, towns = user_town()
    form = ClassForm()
    grids = services.town_grids(town)
    rows = db.session.scalars(select(BestGridClass).filter_by(town_id=town.id)
                              .order_by(BestGridClass.position)).all()
    status = 200
    if request.method == "POST":
        if request.form.get("form") == "placements":
            by_id = {k.id: k for k in rows}
            for grid in grids:
                value = request.form.get(f"grid-{grid.id}", "")
                klass = by_id.get(parse_id(value))  # "²".isdigit(), but int("²") fails
                current = db.session.scalar(select(BestGridPlacement.class_id)
                                            .filter_by(grid_id=grid.id))
                if (klass.id if klass else None) != current:
                    services.place(grid, klass, actor=current_user)
            commit()
            flash(_("已保存网格分类。"), "success")
            return redirect(url_for("best_grid.classes", town=town.code))
        if form.validate_on_submit():
            try:
                services.create_class(town, form.name.data, actor=current_user)
                commit()
                flash(_("已添加类别。"), "success")
                return redirect(url_for("best_grid.classes", town=town.code))
            except DomainError as error:
                refuse(form, error)
        status = REFUSED
    placed = dict(db.session.execute(select(BestGridPlacement.grid_id, BestGridPlacement.class_id)
                                     .where(BestGridPlacement.grid_id.in_([g.id for g in grids]))
                                     ).all())
    return render("best_grid/classes.html", town=town, towns=towns, rows=rows, grids=grids,
                  placed=placed, form=form, scope=town), status


def _criteria_from(form_data, available):
    criteria = []
    for key, label in available.items():
        weight = form_data.get(f"w-{key}", "").strip()
        if weight:
            criteria.append((key, label, _int(weight)))
    for n in (1, 2, 3):
        label = form_data.get(f"judged-{n}", "").strip()
        weight = form_data.get(f"jw-{n}", "").strip()
        if label or weight:
            if not label:
                raise DomainError(_("请填写评审打分项的名称。"), field="criteria")
            criteria.append((f"judged:{n}", label, _int(weight or "0")))
    return criteria


def _int(text):
    try:
        return int(text)
    except ValueError:
        raise DomainError(_("权重须是整数。"), field="criteria") from None


@bp.route("/contests/new", methods=["GET", "POST"])
@requires("best_grid.manage")
def contest_new():
    town, _towns = user_town()
    available = scoring.available_measures(town)
    form = ContestForm()
    criteria_errors = []
    if form.validate_on_submit():
        try:
            prizes = {str(n): getattr(form, f"prize{n}").data for n in (1, 2, 3)
                      if getattr(form, f"prize{n}").data}
            contest = services.create_contest(
                town, title=form.title.data, kind=form.kind.data,
                starts_on=form.starts_on.data, ends_on=form.ends_on.data,
                criteria=_criteria_from(request.form, available), prizes=prizes,
                actor=current_user)
            commit()
            flash(_("已建立评比。"), "success")
            return redirect(url_for("best_grid.contest", contest_id=contest.id))
        except DomainError as error:
            db.session.rollback()
            if error.field == "criteria":
                criteria_errors.append(str(error))
            else:
                refuse(form, error)
    failed = bool(form.errors or form.form_errors or criteria_errors)
    return render("best_grid/contest_form.html", form=form, town=town, available=available,
                  criteria_errors=criteria_errors, values=request.form,
                  scope=town), REFUSED if failed else 200


def _ranking(contest):
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


@bp.route("/contests/<int:contest_id>")
@requires("best_grid.view")
def contest(contest_id):
    item = load_scoped(BestGridContest, contest_id)
    entries = scoring.entries_of(item)
    adjust_form, award_form = AdjustForm(), AwardForm()
    adjust_form.grid.choices = choices([(e.grid_id, e.grid.name) for e in entries])
    staff = db.session.scalars(select(GridStaff).where(
        GridStaff.grid_id.in_([e.grid_id for e in entries]), GridStaff.post == "worker",
        GridStaff.ended_at.is_(None)).options(joinedload(GridStaff.grid))
        .order_by(GridStaff.name)).all()
    award_form.staff.choices = choices([(s.id, f"{s.name}（{s.grid.name}）") for s in staff])
    awards = db.session.scalars(select(BestGridWorkerAward).filter_by(contest_id=item.id)
                                .options(joinedload(BestGridWorkerAward.grid))).all()
    adjustments = db.session.scalars(select(BestGridAdjustment).filter_by(contest_id=item.id)
                                     .options(joinedload(BestGridAdjustment.grid),
                                              joinedload(BestGridAdjustment.user))
                                     .order_by(BestGridAdjustment.id)).all()
    return render("best_grid/contest.html", contest=item, ranking=_ranking(item),
                  adjust_form=adjust_form, award_form=award_form, awards=awards,
                  adjustments=adjustments, scope=item.town)


@bp.route("/contests/<int:contest_id>/judge", methods=["GET", "POST"])
@requires("best_grid.judge")
def judge(contest_id):
    item = load_scoped(BestGridContest, contest_id)
    judged = [c for c in item.criteria if c.judged]
    if not judged:
        abort(404)
    entries = sorted(scoring.entries_of(item), key=lambda e: (e.class_id, e.grid.code))
    errors = {}
    if request.method == "POST":
        try:
            for criterion in judged:
                for entry in entries:
                    name = f"s{criterion.id}_{entry.grid_id}"
                    text = request.form.get(name, "").strip()
                    if not text:
                        continue
                    try:
                        value = float(text)
                    except ValueError:
                        errors[name] = _("请填写0到100之间的数。")
                        continue
                    try:
                        services.judge(item, criterion, entry.grid, current_user, value)
                    except DomainError as error:
                        errors[name] = str(error)
            if errors:
                raise DomainError(_("有 %(n)d 个分数不对，请看标红处；其余分数都没有保存。",
                                     n=len(errors)))
            commit()
            flash(_("评分已保存。"), "success")
            return redirect(url_for("best_grid.judge", contest_id=item.id))
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "error")
    mine = {(j.criterion_id, j.grid_id): j.score for j in db.session.scalars(
        select(BestGridJudgement).where(BestGridJudgement.judge_id == current_user.id,
                                        BestGridJudgement.criterion_id.in_([c.id for c in judged])))}
    return render("best_grid/judge.html", contest=item, judged=judged, entries=entries,
                  mine=mine, errors=errors, values=request.form,
                  scope=item.town), REFUSED if errors else 200


@bp.route("/contests/<int:contest_id>/<any(adjust, publish, award):action>", methods=["POST"])
@requires("best_grid.manage")
def act(contest_id, action):
    item = load_scoped(BestGridContest, contest_id)
    if not in_scope(current_user, item):  # seen from below, acted on from the town up only
        abort(404)
    try:
        if action == "publish":
            services.publish(item, actor=current_user)
            message = _("评比结果已发布，流动红旗已移交。")
        elif action == "adjust":
            form = AdjustForm()
            form.grid.choices = choices([(e.grid_id, e.grid.name) for e in item.entries])
            if not form.validate_on_submit():
                raise DomainError("；".join(str(e) for errs in form.errors.values() for e in errs))
            grid = next(e.grid for e in item.entries if e.grid_id == form.grid.data)
            services.adjust(item, grid, form.points.data, form.reason.data, actor=current_user)
            message = _("已调整。")
        else:
            form = AwardForm()
            staff = {s.id: s for s in db.session.scalars(select(GridStaff).where(
                GridStaff.grid_id.in_([e.grid_id for e in item.entries])))}
            form.staff.choices = choices([(i, s.name) for i, s in staff.items()])
            if not form.validate_on_submit():
                raise DomainError("；".join(str(e) for errs in form.errors.values() for e in errs))
            services.award_worker(item, staff[form.staff.data], form.prize.data,
                                  form.citation.data or None, actor=current_user)
            message = _("已评选最美网格员。")
        commit()
        flash(message, "success")
        return redirect(url_for("best_grid.contest", contest_id=item.id))
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("best_grid.contest", contest_id=item.id)), 303


# ---------------------------------------------------------------- the screen in the town hall


@bp.route("/public/<town_code>")
def public(town_code):
    """The latest published contest of a town, for a screen in the town hall: no login."""
    town = db.session.scalar(select(Grid).filter_by(code=town_code, level=TOWN))
    if town is None:
        abort(404)
    item = db.session.scalar(select(BestGridContest).filter_by(town_id=town.id)
                             .where(BestGridContest.published_at.is_not(None))
                             .order_by(BestGridContest.published_at.desc()).limit(1))
    ranking = _ranking(item) if item else []
    charts = [{"title": k.name, "names": [r.entry.grid.name for r in rows],
               "totals": [r.total for r in rows]} for k, rows in ranking]
    awards = db.session.scalars(select(BestGridWorkerAward).filter_by(contest_id=item.id)
                                .options(joinedload(BestGridWorkerAward.grid))).all() if item else []
    return render("best_grid/public.html", town=town, contest=item,
                  blocks=list(zip(ranking, charts)), awards=awards, flags=services.current_flags(town), scope=town)

