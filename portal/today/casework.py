"""The cases' part of the today list: supervision notices, late steps, the user's own cases,
what waits for their decision (intake, assignment, approval steps, consultations, closing) and
a department's inbox.

Each function answers one TodayItem (or None when there is nothing), with a few queries for the
whole item and never one per row; every query is scoped (``in_subtree`` of the user's scope and
``narrowed(Case)``, so department staff see only their department's cases here too).
"""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import and_, case as sql_case, func, or_, select
from sqlalchemy.orm import joinedload

from portal.cases import deadlines
from portal.cases.calendar import WorkCalendar
from portal.cases.models import Case, SupervisionNotice
from portal.cases.queries import (cases_in, first_of, light_condition, open_cases,
                                  step_condition)
from portal.cases.workflow import OPEN_STATES, user_level
from portal.extensions import db
from portal.grids.models import COUNTY, TOWN, Grid
from portal.permissions import can
from portal.tenancy import narrowed
from portal.timeutil import utcnow
from portal.today.items import NONE, RED, YELLOW, TodayItem, TodayRow, worst

#: Rows an item carries (its list has them all).
ROW_LIMIT = 200


def _today_url(key: str) -> str:
    """The full list of one item, for the kinds no existing list filters exactly."""
    return url_for("today.index", item=key)


def _lights(case: Case, on, calendar) -> tuple:
    """(step label, light) of each pending step: the per-step lights of 13710."""
    from portal.cases.forms import STEP_LABELS

    return tuple((str(STEP_LABELS[step]), deadlines.step_light(case, step, on, calendar))
                 for step in deadlines.pending_steps(case))


def case_rows(cases, *, url=None) -> list[TodayRow]:
    """Cases as rows, the worst light first, then the nearest deadline of that step."""
    from portal.cases.blueprint import due_text
    from portal.cases.forms import STEP_LABELS

    on = deadlines.today()
    calendar = WorkCalendar.around(on)  # one calendar for every row
    cases = list(cases)
    deadlines.prepare(cases)  # the towns' rules for every row at once, not per town
    rows = []
    for case in cases:
        light = deadlines.light(case, on, calendar)
        step = deadlines.worst_pending_step(case, on, calendar)
        due = deadlines.due_of(case, step) if step else None
        meta = f"{case.number} · {case.grid.name}"
        if step:
            meta += " · " + _("%(step)s期限 %(due)s", step=STEP_LABELS[step], due=due_text(due))
        rows.append(TodayRow(case.title, url(case) if url else url_for("cases.show",
                                                                         case_id=case.id),
                             light, meta, steps=_lights(case, on, calendar),
                             sort_key=(-_severity(light), str(due or ""), case.id)))
    return sorted(rows, key=lambda r: r.sort_key)


def _severity(light) -> int:
    return {"red": 2, "yellow": 1}.get(light or "", 0)


def _scoped(user):
    """Open cases in the user's scope, as the user sees them."""
    # cases_in(): from the open cases (an index on state), not grid by grid through every case
    return select(Case).where(cases_in(user.scope), Case.state.in_(OPEN_STATES),
                              narrowed(Case, user))


def _load(query) -> list[Case]:
    return list(db.session.scalars(first_of(query, Case.resolve_due, Case.id, limit=ROW_LIMIT)
                                   .options(joinedload(Case.grid))))


def _count(query) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


# ---------------------------------------------------------------- everyone who handles cases


def notices(user, *, only_mine: bool) -> TodayItem | None:
    """督办: open supervision notices in the scope; a grid worker's only where the grid is
    responsible or the case is theirs."""
    from portal.cases.blueprint import due_text
    from portal.cases.forms import STEP_LABELS

    query = (select(SupervisionNotice).join(Case)
             .where(SupervisionNotice.resolved_at.is_(None), cases_in(user.scope),
                    narrowed(Case, user))
             .options(joinedload(SupervisionNotice.case).joinedload(Case.grid))
             .order_by(SupervisionNotice.created_at, SupervisionNotice.id))
    if only_mine:
        query = query.where(or_(SupervisionNotice.level == "grid", Case.assignee_id == user.id))
    found = list(db.session.scalars(query.limit(ROW_LIMIT)))
    if not found:
        return None
    rows = [TodayRow(n.case.title, url_for("cases.show", case_id=n.case_id), RED,
                     f"{n.case.number} · {n.case.grid.name} · "
                     + _("%(step)s超期", step=STEP_LABELS[n.step]) + " · "
                     + _("期限") + " " + due_text(deadlines.due_of(n.case, n.step)))
            for n in found]
    return TodayItem("notices", _("督办"), len(rows), _today_url("notices"), RED, rows, order=10)


