"""The assessment's pages: the town's numbers, the town's schemes, a new scheme, its items and
bands while it is a draft, the sheet (every worker of the viewer's scope, ranked), publishing, the
subsidy sheet, a worker's own breakdown and one worker's page for the admins."""
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.admin.blueprint import chosen_town
from portal.auth.models import User
from portal.errors import DomainError
from portal.local_redirect import local_target
from portal.extensions import db
from portal.permissions import can, requires
from portal.rendering import render
from portal.tenancy import in_subtree, load_scoped, town_of
from portal.timeutil import local_today
from portal.web import run_action, submit_form

from .. import town_settings
from . import export, scoring, services, texts
from .forms import (AppealForm, BandsForm, EntryForm, ItemsForm, RejectForm, RulesForm,
                    SchemeForm, UpholdForm)
from .labels import APPEAL_STATES, KINDS, MEASURES, SCHEME_STATES
from .models import GridWorkAppeal, GridWorkEntry, GridWorkItem, GridWorkScheme


def helpers() -> dict:
    return {"figure": texts.figure, "pts": texts.points, "band_text": texts.band,
            "KINDS": KINDS, "MEASURES": MEASURES, "APPEAL_STATES": APPEAL_STATES,
            "SCHEME_STATES": SCHEME_STATES}


def the_town():
    town, towns = chosen_town()
    if town is None:
        abort(404)
    return town, towns


def schemes_of(town) -> list[GridWorkScheme]:
    return list(db.session.scalars(
        select(GridWorkScheme).filter_by(town_id=town.id)
        .order_by(GridWorkScheme.year.desc(), GridWorkScheme.quarter.desc())))


@requires("grid_work.assess")
def settings():
    town, towns = the_town()
    form = RulesForm(data=town_settings.rules(town))
    return submit_form(
        form, lambda: town_settings.save(town, form.values(), actor=current_user),
        done=_("已保存%(town)s的网格员工作设置。", town=town.name),
        then=url_for("grid_work_assessment.settings", town=town.code),
        page=lambda: render("grid_work/assessment/settings.html", form=form, town=town,
                            towns=towns))


@requires("grid_work.view")
def index():
    town, towns = the_town()
    schemes = schemes_of(town)
    waiting = {s.id: services.open_appeals(s) for s in schemes if s.state == "draft"}
    return render("grid_work/assessment/index.html", town=town, towns=towns, schemes=schemes,
                  waiting=waiting, may_assess=can(current_user, "grid_work.assess"),
                  **helpers())


@requires("grid_work.own")
def mine():
    town = town_of(current_user.scope)
    schemes = schemes_of(town) if town is not None else []
    return render("grid_work/assessment/mine.html", town=town, schemes=schemes, **helpers())


