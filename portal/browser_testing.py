"""Playwright driving Debian's Chromium against the portal served on loopback: fixtures and
helpers for the core's and the plugins' browser tests.

Outside CI the browser tests skip (with the reason) when no Chromium is installed; under CI=true a
missing browser fails them, so CI can never pass without having run them.
"""
import os
import shutil

import pytest

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def chromium_path() -> str | None:
    for candidate in (os.environ.get("PORTAL_CHROMIUM"), "/usr/bin/chromium",
                      shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but no Chromium found: install Debian's chromium")
        pytest.skip("no Chromium found (apt-get install chromium fonts-wqy-microhei)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip("playwright is not installed (make test installs it)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, tmp_path):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 375, "height": 740},
                                  device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def phone_without_worker(browser):
    """The phone with service workers blocked: the portal's worker (static/js/sw.js) sends a
    controlled page's form posts itself, and Playwright's page.route never sees a worker's own
    requests; a test that inspects what a form sends uses this phone."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 375, "height": 740},
                                  device_scale_factor=2, is_mobile=True, has_touch=True,
                                  service_workers="block")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def kiosk_screen(browser):
    """A touch screen the size of a points-supermarket kiosk."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800},
                                  has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


SCREENSHOTS = os.environ.get("PORTAL_SCREENSHOTS")  # keep copies somewhere to look at them


def shot(page, tmp_path, name):
    """Save a screenshot of what the screen shows (proving the page painted), and a full-page
    one under $PORTAL_SCREENSHOTS to look at; a full page of a long list on a phone costs a
    tenth of a second more, a hundred times a run."""
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    if SCREENSHOTS:
        os.makedirs(SCREENSHOTS, exist_ok=True)
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)
    assert path.stat().st_size > 5000
    return path


def login(page, base, username):
    from portal.testing import PASSWORD

    page.goto(f"{base}/login")
    page.get_by_label("用户名 / 手机号 / 身份证号").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    # the home page, or the role's own start (the kiosk operator's kiosk)
    page.wait_for_url(lambda url: url.startswith(base) and "/login" not in url)


def logout(page):
    """Log out and wait until the login page is back: logging in again before the logout has
    landed would find the session still open (and the login page redirecting home)."""
    page.get_by_role("button", name="退出").click()
    page.wait_for_url("**/login")
    page.get_by_label("用户名 / 手机号 / 身份证号").wait_for()
