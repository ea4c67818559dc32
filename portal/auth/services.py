"""Creating and changing user accounts, shared by the admin pages and the command line."""
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from portal import audit
from portal.auth.models import User
from portal.errors import DomainError
from portal.extensions import db
from portal.grids.forms import LEVEL_LABELS
from portal.grids.models import Grid
from portal.i18n import listing
from portal.permissions import role_registry
from portal.departments.models import Department
from portal.departments.services import check_user_department


def _shown(value: Any) -> Any:
    """A value as the audit log keeps it: a grid by its code, a department by its name."""
    if isinstance(value, Department):
        return value.name
    return getattr(value, "code", value)


def _check_unique(user: User | None, **values: str | None) -> None:
    messages = {"username": _("用户名已被使用。"), "phone": _("该手机号已绑定其他账号。"),
                "id_number": _("该身份证号已绑定其他账号。"),
                "email": _("该邮箱已绑定其他账号。")}
    for field, value in values.items():
        if not value:
            continue
        other = db.session.scalar(select(User.id).where(getattr(User, field) == value))
        if other and (user is None or other != user.id):
            raise DomainError(messages[field], field)


def check_role_scope(role: str, scope: Grid) -> None:
    known = role_registry().get(role)  # the core's roles and those of the loaded plugins
    if known is None:
        raise DomainError(_("没有这个角色。"), "role")
    if scope.level not in known.scope_levels:
        levels = listing(LEVEL_LABELS[lvl] for lvl in known.scope_levels)
        raise DomainError(_("%(role)s的管理范围应是%(levels)s。", role=known.label, levels=levels),
                        "scope")


def check_password_policy(password: str | None, username: str | None = None) -> None:
    from portal.auth.passwords import password_problem

    problem = password_problem(password, username)
    if problem:
        raise DomainError(problem, "password")


#: Changes that end every session of the user: a session must not outlive the password it was
#: opened with, the account being disabled, or the role and scope it was opened for.
ENDS_SESSIONS = ("password", "is_active_flag", "role", "scope", "department")


def create_user(*, username: str, password: str, role: str, scope: Grid,
                display_name: str | None = None, phone: str | None = None,
                id_number: str | None = None, email: str | None = None,
                actor: User | None = None, department: Department | None = None) -> User:
    if not password:
        raise DomainError(_("请设置密码。"), "password")
    check_password_policy(password, username)
    check_role_scope(role, scope)
    department = check_user_department(role, scope, department)  # department staff need one
    email = (email or "").strip().lower() or None
    _check_unique(None, username=username, phone=phone, id_number=id_number, email=email)
    user = User(username=username, display_name=display_name or username, role=role,
                scope=scope, phone=phone or None, id_number=id_number or None, email=email,
                department=department)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", user, scope_code=scope.code, user=actor, username=username,
                 role=role)
    return user


def update_user(user: User, *, actor: User | None = None, password: str | None = None,
                **values: Any) -> User:
    """Change ``values`` (and the password, when given). A new password, disabling, or a new
    role or scope ends every session of the user; the caller re-issues its own session when
    ``user`` is the one logged in (see portal.auth.sessions.reissue)."""
    check_role_scope(values.get("role", user.role), values.get("scope", user.scope))
    if "department" in values or "role" in values or "scope" in values:
        values["department"] = check_user_department(
            values.get("role", user.role), values.get("scope", user.scope),
            values.get("department", user.department))
    if password:
        check_password_policy(password, values.get("username", user.username))
    if "email" in values:
        values["email"] = (values["email"] or "").strip().lower() or None
    _check_unique(user, **{k: values[k] for k in ("username", "phone", "id_number", "email")
                           if k in values})
    changes: dict[str, list | str] = {}
    for key, value in values.items():
        old = getattr(user, key)
        if key in ("phone", "id_number", "email"):
            value = value or None
        if old != value:
            changes[key] = [_shown(old), _shown(value)]
            setattr(user, key, value)
    if password:
        user.set_password(password)
        changes["password"] = "reset"
    if any(key in changes for key in ENDS_SESSIONS):
        user.end_sessions()
        changes["sessions"] = "ended"
    if changes:
        audit.record("user.update", user, scope_code=user.scope.code, user=actor,
                     changes={k: v for k, v in changes.items() if k != "password_hash"})
    return user