@requires("grid_work.assess")
def new():
    town, towns = the_town()
    today = local_today()
    form = SchemeForm(year=today.year, quarter=str((today.month - 1) // 3 + 1))
    return submit_form(
        form, lambda: services.create_scheme(town, year=form.year.data,
                                             quarter=form.quarter_value(),
                                             title=form.title.data, actor=current_user),
        done=lambda s: _("已新建考核方案“%(t)s”。", t=s.title),
        then=lambda s: url_for("grid_work_assessment.items", scheme_id=s.id),
        page=lambda: render("grid_work/assessment/new.html", form=form, town=town,
                            towns=towns))


def scheme_arg(scheme_id) -> GridWorkScheme:
    return load_scoped(GridWorkScheme, scheme_id)


def closed(scheme: GridWorkScheme, then: str, message: str | None = None):
    """A form posted for a published scheme (or a thing already decided, ``message``): the
    page shows no such form any more, so the refusal is flashed above the page it returns to."""
    if scheme.state != "published" and message is None:
        return None
    flash(message or _("考核结果已发布，不能再更改。"), "error")
    return redirect(local_target(then) or url_for("grid_work_assessment.index"), 303)


@requires("grid_work.view")
def sheet(scheme_id):
    scheme = scheme_arg(scheme_id)
    rows = scoring.visible_rows(scheme, current_user.scope)
    since, until = scoring.period(scheme)
    return render("grid_work/assessment/sheet.html", scheme=scheme, rows=rows,
                  items=[i for i in scheme.items if i.kind != "measured" or i.weight],
                  since=since, until=until, measured=scoring.measured_period(scheme),
                  waiting=services.open_appeals(scheme),
                  may_assess=can(current_user, "grid_work.assess", scheme), **helpers())


def items_page(scheme, items_form=None, bands_form=None):
    items = list(scheme.items)
    return render("grid_work/assessment/items.html", scheme=scheme, items=items,
                  form=items_form or ItemsForm.over(items),
                  bands_form=bands_form or BandsForm.over(scoring.bands_of(scheme)),
                  **helpers())


@requires("grid_work.assess")
def items(scheme_id):
    scheme = scheme_arg(scheme_id)
    if request.method == "POST" and (refused := closed(scheme, request.path)):
        return refused
    form = ItemsForm.over(scheme.items)
    return submit_form(
        form, lambda: services.save_items(scheme, form.values(scheme.items), actor=current_user),
        done=_("已保存考核项目。"),
        then=url_for("grid_work_assessment.items", scheme_id=scheme.id),
        page=lambda: items_page(scheme, items_form=form))


@requires("grid_work.assess")
def bands(scheme_id):
    scheme = scheme_arg(scheme_id)
    if refused := closed(scheme, url_for("grid_work_assessment.items", scheme_id=scheme.id)):
        return refused
    form = BandsForm.over(scoring.bands_of(scheme))
    return submit_form(
        form, lambda: services.save_bands(scheme, form.rows(), actor=current_user),
        done=_("已保存补贴档次。"),
        then=url_for("grid_work_assessment.items", scheme_id=scheme.id),
        page=lambda: items_page(scheme, bands_form=form))


@requires("grid_work.assess")
def publish(scheme_id):
    scheme = scheme_arg(scheme_id)
    return run_action(lambda: services.publish(scheme, actor=current_user),
                      done=_("考核结果已发布，得分已固定。"),
                      then=url_for("grid_work_assessment.sheet", scheme_id=scheme.id))


@requires("grid_work.assess")
def subsidy(scheme_id):
    scheme = scheme_arg(scheme_id)
    if scheme.state != "published":
        return run_action(_refuse_unpublished, done=None,
                          then=url_for("grid_work_assessment.sheet", scheme_id=scheme.id))
    scope = current_user.scope if in_subtree(current_user.scope.code, scheme.town) \
        else scheme.town
    response = export.subsidy_sheet(scheme, scope, actor=current_user)
    from portal.web import commit

    commit()  # the download's audit entry
    return response


def _refuse_unpublished():
    raise DomainError(_("考核结果发布后才能下载补贴发放表。"))


def my_appeals(scheme, worker) -> dict[int, GridWorkAppeal]:
    return {a.item_id: a for a in db.session.scalars(
        select(GridWorkAppeal).join(GridWorkItem)
        .where(GridWorkItem.scheme_id == scheme.id, GridWorkAppeal.worker_id == worker.id))}


def entries_of(scheme, worker) -> list[GridWorkEntry]:
    return list(db.session.scalars(
        select(GridWorkEntry).join(GridWorkItem)
        .where(GridWorkItem.scheme_id == scheme.id, GridWorkEntry.worker_id == worker.id)
        .order_by(GridWorkEntry.happened_on, GridWorkEntry.id)))


def me_page(scheme, refused: tuple | None = None):
    row = next((r for r in scoring.rows_of(scheme) if r.worker_id == current_user.id), None)
    appeals = my_appeals(scheme, current_user)
    forms = {item.id: AppealForm(prefix=f"a{item.id}", formdata=None) for item in scheme.items
             if item.id not in appeals}
    if refused:
        forms[refused[0]] = refused[1]
    since, until = scoring.period(scheme)
    return render("grid_work/assessment/me.html", scheme=scheme, row=row, appeals=appeals,
                  forms=forms, refused=refused[0] if refused else None,
                  entries=entries_of(scheme, current_user), since=since, until=until,
                  measured=scoring.measured_period(scheme), **helpers())


@requires("grid_work.own")
def me(scheme_id):
    return me_page(scheme_arg(scheme_id))


def worker_arg(scheme, worker_id) -> User:
    worker = load_scoped(User, worker_id)
    if not services.is_worker_of(worker, scheme):
        abort(404)
    return worker


def worker_page(scheme, worker, *, entry_form=None, decide: tuple | None = None):
    """One worker's breakdown, entries and appeals; ``decide``: (appeal id, uphold form,
    reject form) of a refused decision, shown open with its error."""
    row = next((r for r in scoring.rows_of(scheme) if r.worker_id == worker.id), None)
    recorded = [i for i in scheme.items if i.kind != "measured"]
    if entry_form is None:
        entry_form = EntryForm(prefix="entry", formdata=None, happened_on=local_today())
    entry_form.item.choices = [(i.id, f"{i.label}{texts_kind(i)}") for i in recorded]
    appeals = my_appeals(scheme, worker)
    uphold_forms = {a.id: UpholdForm(prefix=f"u{a.id}", formdata=None) for a in appeals.values()}
    reject_forms = {a.id: RejectForm(prefix=f"r{a.id}", formdata=None) for a in appeals.values()}
    if decide:
        uphold_forms[decide[0]], reject_forms[decide[0]] = decide[1], decide[2]
    return render("grid_work/assessment/worker.html", scheme=scheme, worker=worker, row=row,
                  entries=entries_of(scheme, worker), appeals=appeals, entry_form=entry_form,
                  uphold_forms=uphold_forms, reject_forms=reject_forms,
                  refused=decide[0] if decide else None,
                  items_by_id={i.id: i for i in scheme.items},
                  may_manage=can(current_user, "grid_work.manage", worker)
                  and scheme.state != "published",
                  may_assess=can(current_user, "grid_work.assess", scheme)
                  and scheme.state != "published", **helpers())


def texts_kind(item) -> str:
    from portal.i18n import paren

    return paren(KINDS[item.kind])


@requires("grid_work.view")
def worker(scheme_id, worker_id):
    scheme = scheme_arg(scheme_id)
    return worker_page(scheme, worker_arg(scheme, worker_id))

