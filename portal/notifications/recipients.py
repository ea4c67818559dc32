"""Who must act on a case, in SQL: the people notifications about cases go to.

Everyone chosen here stands in the case's own branch of the tree (the nodes on the path from the
county down to the case's grid), so another town's users are never among them.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from portal.extensions import db
from portal.grids.models import COUNTY, GRID, SPECIAL, TOWN, VILLAGE, Grid
from portal.tenancy import codes_above

if TYPE_CHECKING:
    from portal.auth.models import User
    from portal.cases.models import Case

#: The grid tree's levels a case's handling level (portal.cases.workflow.LEVEL_ORDER) stands for.
LEVEL_NODES = {"grid": (GRID, SPECIAL), "village": (VILLAGE,), "town": (TOWN,),
               "county": (COUNTY,)}


def roles_with(permission: str) -> list[str]:
    """The roles holding ``permission`` (the core's default: a plugin's check_permission may
    widen it for one user, which a list of recipients cannot ask about)."""
    from portal.permissions import permission_registry, role_registry

    found = permission_registry().get(permission)
    known = role_registry()
    return [role for role in (found.roles if found else ()) if role in known]


def _active(query):
    from portal.auth.models import User

    return query.where(User.is_active_flag.is_(True))


def staff_at(grid: Grid, levels: tuple[str, ...], permission: str) -> list[User]:
    """Active users holding ``permission`` whose scope is a node of ``levels`` on the path to
    ``grid`` (its village's admins, its town's ...). Department staff are never among them: they
    act on the cases given to their department, not on a level's."""
    from portal.auth.models import User
    from portal.departments.services import STAFF_ROLE

    roles = [role for role in roles_with(permission) if role != STAFF_ROLE]
    if not roles:
        return []
    return list(db.session.scalars(_active(
        select(User).join(Grid, Grid.id == User.scope_id)
        .where(Grid.code.in_(codes_above(grid.code)), Grid.level.in_(levels),
               User.role.in_(roles))).order_by(User.id)))


def department_staff(department_id: int) -> list[User]:
    from portal.auth.models import User
    from portal.departments.services import STAFF_ROLE

    return list(db.session.scalars(_active(
        select(User).where(User.department_id == department_id, User.role == STAFF_ROLE))
        .order_by(User.id)))


def level_staff(case: Case, level: str | None = None) -> list[User]:
    """Those who act for ``level`` (the case's by default): at the grid level the grid's workers
    (who handle it), above it the level's dispatchers (who assign it)."""
    level = level or case.level
    permission = "cases.handle" if level == "grid" else "cases.dispatch"
    return staff_at(case.grid, LEVEL_NODES[level], permission)


def assignee_of(case: Case) -> User | None:
    """The case's assignee by its id (the workflow sets the id: ``case.assignee`` may still be
    the one loaded before)."""
    from portal.auth.models import User

    return db.session.get(User, case.assignee_id) if case.assignee_id is not None else None


def responsible(case: Case) -> list[User]:
    """Whose case it is now: its assignee, else the staff of the department it was given to,
    else (unassigned) the people of the level handling it."""
    assignee = assignee_of(case)
    if assignee is not None:
        return [assignee] if assignee.is_active else []
    if case.department_id is not None:
        return department_staff(case.department_id)
    return level_staff(case)


def town_dispatchers(case: Case) -> list[User]:
    """The dispatchers of the case's town: its town admins and the admins of its village (the
    county's see every town's home page, but are not woken for each emergency)."""
    return staff_at(case.grid, (TOWN, VILLAGE), "cases.dispatch")
