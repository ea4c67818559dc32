"""A pytest plugin for the plugin-removal copies (tests/test_plugin_removal.py): what
``--setup-plan`` checks, in the same run as the tests that then run.

Every collected test must find each fixture it asks for (``--setup-plan`` fails the same way
when one is missing), unless it is skipped (``needs_plugin`` of a plugin that is gone); the ids
of the collected tests are written to $PORTAL_COLLECTED; then only the tests named in
$PORTAL_RUN_ONLY (space-separated ids or files) run. One process per copy instead of two: the
collection of the whole suite is a third of a copy's time.
"""
import os

import pytest


def _skipped(item) -> bool:
    if item.get_closest_marker("skip"):
        return True
    return any(mark.args and mark.args[0] is True for mark in item.iter_markers("skipif"))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    missing = []
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        if info is None or _skipped(item):
            continue
        missing += [f"{item.nodeid}: fixture '{name}' not found"
                    for name in info.names_closure
                    if name != "request" and name not in info.name2fixturedefs]
    if missing:
        raise pytest.UsageError("tests whose fixtures are gone:\n" + "\n".join(missing))
    with open(os.environ["PORTAL_COLLECTED"], "w", encoding="utf-8") as collected:
        collected.write("\n".join(item.nodeid for item in items))
    run_only = os.environ["PORTAL_RUN_ONLY"].split()
    chosen = [item for item in items
              if item.nodeid in run_only or item.nodeid.split("::")[0] in run_only]
    config.hook.pytest_deselected(items=[item for item in items if item not in chosen])
    items[:] = chosen
