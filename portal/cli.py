"""The `portal` command line: `portal run`, `portal db upgrade`, `portal users create`,
`portal plugins list|enable|disable|remove`, `portal demo`."""
import re

import click
import flask_migrate.cli
from flask import g
from flask.cli import FlaskGroup, with_appcontext

from portal.errors import DomainError


def _create_app():
    from portal import create_app

    return create_app()


main = FlaskGroup(create_app=_create_app, load_dotenv=False,
                  help="网格通 GridPortal. Run `portal db upgrade` then `portal run`.")


def _db_group():
    """Flask-Migrate's commands, with `upgrade` going to every branch head (core + plugins)."""

    @click.group("db")
    @click.option("-d", "--directory", default=None, help="Migration script directory.")
    @click.option("-x", "--x-arg", multiple=True, help="Arguments for env.py.")
    @with_appcontext
    def db_group(directory, x_arg):
        """Database schema: upgrade, current, history, revision..."""
        g.directory = directory
        g.x_arg = x_arg

    for name, command in flask_migrate.cli.db.commands.items():
        if name != "upgrade":
            db_group.add_command(command, name)

    @db_group.command("upgrade")
    @click.argument("revision", default="heads")
    @with_appcontext
    def upgrade(revision):
        """Bring the database to the current schema of the core and every plugin."""
        flask_migrate.upgrade(directory=g.directory, revision=revision, x_arg=g.x_arg)

    return db_group


@click.group("users")
def users_group():
    """User accounts."""


@users_group.command("create")
@click.option("--username", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Asked for when left out (kept out of the shell history); the web forms' "
                   "policy applies: at least 8 characters, letters and digits.")
@click.option("--role", required=True)
@click.option("--scope", "scope_code", required=True, help="Code of the grid node.")
@click.option("--name", "display_name", default=None)
@click.option("--phone", default=None)
@click.option("--department", "department_name", default=None,
              help="Department staff: the name of their department (of the scope or above).")
@with_appcontext
def users_create(username, password, role, scope_code, display_name, phone, department_name):
    """Create a user with a role and a scope (a grid code)."""
    from portal.auth.services import create_user
    from portal.extensions import db
    from portal.grids.models import Grid

    scope = db.session.scalar(db.select(Grid).filter_by(code=scope_code))
    if scope is None:
        raise click.ClickException(f"没有编码为 {scope_code} 的网格 / no grid with code {scope_code}")
    from portal.validators import is_phone, normalise_phone

    if phone and not is_phone(phone):  # the web forms' rule: ASCII digits after NFKC
        raise click.ClickException(f"手机号无效 / not a valid phone number: {phone}")
    phone = normalise_phone(phone or "") or None
    from portal.departments.services import offered_for_scope

    department = next((d for d in offered_for_scope(scope) if d.name == department_name), None)
    if department_name and department is None:
        raise click.ClickException(f"{scope.name}及上级没有部门 {department_name} / "
                                   f"no department {department_name} at or above {scope_code}")
    try:
        user = create_user(username=username, password=password, role=role, scope=scope,
                           display_name=display_name, phone=phone, department=department)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    click.echo(f"created {user.username} ({user.role}) scope {scope.code} {scope.name}")


def _add_account_commands():
    from portal.auth.cli import COMMANDS  # `portal users password`, `portal users unlock`

    for command in COMMANDS:
        users_group.add_command(command)


_add_account_commands()


@click.group("plugins")
def plugins_group():
    """Optional modules and which towns use them."""


@plugins_group.command("list")
@click.option("--town", "town_code", default=None, help="Show the state for this town.")
@with_appcontext
def plugins_list(town_code):
    from portal.plugins import host

    plugins = host()
    town = _town(town_code) if town_code else None
    enabled = plugins.enabled_names(town) if town else set()
    for name in sorted(plugins.optional):
        state = ("on" if name in enabled else "off") if town else "loaded"
        click.echo(f"{name:20} {state:7} {plugins.info(name)['label']}")
    for name, error in sorted(plugins.failed.items()):
        click.echo(f"{name:20} FAILED  {error}")


def _town(code):
    from portal.extensions import db
    from portal.grids.models import TOWN, Grid

    town = db.session.scalar(db.select(Grid).filter_by(code=code))
    if town is None or town.level != TOWN:
        raise click.ClickException(f"没有编码为 {code} 的镇(街道) / no town with code {code}")
    return town


def _switch(name, town_code, enabled):
    from portal.extensions import db
    from portal.modules.services import set_module

    town = _town(town_code)
    try:
        set_module(town, name, enabled)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    click.echo(f"{name} {'enabled' if enabled else 'disabled'} for {town.code} {town.name}")


@plugins_group.command("enable")
@click.argument("name")
@click.option("--town", "town_code", required=True)
@with_appcontext
def plugins_enable(name, town_code):
    """Switch a module on for a town."""
    _switch(name, town_code, True)


