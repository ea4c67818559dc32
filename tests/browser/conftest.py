"""Browser tests: the fixtures (Playwright driving Debian's Chromium) live in
portal.browser_testing so that plugins' browser tests share them."""
import pytest


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