def grid_cases(user) -> TodayItem | None:
    """A grid worker's cases: given to them, or in their grid and waiting on the grid (not given
    to someone else), the worst light first."""
    query = _scoped(user).where(or_(
        Case.assignee_id == user.id,
        and_(Case.level == "grid", or_(Case.assignee_id.is_(None), Case.assignee_id == user.id))))
    count = _count(query)
    if not count:
        return None
    rows = case_rows(_load(query))
    return TodayItem("cases", _("我的事件"), count, _today_url("cases"),
                     worst(r.light for r in rows), rows, order=20)


def inbox(user) -> TodayItem | None:
    """What the department inbox holds for the user: their department's cases, help asked of
    it and consultations it is invited to, and cases given to the user."""
    from portal.departments.services import inbox_query

    query = inbox_query(user).where(narrowed(Case, user))
    count = _count(query)
    if not count:
        return None
    rows = case_rows(_load(query))
    return TodayItem("inbox", _("待办件"), count, url_for("departments.inbox"),
                     worst(r.light for r in rows), rows, order=25)


# ---------------------------------------------------------------- officials: what is late


def late_cases(user) -> list[TodayItem]:
    """Red cases in the scope by step (交办、反馈、办结超期), and those near their deadline: one
    query counts them all, each count links to the case list filtered the same way."""
    from portal.cases.forms import STEP_LABELS

    on = deadlines.today()
    columns = [func.sum(sql_case((step_condition(step, RED, on), 1), else_=0))
               for step in deadlines.STEPS]
    columns += [func.sum(sql_case((light_condition(RED, on), 1), else_=0)),
                func.sum(sql_case((light_condition(YELLOW, on), 1), else_=0))]
    # from the open cases (an index on state), not grid by grid through every case of the scope
    counts = [int(n or 0) for n in db.session.execute(
        select(*columns).select_from(Case)
        .where(cases_in(user.scope), open_cases(), narrowed(Case, user))).one()]
    *by_step, red, yellow = counts
    items = []
    if red:
        rows = [TodayRow(_("%(step)s超期", step=STEP_LABELS[step]),
                         url_for("cases.index", light=RED, step=step), RED, str(n))
                for step, n in zip(deadlines.STEPS, by_step) if n]
        items.append(TodayItem("late", _("超期事件"), red, url_for("cases.index", light=RED),
                               RED, rows, order=15))
    if yellow:
        items.append(TodayItem("near", _("临近期限的事件"), yellow,
                               url_for("cases.index", light=YELLOW), YELLOW, order=30))
    return items


# ---------------------------------------------------------------- officials: their decisions


def waiting_levels(user) -> tuple[str, ...]:
    """The handling levels whose cases wait on the user's decisions: their own level; a
    village's dispatcher also the grid's cases (the first to assign them)."""
    level = user_level(user)
    return ("grid", "village") if level == "village" else (level,)


def intake(user) -> TodayItem | None:
    """The town's intake queue (待分派), for a dispatcher of a town or the county."""
    from portal.cases.intake import intake_query

    if user.scope.level not in (TOWN, COUNTY):
        return None
    query = intake_query(user.scope).where(narrowed(Case, user))
    count = _count(query)
    if not count:
        return None
    rows = [TodayRow(c.title, url_for("cases_intake.place", intake_case_id=c.id), YELLOW,
                     c.number) for c in _load(query)]
    return TodayItem("intake", _("待分派"), count, url_for("cases_intake.index"), YELLOW, rows,
                     order=35)


