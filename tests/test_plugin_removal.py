"""Removing a plugin is a supported operation: `portal plugins remove NAME` takes it out of the
database (its migration branch rolled back, its town switches deleted) so that `portal db upgrade`
works once it is gone, and deleting a plugin's folder leaves the suite collectable and green."""
import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from portal import ROOT, create_app
from portal.extensions import db
from portal.modules.models import TownModule
from portal.plugins import BUILTIN_PLUGINS, host
from portal.testing import PASSWORD, build_tree


def _tables() -> set[str]:
    return set(inspect(db.engine).get_table_names())


def _versions() -> set[str]:
    with db.engine.connect() as connection:
        return set(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())


def _bare_app(app_config):
    """The same database, with the example plugin no longer installed."""
    return create_app({**app_config, "PLUGINS_EXTRA": []})


def test_remove_rolls_back_the_branch_and_the_switches_so_upgrade_works(make_app, app_config):
    from portal.auth.services import create_user
    from portal.modules.services import set_module

    app = make_app(app_config)  # with the example plugin (tests/conftest.py)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    with app.app_context():
        tree = build_tree()
        set_module(tree.town_a, "example", True)
        create_user(username="reader", password=PASSWORD, role="example_reader",
                    scope=tree.village_a1)
        db.session.commit()
        assert "example_notes" in _tables() and "example_0001" in _versions()

    # what happens today without the command: the plugin's revision is unknown to the portal
    bare = _bare_app(app_config)
    try:
        failed = bare.test_cli_runner().invoke(args=["db", "upgrade"])
        assert failed.exit_code != 0  # Alembic: "Can't locate revision identified by …"
    finally:
        with bare.app_context():
            db.engine.dispose()

    refused = runner.invoke(args=["plugins", "remove", "example", "--yes"])
    assert refused.exit_code != 0
    assert "仍有用户持有模块 example 的角色" in refused.output and "reader" in refused.output
    with app.app_context():
        db.session.execute(text("DELETE FROM users WHERE username = 'reader'"))
        db.session.commit()

    result = runner.invoke(args=["plugins", "remove", "example", "--yes"])
    assert result.exit_code == 0, result.output
    assert "1 town switches deleted" in result.output
    with app.app_context():
        assert "example_notes" not in _tables()
        assert not any(v.startswith("example") for v in _versions())
        assert db.session.scalar(db.select(TownModule).filter_by(name="example")) is None
        assert "grids" in _tables()  # the core and the other plugins keep theirs

    bare = _bare_app(app_config)
    try:
        upgraded = bare.test_cli_runner().invoke(args=["db", "upgrade"])
        assert upgraded.exit_code == 0, upgraded.output
    finally:
        with bare.app_context():
            db.engine.dispose()


def test_remove_refuses_a_plugin_that_is_not_loaded(app, runner):
    result = runner.invoke(args=["plugins", "remove", "nonexistent", "--yes"])
    assert result.exit_code != 0 and "not loaded" in result.output


# ---------------------------------------------------------------- deleting a plugin's folder

BUILTIN_NAMES = sorted(path.rsplit(".", 1)[-1] for path in BUILTIN_PLUGINS)

#: Core test files run in the copy without best_grid: the plugin host, the route matrix and the
#: users, which touch every plugin's hooks, roles and records.
CORE_FILES = ["tests/test_users_admin.py", "tests/test_module_gating.py"]

#: The walk of every loaded plugin's records (town B's 404s, five seconds a copy): in the slow
#: copy only, which runs the core files touching every plugin besides.
SLOW_CORE_TESTS = [
    "tests/test_security.py::test_every_route_naming_a_record_of_town_a_is_a_404_for_town_b",
]
#: The few core tests the fast check runs in each copy: they walk every loaded plugin's routes
#: and roles through the testing hooks (a second or two).
FAST_CORE_TESTS = [
    "tests/test_routes.py::test_every_route_is_in_the_matrix",
    "tests/test_least_privilege.py::test_every_role_holds_exactly_its_reviewed_permissions",
    "tests/test_plugins.py::test_hook_testing_roles",
]