@plugins_group.command("disable")
@click.argument("name")
@click.option("--town", "town_code", required=True)
@with_appcontext
def plugins_disable(name, town_code):
    """Switch a module off for a town."""
    _switch(name, town_code, False)


@plugins_group.command("remove")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def plugins_remove(name, yes):
    """Take a module out of the database before deleting its folder: roll back its migration
    branch (its tables and data are dropped) and delete every town's switch for it."""
    from portal.plugin_removal import RemovalRefused, remove_plugin

    if not yes:
        click.confirm(f"删除模块 {name} 的全部数据？ / drop every table and record of {name}?",
                      abort=True)
    try:
        removal = remove_plugin(name)
    except RemovalRefused as error:
        raise click.ClickException(str(error)) from None
    what = "migration branch downgraded to base" if removal.downgraded else (
        f"tables dropped: {', '.join(removal.dropped_tables) or 'none'}")
    click.echo(f"{name} removed: {what}; {removal.switches_deleted} town switches deleted. "
               f"Now delete its folder and its line in the plugin list, then `portal db upgrade`.")


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Only when the database has no grids yet.")
@click.option("--scale", type=click.Choice(["small", "county"]), default="small",
              show_default=True,
              help="small: the demo county; county: the demo plus county-scale towns "
                   "(~600,000 residents, 1,100 grids, three years of cases), written in bulk.")
@click.option("--scale-factor", type=float, default=1.0, show_default=True,
              help="With --scale county: the share of the county's rows to make (0.01 = 1 %).")
@click.option("--force", is_flag=True,
              help="With --scale county: add the county-scale towns to a database with data.")
@with_appcontext
def demo_command(if_empty, scale, scale_factor, force):
    """Load the demo county (idempotent) and print its logins."""
    from portal.demo import DEMO_PASSWORD, load_demo

    if scale == "county":
        from portal.demo_scale import ScaleError, load_scaled

        try:
            generator = load_scaled(scale_factor, if_empty=if_empty, force=force)
        except ScaleError as error:
            raise click.ClickException(str(error)) from None
        if generator is None:
            click.echo("database already has data; demo not loaded")
            return
        click.echo(f"done in {generator.seconds:.1f} s; rows written:")
        for table, count in generator.counts.items():
            click.echo(f"  {table:28} {count:>10,}")
        towns = generator.towns
        click.echo(f"logins (password for all: {DEMO_PASSWORD}): the normal demo's (county, "
                   f"wenxing, zhangshu, gridworker, resident …), and town admins "
                   f"town{towns[0]['seq']:03d}–town{towns[-1]['seq']:03d}, village admins "
                   f"va<village code>, grid workers gw<grid code> (e.g. "
                   f"gw{generator.base_grids[0]['code']})"
                   + (", and the modules' own: " + ", ".join(generator.module_logins)
                      if generator.module_logins else ""))
        return
    logins = load_demo(if_empty=if_empty)
    if logins is None:
        click.echo("database already has data; demo not loaded")
        return
    click.echo(f"demo logins (password for all: {DEMO_PASSWORD}):")
    for username, role, scope in logins:
        click.echo(f"  {username:16} {role:16} {scope}")


@click.group("import")
def import_group():
    """Import data from Excel files."""


@import_group.command("residents")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--scope", "scope_code", default=None,
              help="Only grids under this code may be written (default: the whole tree).")
@click.option("--good-rows-only", is_flag=True, help="Write the good rows even if some are bad.")
@with_appcontext
def import_residents(path, scope_code, good_rows_only):
    """Import households and residents from an .xlsx file in the template's layout."""
    from portal.extensions import db
    from portal.grids.models import Grid
    from portal.people.transfer import import_file
    from portal.people.import_limits import read_capped

    if scope_code:
        scope = db.session.scalar(db.select(Grid).filter_by(code=scope_code))
    else:
        scope = db.session.scalar(db.select(Grid).where(Grid.parent_id.is_(None)).order_by(Grid.id))
    if scope is None:
        raise click.ClickException("没有可导入的网格 / no grid to import into")
    with open(path, "rb") as handle:  # read up to the size ceiling, refused past it
        report = import_file(read_capped(handle), scope, good_rows_only=good_rows_only)
    if report.file_error:
        raise click.ClickException(report.file_error)
    for error in report.errors:
        click.echo(f"row {error.row} [{error.column}]: {error.message}", err=True)
    if report.errors and not good_rows_only:
        db.session.rollback()
        raise click.ClickException(
            f"{report.bad_rows} bad rows of {report.rows}: nothing was written "
            "(fix them, or use --good-rows-only)")
    db.session.commit()
    click.echo(f"{report.rows} rows: households +{report.households_created} "
               f"~{report.households_updated}, residents +{report.residents_created} "
               f"~{report.residents_updated}, skipped {report.bad_rows} bad rows")