def to_assign(user) -> TodayItem | None:
    """Cases received or passed up to the user's level, waiting to be assigned (交办)."""
    query = (_scoped(user).join(Grid, Grid.id == Case.grid_id)
             .where(Case.state.in_(("received", "escalated")),
                    Case.level.in_(waiting_levels(user)),
                    Grid.level.not_in((TOWN, COUNTY))))  # the intake queue's own
    count = _count(query)
    if not count:
        return None
    rows = case_rows(_load(query))
    return TodayItem("to_assign", _("待交办"), count, _today_url("to_assign"),
                     worst(r.light for r in rows) if rows else YELLOW, rows, order=40)


def to_close(user) -> TodayItem | None:
    """Cases resolved at the user's level, waiting to be checked and closed (结案)."""
    query = (select(Case)
             .where(cases_in(user.scope), Case.state == "resolved",
                    Case.level.in_(waiting_levels(user)), narrowed(Case, user)))
    count = _count(query)
    if not count:
        return None
    rows = [TodayRow(c.title, url_for("cases.show", case_id=c.id), None,
                     f"{c.number} · {c.grid.name}") for c in _load(query)]
    return TodayItem("to_close", _("待核实结案"), count, _today_url("to_close"), NONE, rows,
                     order=55)


def approvals(user) -> TodayItem | None:
    """Approval cases (审批性) whose next step (受理、审核、批准) the user may take: the steps of
    every candidate loaded in one query, the rule (approval.available) applied per case."""
    from portal.cases import approval
    from portal.cases.kind_models import ApprovalStep
    from portal.cases.kinds_views import APPROVAL_STEP_LABELS

    candidates = _load(_scoped(user).where(Case.kind == "approval"))
    if not candidates:
        return None
    steps: dict[int, list] = {c.id: [] for c in candidates}
    for row in db.session.scalars(select(ApprovalStep).where(
            ApprovalStep.case_id.in_(list(steps))).order_by(ApprovalStep.at, ApprovalStep.id)):
        steps[row.case_id].append(row)
    rows = []
    for case in candidates:
        if approval.available(user, case, steps[case.id]):
            step = approval.due_step(case, steps[case.id])
            rows.append(TodayRow(case.title, url_for("cases.show", case_id=case.id), YELLOW,
                                 f"{case.number} · " + _("待%(step)s", step=APPROVAL_STEP_LABELS[
                                     step.name])))
    if not rows:
        return None
    return TodayItem("approvals", _("待审批"), len(rows), _today_url("approvals"), YELLOW, rows,
                     order=45)


def consultations(user) -> TodayItem | None:
    """Consultations (会商) held (or due today) whose minutes are not recorded, on cases of a
    level the user dispatches."""
    from portal.cases.consultations import at_case_level
    from portal.cases.kind_models import Consultation
    from portal.timeutil import to_local

    found = list(db.session.scalars(
        select(Consultation).join(Case, Case.id == Consultation.case_id)
        .where(cases_in(user.scope), Consultation.recorded_at.is_(None),
               Case.state.in_(OPEN_STATES), narrowed(Case, user))
        .options(joinedload(Consultation.case).joinedload(Case.grid))
        .order_by(Consultation.scheduled_at, Consultation.id).limit(ROW_LIMIT)))
    now = utcnow()
    rows = [TodayRow(c.case.title,
                     url_for("case_kinds.consultation_minutes", case_id=c.case_id,
                             consultation_id=c.id),
                     RED if c.scheduled_at < now else YELLOW,
                     f"{c.case.number} · {to_local(c.scheduled_at):%Y-%m-%d %H:%M} · {c.place}")
            for c in found if at_case_level(user, c.case)]
    if not rows:
        return None
    return TodayItem("consultations", _("会商待录纪要"), len(rows), _today_url("consultations"),
                     worst(r.light for r in rows), rows, order=50)


def for_official(user) -> list[TodayItem]:
    """Everything of the cases that waits on an official of a village, town or county."""
    items = [notices(user, only_mine=False), *late_cases(user)]
    if can(user, "cases.dispatch"):
        items += [intake(user), to_assign(user), to_close(user), consultations(user)]
    if can(user, "cases.handle"):
        items += [approvals(user), inbox(user)]
    return [i for i in items if i is not None]