def copy_without(plugin: str, tmp_path: Path) -> Path:
    """The repository copied without ``plugins/<plugin>/`` and its line in BUILTIN_PLUGINS: what
    an operator does to remove it (README, "Removing a plugin")."""
    copy = tmp_path / "repo"
    skip = shutil.ignore_patterns(".git", ".venv", "instance", "__pycache__", "bench",
                                  "node_modules", "*.egg-info", ".mypy_cache", ".ruff_cache",
                                  ".pytest_cache", ".hypothesis")
    shutil.copytree(ROOT, copy, ignore=skip)
    shutil.rmtree(copy / "plugins" / plugin)
    plugins_py = copy / "portal" / "plugins.py"
    source = plugins_py.read_text(encoding="utf-8")
    line = re.compile(rf'"plugins\.{plugin}",\s*|,\s*"plugins\.{plugin}"(?=\))')
    assert len(line.findall(source)) == 1, f"plugins.{plugin} is not in BUILTIN_PLUGINS once"
    plugins_py.write_text(line.sub("", source), encoding="utf-8")
    return copy


def pytest_in(copy: Path, *args: str, timeout: int = 900,
              env: dict | None = None) -> subprocess.CompletedProcess:
    """pytest run in the copy, which imports its own portal and plugins, on SQLite files of its
    own."""
    env = {**os.environ, "PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1", **(env or {})}
    env.pop("PORTAL_TEST_DATABASE_URL", None)
    # --assert=plain: rewriting the asserts of the ~200 test modules the copy collects takes
    # five of its eight seconds, and the copy is new each time (nothing cached to reuse); a
    # failure still shows the copy's output, which is what the test prints
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "-p", "no:xdist", "--assert=plain", *args], cwd=copy, env=env, capture_output=True,
                          text=True, timeout=timeout)


def collect_and_run(copy: Path, run_only: list[str]) -> tuple[subprocess.CompletedProcess, str]:
    """One pytest run in the copy: the whole suite collected with every test's fixtures found
    (tests/resolving_fixtures.py), then ``run_only`` run; and the ids collected."""
    collected = copy / "collected.txt"
    ran = pytest_in(copy, "-p", "tests.resolving_fixtures", "-x",
                    env={"PORTAL_COLLECTED": str(collected), "PORTAL_RUN_ONLY": " ".join(run_only)})
    return ran, collected.read_text(encoding="utf-8") if collected.exists() else ""


def check_copy(copy: Path, plugin: str, run_only: list[str], passed: str) -> None:
    """In ``copy`` (the repository without ``plugin``): the whole suite collected with every
    test's fixtures found, the plugin's tests gone, and ``run_only`` passing."""
    ran, collected = collect_and_run(copy, run_only)
    assert ran.returncode == 0, ran.stdout[-5000:] + ran.stderr[-3000:]
    assert len(collected.splitlines()) > 500, "the whole suite was collected"
    assert f"plugins/{plugin}/" not in collected
    assert passed in ran.stdout, ran.stdout[-2000:]


# the copies run on SQLite files of their own whatever the suite's database: once is enough
@pytest.mark.database_independent
@pytest.mark.parametrize("plugin", [name for name in BUILTIN_NAMES if name != "best_grid"])
def test_without_any_one_plugin_every_test_finds_its_fixtures_and_the_core_passes(
        tmp_path, plugin):
    """Fast (about ten seconds a plugin): in a copy without the plugin, the whole suite is
    collected and every test's fixtures are found (a test asking for the plugin's fixtures must
    be marked needs_plugin and is skipped), then a few core tests that walk every plugin run.
    Without best_grid, the slow test below checks the same and more."""
    check_copy(copy_without(plugin, tmp_path), plugin, FAST_CORE_TESTS, "3 passed")