@click.group("cases")
def cases_group():
    """Cases: the deadline sweep."""


@cases_group.command("sweep")
@with_appcontext
def cases_sweep():
    """Raise supervision notices for cases that went red; settle those no longer open (cron)."""
    from portal.cases.services import sweep
    from portal.extensions import db

    result = sweep()
    db.session.commit()
    click.echo(f"supervision notices raised {result['raised']}, settled {result['settled']}")


@cases_group.group("months")
def cases_months():
    """Finished months of case figures, kept per grid for the dashboards."""


@cases_months.command("roll")
@click.option("--month", "month", default=None, metavar="YYYY-MM",
              help="Count this finished month again (default: roll every finished month not "
                   "rolled yet).")
@with_appcontext
def cases_months_roll(month):
    """Roll the finished months (the worker does it each night)."""
    from portal.cases import monthly
    from portal.extensions import db

    if month is not None:
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month) or not monthly.finished(month):
            raise click.BadParameter(f"{month}: a finished month, as YYYY-MM", param_hint="--month")
        rows = monthly.roll(month)
        db.session.commit()
        click.echo(f"{month}: {rows} grid rows")
        return
    rolled = monthly.roll_months()
    db.session.commit()
    click.echo(f"rolled {len(rolled)} months" + (f": {rolled[0]} .. {rolled[-1]}" if rolled else ""))


@cases_months.command("verify")
@with_appcontext
def cases_months_verify():
    """Count every rolled month again from the cases; exit 1 when a stored row differs."""
    from portal.cases import monthly

    differences = monthly.verify()
    for line in differences:
        click.echo(line, err=True)
    if differences:
        raise SystemExit(1)
    click.echo("every rolled month equals its cases")


@click.group("people")
def people_group():
    """The register's kept figures."""


@people_group.group("counts")
def people_counts():
    """Each grid's households and residents counts, kept for the home pages and dashboards."""


@people_counts.command("verify")
@with_appcontext
def people_counts_verify():
    """Count every grid's households and residents again; exit 1 when a kept count differs."""
    from portal.people.grid_counts import stale_grid_counts

    stale = stale_grid_counts()
    if stale:
        click.echo(f"{len(stale)} grids' counts differ from the register (grid ids "
                   f"{', '.join(map(str, stale[:20]))}{' ...' if len(stale) > 20 else ''}); "
                   "`portal people counts refresh` counts them again", err=True)
        raise SystemExit(1)
    click.echo("every grid's counts equal the register")


@people_counts.command("refresh")
@with_appcontext
def people_counts_refresh():
    """Count every grid's households and residents again (after rows written outside the
    portal)."""
    from portal.extensions import db
    from portal.people.grid_counts import refresh, stale_grid_counts

    stale = stale_grid_counts()
    refresh()
    db.session.commit()
    click.echo(f"counted again; {len(stale)} grids had differed")


@click.group("calendar")
def calendar_group():
    """The working-day calendar."""


@calendar_group.command("seed")
@with_appcontext
def calendar_seed():
    """Add the years the installed chinese-calendar knows and the table does not."""
    from portal.cases.calendar import seed_from_library
    from portal.extensions import db

    added, recounted = seed_from_library()
    db.session.commit()
    click.echo(f"{added} years added; {recounted} open cases recounted")


@click.group("open311")
def open311_group():
    """The Open311 GeoReport v2 API."""


@open311_group.group("key")
def open311_key():
    """API keys."""


@open311_key.command("create")
@click.option("--town", "town_code", required=True)
@click.option("--label", default="open311")
@with_appcontext
def open311_key_create(town_code, label):
    """Issue a key for a town's Open311 client; it is printed once and stored hashed."""
    from portal.cases.open311_keys import issue
    from portal.extensions import db

    _row, key = issue(_town(town_code), label)
    db.session.commit()
    click.echo(key)


def register(app):
    from portal.backup import COMMANDS as backup_commands  # `portal backup`, `portal restore`
    from portal.documents.commands import documents_group  # `portal documents run|kinds`
    from portal.uploads_clean import uploads_group  # `portal uploads clean`
    from portal.worker import COMMANDS as worker_commands  # `portal worker`, `portal notifications`

    app.cli.commands.pop("alembic", None)  # replaced by our `db` group below
    for command in (_db_group(), users_group, plugins_group, demo_command, import_group,
                    cases_group, people_group, calendar_group, open311_group, uploads_group,
                    documents_group, *backup_commands, *worker_commands):
        app.cli.add_command(command)
    from portal.permissions_matrix import permissions_group

    app.cli.add_command(permissions_group)  # `portal permissions matrix`
