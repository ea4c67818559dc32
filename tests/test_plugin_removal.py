"""Removing a plugin is a supported operation: `portal plugins remove NAME` takes it out of the
database (its migration branch rolled back, its town switches deleted) so that `portal db upgrade`
works once it is gone, and deleting a plugin's folder leaves the suite collectable and green."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from portal import ROOT, create_app
from portal.extensions import db
from portal.modules.models import TownModule
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

#: Core test files run in the copy without best_grid: the plugin host, the route matrix and the
#: users, which touch every plugin's hooks, roles and records.
CORE_FILES = ["tests/test_users_admin.py", "tests/test_module_gating.py"]


@pytest.mark.slow_copy
def test_deleting_a_plugins_folder_keeps_the_suite_collectable_and_green(tmp_path):
    """Slow on purpose (a copy of the repository and two pytest runs in a subprocess): it is the
    only proof that removal by deleting a folder works."""
    copy = tmp_path / "repo"
    skip = shutil.ignore_patterns(".git", ".venv", "instance", "__pycache__", "bench", "node_modules",
                                  "*.egg-info")
    shutil.copytree(ROOT, copy, ignore=skip)
    shutil.rmtree(copy / "plugins" / "best_grid")
    plugins_py = copy / "portal" / "plugins.py"
    source = plugins_py.read_text(encoding="utf-8")
    assert '"plugins.best_grid"' in source
    plugins_py.write_text(source.replace(', "plugins.best_grid"', "").replace(
        '"plugins.best_grid", ', ""), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PORTAL_TEST_DATABASE_URL", None)  # the copy's tests get SQLite files of their own

    def pytest_in_copy(*args):
        return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                               *args], cwd=copy, env=env, capture_output=True, text=True,
                              timeout=900)

    which = subprocess.run([sys.executable, "-c", "import portal, plugins; "
                            "print(portal.__file__, plugins.__path__[0])"],
                           cwd=copy, env=env, capture_output=True, text=True)
    assert str(copy) in which.stdout and str(ROOT) + "/" not in which.stdout, which.stdout
    collected = pytest_in_copy("--collect-only")
    assert collected.returncode == 0, collected.stdout[-3000:] + collected.stderr[-3000:]
    assert "plugins/best_grid/" not in collected.stdout
    ran = pytest_in_copy("-x", *CORE_FILES)
    assert ran.returncode == 0, ran.stdout[-5000:] + ran.stderr[-3000:]


def test_the_plugin_list_is_where_the_copy_test_expects_it():
    assert '"plugins.best_grid"' in (Path(ROOT) / "portal" / "plugins.py").read_text("utf-8")