@pytest.mark.database_independent
@pytest.mark.slow_copy
def test_deleting_a_plugins_folder_keeps_the_suite_collectable_and_green(tmp_path):
    """Slow on purpose: in a copy without best_grid, the copy imports its own code, the whole
    suite is collected with every test's fixtures found, and the core test files that touch
    every plugin run besides the fast ones."""
    copy = copy_without("best_grid", tmp_path)
    env = {**os.environ, "PYTHONPATH": str(copy)}
    which = subprocess.run([sys.executable, "-c", "import portal, plugins; "
                            "print(portal.__file__, plugins.__path__[0])"],
                           cwd=copy, env=env, capture_output=True, text=True)
    assert str(copy) in which.stdout and str(ROOT) + "/" not in which.stdout, which.stdout
    check_copy(copy, "best_grid", [*FAST_CORE_TESTS, *CORE_FILES, *SLOW_CORE_TESTS], "passed")


def test_the_plugin_list_is_where_the_copy_test_expects_it():
    source = (Path(ROOT) / "portal" / "plugins.py").read_text("utf-8")
    assert all(f'"plugins.{name}"' in source for name in BUILTIN_NAMES)


# ---------------------------------------------------------------- the core names no plugin role

#: Where the core lives, besides portal/: its tests and templates.
CORE_DIRS = ("portal", "tests", "templates")
TEXT_SUFFIXES = {".py", ".html", ".js", ".txt", ".md", ".cfg", ".toml", ".json", ".ini"}


def _marks_plugin(node: ast.expr, owner: str) -> bool:
    """``needs_plugin("owner", …)``."""
    func = node.func if isinstance(node, ast.Call) else None
    name = getattr(func, "id", None) or getattr(func, "attr", None)
    return name == "needs_plugin" and any(
        isinstance(arg, ast.Constant) and arg.value == owner for arg in node.args)


def _imports_plugin(node: ast.AST, owner: str) -> bool:
    package = f"plugins.{owner}"
    for inner in ast.walk(node):
        if isinstance(inner, ast.ImportFrom) and (inner.module or "").startswith(package):
            return True
        if isinstance(inner, ast.Import) and any(a.name.startswith(package) for a in inner.names):
            return True
    return False


def _plugin_bound_lines(tree: ast.Module, owner: str) -> set[int]:
    """Lines of a module that run only with the plugin ``owner`` installed: a top-level test,
    fixture or class marked ``needs_plugin(owner)`` or importing the plugin, or the whole module
    when its ``pytestmark`` is ``needs_plugin(owner)``."""
    lines: set[int] = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "pytestmark"
                                                for t in node.targets):
            if any(_marks_plugin(n, owner) for n in ast.walk(node.value)):
                return set(range(1, 1 + max(n.end_lineno or 0 for n in tree.body)))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if any(_marks_plugin(d, owner) for d in node.decorator_list) or \
                    _imports_plugin(node, owner):
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                lines.update(range(first, (node.end_lineno or node.lineno) + 1))
    return lines


def test_the_core_names_no_plugins_role(app):
    """A plugin's roles are its own: the core (portal/, templates/) never names one, and the
    core's tests only where the test runs with the plugin alone (marked ``needs_plugin`` or
    importing the plugin), so that deleting the plugin leaves nothing behind. The role names
    come from the registry, not from a list written here."""
    owners = {role: owner for role, owner in host(app).role_owner.items()
              if owner in BUILTIN_NAMES}
    assert owners, "no built-in plugin declares a role: nothing to look for"
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, owners)) + r")\b")
    found = []
    for folder in CORE_DIRS:
        for path in sorted((Path(ROOT) / folder).rglob("*")):
            if path.suffix not in TEXT_SUFFIXES or "__pycache__" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            hits = [(number, match.group(1)) for number, line in enumerate(text.splitlines(), 1)
                    for match in pattern.finditer(line)]
            if not hits:
                continue
            module = ast.parse(text) if path.suffix == ".py" else None
            for number, role in hits:
                bound = _plugin_bound_lines(module, owners[role]) if module else set()
                if number not in bound:
                    found.append(f"{path.relative_to(ROOT)}:{number} names {role} "
                                 f"({owners[role]}'s role)")
    assert not found, "\n".join(found)
