"""The permission matrix a county's security reviewer reads (docs/permissions.md), generated from
the permissions the core and every registered module declare, so it cannot say anything the code
does not do. ``portal permissions matrix [--format markdown] [--output PATH]``.
"""
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale

from portal.grids.forms import LEVEL_LABELS
from portal.permissions import CORE_PERMISSIONS, permission_registry, role_registry

#: What each core role is for, in the words of the domain (shared/DOMAIN.md), and what it is
#: deliberately not given; a plugin's role says it in its ``Role.job``. A role without either
#: fails the command: every role published must say why it holds what it holds.
ROLE_JOBS = {
    "county_admin": (
        "The county command centre (县社会治理指挥中心): sees the whole county, dispatches cases "
        "to departments, supervises red-light cases, keeps the working-day calendar, manages the "
        "users and modules of every town and sees key persons (each look audited)."),
    "town_admin": (
        "A town's grid management centre (镇(街道)网格化管理中心): switches modules on for the "
        "town, manages its villages, grids and users, sets the town's rules (case deadlines and "
        "categories, which case categories Open311 publishes, points rules), assigns and escalates "
        "cases and sees the town's key persons (each look audited)."),
    "village_admin": (
        "A village or community and its grid leader (村(社区) / 网格长): manages the village's "
        "grids, staff, households and residents, its associations and mutual-aid groups, assigns "
        "the village's cases, awards points and may serve at the points-supermarket kiosk."),
    "grid_worker": (
        "The grid worker of one base grid (网格员, 一格一员): collects information, visits "
        "households, reports and handles cases and patrols; sees the full ID numbers and phones of "
        "their grid only by pressing 显示完整号码, which is audited."),
    "info_officer": (
        "The village's information officer (信息员, one per village): collects and enters "
        "information (the register, Excel imports, visits) and handles the cases given to them."),
    "dept_staff": (
        "A staff member of one department (部门: 派出所, 司法所, 民政办 of a town; 公安局, 民政局 … "
        "of the county), which an administrator sets on the account (required for this role): "
        "sees and handles only the cases assigned to that department (its inbox, 待办), those it "
        "is asked to help with (协办) and those they report, within their scope; answers a case "
        "(办结), returns it to the level that assigned it with a reason (退回) or asks another "
        "department to help; judges the best-grid contest when invited. It holds no grid tree, "
        "population register or command centre: a case's page says what the department needs "
        "to act on it."),
    "resident": (
        "A villager (居民): reports cases, sees their own points and association scores (matched "
        "to the register by ID number) and, where they volunteer, signs up for activities. A "
        "mutual-aid group leader records their group's help and a volunteer team leader runs "
        "their team's activities through those modules' own checks (below)."),
}

#: Per-record rules a module adds on top of the table (its ``check_permission`` hook).
RECORD_RULES = (
    "`associations.run`: an association officer runs only the associations they are an officer "
    "of; another association of their village they may only read.",
    "`volunteers.lead`: a volunteer team's leader leads that team's activities, whatever their "
    "role; `volunteers.self` and `volunteers.activities`: anyone registered as a volunteer.",
    "`mutual_aid.record` and `mutual_aid.view`: a resident elected leader of a mutual-aid group "
    "records that group's help.",
    "Every permission holds only inside the user's scope (a node of the grid tree): a record "
    "outside it answers 404.",
)

FORMATS = ("markdown",)


def sections(app) -> list[tuple[str, list]]:
    """(title, permissions) for the core, then each registered module in its loading order."""
    from portal.plugins import host

    registry = permission_registry(app)
    core_names = {p.name for p in CORE_PERMISSIONS}
    found = [("Core (核心)", [registry[p.name] for p in CORE_PERMISSIONS if p.name in registry])]
    plugins = host(app)
    for name in plugins.optional:
        perms = [p for p in registry.values()
                 if p.name not in core_names and p.name.split(".", 1)[0] == name]
        if perms:
            found.append((f"{plugins.info(name)['label']} ({name})", perms))
    return found


def _english(text) -> str:
    with force_locale("en"):
        return str(text)


def _chinese(text) -> str:
    with force_locale("zh_CN"):
        return str(text)


def markdown(app) -> str:
    registry = role_registry(app)
    jobs = {name: ROLE_JOBS.get(name) or role.job for name, role in registry.items()}
    missing = {name for name, job in jobs.items() if not job}
    if missing:
        raise click.ClickException(f"roles without a published job: {', '.join(sorted(missing))}")
    roles = list(registry)
    lines = [
        "# Permissions by role (权限矩阵)",
        "",
        "Generated from the code by `portal permissions matrix --output docs/permissions.md`: the",
        "permissions the core and every module register, and the roles holding each. Do not edit",
        "by hand; `tests/test_least_privilege.py` fails when this file differs from what the",
        "command writes, and pins each role's set to the reviewed one.",
        "",
        "A role says what a user may do; the user's scope (a node of the grid tree: county, town,",
        "village or base grid) says where. A record outside the scope answers 404, a page the role",
        "may not open 403. Each role holds only what its job needs (least privilege).",
        "",
        "## Roles",
        "",
    ]
    for role in roles:
        levels = ", ".join(f"{_english(LEVEL_LABELS[level])} ({_chinese(LEVEL_LABELS[level])})"
                           for level in registry[role].scope_levels)
        label = registry[role].label
        lines += [f"### {_chinese(label)} · {_english(label)} (`{role}`)", "",
                  f"Scope: {levels}. {jobs[role]}", ""]
    header = ["Permission", "权限", "English", *[f"`{r}`" for r in roles]]
    lines += ["## Matrix", "",
              "Columns are roles (see above); ✓ means the role holds the permission.", "",
              "| " + " | ".join(header) + " |",
              "|" + "|".join("---" if i < 3 else ":-:" for i in range(len(header))) + "|"]
    for title, perms in sections(app):
        lines.append(f"| **{title}** |" + " |" * (len(header) - 1))
        for perm in perms:
            marks = ["✓" if role in perm.roles else "" for role in roles]
            lines.append("| " + " | ".join([f"`{perm.name}`", _chinese(perm.label),
                                            _english(perm.label), *marks]) + " |")
    lines += ["", "## Rules per record", "",
              "Modules narrow or widen a permission for one record through their",
              "`check_permission` hook:", ""]
    lines += [f"- {rule}" for rule in RECORD_RULES]
    return "\n".join(lines) + "\n"


def render(app, fmt: str = "markdown") -> str:
    if fmt not in FORMATS:
        raise click.BadParameter(f"format must be one of {', '.join(FORMATS)}")
    return markdown(app)


@click.group("permissions")
def permissions_group():
    """Roles and permissions."""


@permissions_group.command("matrix")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="markdown", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file (e.g. docs/permissions.md) instead of standard output.")
@with_appcontext
def matrix_command(fmt, output):
    """The permission × role matrix of the core and every registered module."""
    text = render(current_app, fmt)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"written {output}")
