"""Departments as records, who of their staff sees which case, and the department's steps of the
loop: return a case with a reason (退回), ask another department to help (协办) and answer such a
request. ``portal.cases.services.act`` calls ``take_step`` for those actions and
``check_assigned`` when a case is assigned; ``portal.cases.workflow.may`` asks
``department_may``. The caller commits."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, or_, select

from portal import audit
from portal.departments.models import CaseAssist, Department, DepartmentReturn
from portal.errors import DomainError
from portal.extensions import db
from portal.grids.models import COUNTY, TOWN, Grid
from portal.tenancy import codes_above, in_subtree
from portal.timeutil import utcnow

if TYPE_CHECKING:
    from portal.auth.models import User
    from portal.cases.models import Case

#: The role whose users belong to a department.
STAFF_ROLE = "dept_staff"
#: The workflow's actions that are the department's own (portal.cases.workflow.ACTIONS).
DEPARTMENT_ACTIONS = ("return", "assist", "assist_answer")
#: Department staff take the ordinary handling steps only on the cases their department leads.
LEAD_ONLY = ("start", "feedback", "escalate", "resolve")
NAME_MAX = 32


# ---------------------------------------------------------------- the records


def owners_for(scope: Grid) -> list[Grid]:
    """The county and towns whose departments an admin of ``scope`` keeps: a county admin the
    county and its towns, a town admin their town."""
    if scope.level not in (COUNTY, TOWN):
        return []
    return list(db.session.scalars(
        select(Grid).where(in_subtree(Grid.code, scope), Grid.level.in_((COUNTY, TOWN)),
                           Grid.retired_at.is_(None)).order_by(Grid.code)))


def _clean(name: str | None, kind: str | None) -> tuple[str, str | None]:
    name, kind = (name or "").strip(), (kind or "").strip() or None
    if not name or len(name) > NAME_MAX:
        raise DomainError(_("请填写部门名称(不超过32个字)。"), "name")
    if kind is not None and len(kind) > 16:
        raise DomainError(_("简称不超过16个字符。"), "kind")
    return name, kind


def _check_unique(owner: Grid, name: str, department: Department | None = None) -> None:
    other = db.session.scalar(select(Department.id).where(Department.owner_id == owner.id,
                                                          Department.name == name))
    if other is not None and (department is None or other != department.id):
        raise DomainError(_("%(owner)s已有名为“%(name)s”的部门。", owner=owner.name, name=name),
                          "name")


def create_department(owner: Grid, name: str, kind: str | None = None, *,
                      actor: User | None = None) -> Department:
    if owner.level not in (COUNTY, TOWN):
        raise DomainError(_("部门只能属于县或镇(街道)。"), "owner")
    name, kind = _clean(name, kind)
    _check_unique(owner, name)
    department = Department(owner_id=owner.id, owner=owner, name=name, kind=kind, active=True)
    db.session.add(department)
    db.session.flush()
    audit.record("department.create", department, scope_code=owner.code, user=actor, name=name,
                 kind=kind)
    return department


def update_department(department: Department, *, name: str, kind: str | None, active: bool,
                      actor: User | None = None) -> Department:
    name, kind = _clean(name, kind)
    _check_unique(department.owner, name, department)
    changes: dict[str, list[Any]] = {}
    for key, value in (("name", name), ("kind", kind), ("active", bool(active))):
        if getattr(department, key) != value:
            changes[key] = [getattr(department, key), value]
            setattr(department, key, value)
    if changes:
        audit.record("department.update", department, scope_code=department.owner.code,
                     user=actor, changes=changes)
    return department


def _on_path(code: str) -> Select:
    """Active departments of the county and town a grid code lies in (the code's own node
    included when it is one of them), the nearest owner first."""
    return (select(Department).join(Grid, Grid.id == Department.owner_id)
            .where(Grid.code.in_(codes_above(code)), Grid.level.in_((COUNTY, TOWN)),
                   Department.active.is_(True))
            .order_by(Grid.code.desc(), Department.name))


def offered_for_case(case: Case) -> list[Department]:
    """The departments a case may be passed to or asked to help: its town's and its county's."""
    return list(db.session.scalars(_on_path(case.grid.code)))


def offered_for_scope(scope: Grid | None) -> list[Department]:
    """The departments a user of ``scope`` may belong to: those of the scope and above it."""
    return list(db.session.scalars(_on_path(scope.code))) if scope is not None else []


def check_user_department(role: str, scope: Grid, department: Department | None) -> \
        Department | None:
    """The department a user with ``role`` at ``scope`` keeps: required for department staff
    (one of the scope's or above), none for any other role."""
    if role != STAFF_ROLE:
        return None
    if department is None:
        raise DomainError(_("部门人员须选择所属部门。"), "department")
    if department.id not in {d.id for d in offered_for_scope(scope)}:
        raise DomainError(_("所选部门不属于该用户的管理范围或已停用。"), "department")
    return department


# ---------------------------------------------------------------- who sees which case


def is_department_staff(user: Any) -> bool:
    return getattr(user, "role", None) == STAFF_ROLE


def _of_department(user: Any, department_id: int | None) -> bool:
    return (is_department_staff(user) and department_id is not None
            and getattr(user, "department_id", None) == department_id)


def visible_condition(user: Any) -> ColumnElement[bool] | None:
    """SQL narrowing a case query to what ``user`` sees within their scope: department staff see
    their department's cases, the cases it is asked to help with, and those they report or are
    given themselves; everyone else is not narrowed (None)."""
    from portal.cases.models import Case

    if not is_department_staff(user):
        return None
    conditions: list[ColumnElement[bool]] = [Case.assignee_id == user.id,
                                             Case.reporter_id == user.id]
    if user.department_id is not None:
        conditions += [Case.department_id == user.department_id,
                       Case.id.in_(select(CaseAssist.case_id).where(
                           CaseAssist.department_id == user.department_id)),
                       Case.id.in_(_invited_cases(user.department_id))]
    return or_(*conditions)


def _invited_cases(department_id: int, pending_only: bool = False) -> Select:
    """The cases with a consultation (会商) the department is invited to; ``pending_only``:
    whose minutes are not recorded yet."""
    from portal.cases.kind_models import Consultation, consultation_departments

    query = (select(Consultation.case_id)
             .join(consultation_departments,
                   consultation_departments.c.consultation_id == Consultation.id)
             .where(consultation_departments.c.department_id == department_id))
    return query.where(Consultation.recorded_at.is_(None)) if pending_only else query


def sees(user: Any, case: Case) -> bool:
    """``visible_condition`` for one case already loaded in the user's scope."""
    if not is_department_staff(user):
        return True
    if user.id in (case.assignee_id, case.reporter_id):
        return True
    if user.department_id is None:
        return False
    from portal.cases.kind_models import Consultation

    if case.department_id == user.department_id:
        return True
    asked = select(CaseAssist.id).where(CaseAssist.case_id == case.id,
                                        CaseAssist.department_id == user.department_id)
    invited = _invited_cases(user.department_id).where(Consultation.case_id == case.id)
    return db.session.scalar(asked.limit(1)) is not None or \
        db.session.scalar(invited.limit(1)) is not None


def open_assist(user: Any, case: Case) -> CaseAssist | None:
    """The unanswered help request of ``user``'s department on ``case``, if any."""
    if not is_department_staff(user) or user.department_id is None:
        return None
    return db.session.scalar(select(CaseAssist).where(
        CaseAssist.case_id == case.id, CaseAssist.department_id == user.department_id,
        CaseAssist.answered_at.is_(None)).order_by(CaseAssist.id).limit(1))


def leads(user: Any, case: Case) -> bool:
    """Whether ``user`` handles ``case`` as its lead: a staff member of its department, or the
    person it was given to."""
    return _of_department(user, case.department_id) or (
        case.assignee_id is not None and case.assignee_id == getattr(user, "id", None))


def department_may(user: Any, case: Case, action_name: str) -> bool:
    """The departments' part of ``workflow.may`` (state, permission and scope are checked
    there): returning is the lead department's, asking for help the lead's, answering the helper
    department's; department staff take the other handling steps only as the lead."""
    if action_name == "return":
        return _of_department(user, case.department_id)
    if action_name == "assist":
        return leads(user, case)
    if action_name == "assist_answer":
        return open_assist(user, case) is not None
    if is_department_staff(user) and action_name in LEAD_ONLY:
        return leads(user, case)
    return True


# ---------------------------------------------------------------- the department's steps


def check_assigned(case: Case, department: Department | None) -> None:
    """A case is passed only to a department of its town or county that is active."""
    if department is not None and department.id not in {d.id for d in offered_for_case(case)}:
        raise DomainError(_("请选择本镇或本县的承办部门。"), "department")


def take_step(case: Case, user: User, action_name: str, note: str,
              department: Department | None = None) -> str:
    """Do what ``action_name`` (one of DEPARTMENT_ACTIONS) changes besides the state; returns
    the note for the timeline. None of them touches a deadline: the case's 13710 dates stand."""
    now = utcnow()
    if action_name == "return":
        returning = case.department
        db.session.add(DepartmentReturn(case_id=case.id, department_id=case.department_id,
                                        user_id=user.id, at=now, reason=note))
        # back to the level that assigned it: the dispatcher there assigns it again
        case.department_id, case.assignee_id = None, None
        case.department = None
        return _("%(department)s退回：%(reason)s", department=returning.name, reason=note)
    if action_name == "assist":
        if department is None:
            raise DomainError(_("请选择协办部门。"), "department")
        check_assigned(case, department)
        if department.id == case.department_id:
            raise DomainError(_("不能请本部门协办。"), "department")
        waiting = db.session.scalar(select(CaseAssist.id).where(
            CaseAssist.case_id == case.id, CaseAssist.department_id == department.id,
            CaseAssist.answered_at.is_(None)).limit(1))
        if waiting is not None:
            raise DomainError(_("已请%(department)s协办，尚未答复。", department=department.name),
                              "department")
        db.session.add(CaseAssist(case_id=case.id, department_id=department.id,
                                  requested_by_id=user.id, requested_at=now, note=note))
        return _("请%(department)s协办：%(note)s", department=department.name, note=note)
    if action_name == "assist_answer":
        assist = open_assist(user, case)
        if assist is None:  # answered by a colleague meanwhile
            raise DomainError(_("当前状态下不能执行这个操作，或您没有这个权限。"))
        assist.answered_at, assist.answered_by_id, assist.answer = now, user.id, note
        return _("%(department)s协办答复：%(answer)s", department=assist.department.name,
                 answer=note)
    raise ValueError(action_name)


# ---------------------------------------------------------------- the inbox


def inbox_query(user: Any) -> Select:
    """Open cases in ``user``'s scope waiting for them: assigned to their department or to them,
    or asking their department's help (not yet answered); the nearest deadline first."""
    from portal.cases.models import Case
    from portal.cases.workflow import OPEN_STATES

    conditions: list[ColumnElement[bool]] = [Case.assignee_id == user.id]
    if is_department_staff(user) and user.department_id is not None:
        conditions += [Case.department_id == user.department_id,
                       Case.id.in_(select(CaseAssist.case_id).where(
                           CaseAssist.department_id == user.department_id,
                           CaseAssist.answered_at.is_(None))),
                       Case.id.in_(_invited_cases(user.department_id, pending_only=True))]
    return (select(Case).join(Grid, Grid.id == Case.grid_id)
            .where(in_subtree(Grid.code, user.scope), Case.state.in_(OPEN_STATES),
                   or_(*conditions)))


def asking(user: Any, case_ids: list[int]) -> dict[int, CaseAssist]:
    """The unanswered help requests of ``user``'s department among ``case_ids`` (for the
    inbox's 协办 mark)."""
    if not case_ids or not is_department_staff(user) or user.department_id is None:
        return {}
    rows = db.session.scalars(select(CaseAssist).where(
        CaseAssist.case_id.in_(case_ids), CaseAssist.department_id == user.department_id,
        CaseAssist.answered_at.is_(None)))
    return {row.case_id: row for row in rows}


def offered_to_admin(scope: Grid) -> list[Department]:
    """The departments an admin of ``scope`` may give their users: those kept in the scope's
    subtree and those above it (a town's staff may belong to a county department)."""
    return list(db.session.scalars(
        select(Department).join(Grid, Grid.id == Department.owner_id)
        .where(or_(in_subtree(Grid.code, scope), Grid.code.in_(codes_above(scope.code))),
               Department.active.is_(True))
        .order_by(Grid.code, Department.name)))
