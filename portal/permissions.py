"""Roles, scopes and the one place where "may this user do that?" is decided.

Every user has a role (what kind of things they may do) and a scope (a node of the grid tree: where
they may do them). A record outside the scope does not exist for the user: views answer 404, never
403, so that another town's data cannot even be probed for.
"""
from dataclasses import dataclass, field
from functools import wraps

from flask import abort, current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from portal.grids.models import COUNTY, GRID, SPECIAL, TOWN, VILLAGE, Grid
from portal.tenancy import in_scope, in_subtree


@dataclass(frozen=True)
class Role:
    """A kind of user. The core declares its own (CORE_ROLES); a plugin declares the roles only
    it needs through its ``register_roles`` hook, so they come and go with the plugin."""

    name: str
    label: str
    #: A user may give a role to someone only if its rank is not above their own.
    rank: int
    #: The levels of the grid tree a user's scope may be with this role.
    scope_levels: tuple[str, ...]
    #: What the role is for and what it is deliberately not given (docs/permissions.md).
    job: str = ""


CORE_ROLES: tuple[Role, ...] = (
    Role("county_admin", _l("县级管理员"), 100, (COUNTY,)),
    Role("town_admin", _l("镇(街道)管理员"), 80, (TOWN,)),
    Role("village_admin", _l("村(社区)管理员"), 60, (VILLAGE,)),
    Role("grid_worker", _l("网格员"), 40, (GRID, SPECIAL)),
    Role("info_officer", _l("信息员"), 40, (VILLAGE,)),
    Role("dept_staff", _l("部门人员"), 50, (COUNTY, TOWN)),
    Role("resident", _l("居民"), 10, (GRID, SPECIAL)),
)


def role_registry(app=None) -> dict[str, Role]:
    """Every role known to this app: the core's and those of the plugins that loaded."""
    app = app or current_app
    return app.extensions["portal_roles"]


def role_label(name: str) -> str:
    """The role's name for people; a role whose plugin is gone shows as its raw name (its users
    keep their row but hold no permission)."""
    role = role_registry().get(name)
    return str(role.label) if role is not None else name


class RoleLabels(dict):
    """Role name -> label, for templates (``ROLES[user.role]``): an unknown role shows as is."""

    def __missing__(self, key: str) -> str:
        return key


def role_labels() -> RoleLabels:
    return RoleLabels({name: role.label for name, role in role_registry().items()})


ADMINS = ("county_admin", "town_admin", "village_admin")
#: The people who keep a part of the grid tree and its register: admins, grid workers and the
#: village's information officer. Department staff and association officers are left out on
#: purpose (least privilege, docs/permissions.md): a department handles the cases passed to it,
#: an association officer runs their association; neither needs the grid tree or the register.
GRID_STAFF = (*ADMINS, "grid_worker", "info_officer")
#: Those who work on cases: the grid staff and the departments cases are passed to.
CASE_STAFF = (*GRID_STAFF, "dept_staff")


@dataclass(frozen=True)
class Permission:
    name: str
    label: str
    #: Roles that hold the permission unless a deployment changes it.
    roles: tuple = field(default_factory=tuple)


CORE_PERMISSIONS = (
    Permission("grids.view", _l("查看网格"), GRID_STAFF),
    Permission("grids.manage", _l("管理网格与人员"), ADMINS),
    Permission("users.manage", _l("管理用户"), ADMINS),
    Permission("modules.manage", _l("开关功能模块"), ("county_admin", "town_admin")),
    Permission("audit.view", _l("查看审计日志"), ("county_admin", "town_admin")),
    Permission("people.view", _l("查看人口户籍"), GRID_STAFF),
    Permission("people.manage", _l("登记和修改人口信息"), GRID_STAFF),
    Permission("people.sensitive", _l("查看完整身份证号和电话"), GRID_STAFF),
    Permission("people.import", _l("导入人口信息"), (*ADMINS, "info_officer")),
    Permission("people.key_persons", _l("查看重点人员"), ("county_admin", "town_admin")),
    Permission("visits.record", _l("记录走访"), GRID_STAFF),
    Permission("settings.manage", _l("修改本镇规则"), ("county_admin", "town_admin")),
    # 样板间: export a town's rule sets and import them into a town of one's own scope
    Permission("settings.template", _l("导出、导入镇设置样板间"), ("county_admin", "town_admin")),
    Permission("cases.view", _l("查看事件"), CASE_STAFF),
    Permission("cases.report", _l("上报事件"), (*CASE_STAFF, "resident")),
    Permission("cases.handle", _l("办理事件"), CASE_STAFF),
    Permission("cases.dispatch", _l("交办、结案事件"), ADMINS),
    Permission("cases.evaluate", _l("代群众评价"), (*ADMINS, "grid_worker")),
    # 回访: the village's information officer calls reporters who did not rate a closed case
    Permission("cases.callback", _l("回访群众"), (*ADMINS, "info_officer")),
    Permission("calendar.manage", _l("维护工作日历"), ("county_admin",)),
    # the command centre shows a node's whole register and case figures: grid staff only
    Permission("dashboard.view", _l("查看指挥中心"), GRID_STAFF),
)


def permission_registry(app=None) -> dict[str, Permission]:
    app = app or current_app
    return app.extensions["portal_permissions"]


def role_has(role: str, permission: str) -> bool:
    perm = permission_registry().get(permission)
    # a role whose plugin is not loaded holds nothing, whatever a permission still names
    return perm is not None and role in perm.roles and role in role_registry()


def default_check_permission(user, action, obj):
    """The core's answer, used when no plugin answers first."""
    if user is None or not user.is_authenticated:
        return False
    return role_has(user.role, action) and in_scope(user, obj)


def can(user, action: str, obj=None) -> bool:
    """Ask the plugins on for the user's town first (any may decide), then the core's default."""
    from portal.plugins import host

    if user is None or not user.is_authenticated:
        return False
    answer = host().hook(user.scope, "check_permission")(user=user, action=action, obj=obj)
    return bool(answer)


def requires(permission: str):
    """View decorator: logged in and holding the permission, else 403 (the page exists for
    everyone; records outside one's scope are refused separately with 404)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not can(current_user, permission):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_permission = permission
        return wrapped

    return decorator


def assignable_roles(user) -> list[str]:
    registry = role_registry()
    own = registry.get(user.role)
    if own is None:
        return []
    return [name for name, role in registry.items() if role.rank <= own.rank]


def can_assign(user, role: str, scope: Grid) -> bool:
    known = role_registry().get(role)
    return (known is not None and role in assignable_roles(user)
            and in_subtree(scope.code, user.scope)
            and scope.level in known.scope_levels)
