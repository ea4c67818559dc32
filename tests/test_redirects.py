"""Redirects whose target comes from the request go only to a path on this site.

Every such redirect (the login's ``next=``, the language switch's ``next``, for anonymous and
logged-in visitors) is tried with the usual bypass list; and a scan of the source fails on any
``redirect(...)`` or ``HX-Redirect`` whose target is not built by ``url_for`` or checked by
``portal.local_redirect``, so a new one cannot slip past the helper.
"""
import ast
import unicodedata
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

from portal.local_redirect import local_target
from portal.testing import PASSWORD

ROOT = Path(__file__).resolve().parent.parent

#: Targets that must never leave the site (raw values, as the form field or query holds them).
BYPASSES = [
    "//evil.example/", "///evil.example/", "////evil.example", "/\\evil.example/",
    "\\\\evil.example/", "\\/evil.example", "/\t/evil.example/", "/\n/evil.example/",
    "\t//evil.example/", "/\r\n/evil.example", "//evil.example\t/", "/%09/evil.example/",
    "%2f%2fevil.example", "/%2f%2fevil.example", "/%2F/evil.example", "/%5cevil.example",
    "/%5c%5cevil.example", "%5c%5cevil.example", "/%0d%0a/evil.example", "/%0a/evil.example",
    "/%252f%252fevil.example", "/%25%32%66/evil.example", "javascript:alert(1)",
    "JavaScript:alert(1)", " javascript:alert(1)", "javascript://%0aalert(1)",
    "data:text/html,<script>alert(1)</script>", "http:evil.example", "https:evil.example",
    "http://evil.example/", "https://evil.example/", "HTTPS://evil.example", "//evil.example@x/",
    "/／evil.example", "／／evil.example", "/\uff3cevil.example", "/\u2215evil.example",
    "/\u200b/evil.example", "/\u3000/evil.example", "/\u2028/evil.example",
    "evil.example", "?next=//evil.example", "#//evil.example", "",
]

#: Local targets that are followed as they are (percent-encoded where not ASCII).
LOCAL = {"/grids/": "/grids/", "/people/?q=张三": "/people/?q=%E5%BC%A0%E4%B8%89",
         "/cases/?state=open&page=2": "/cases/?state=open&page=2",
         "/people/?q=a b": "/people/?q=a%20b", "/": "/"}


def assert_local(location: str, target: str):
    assert location, target
    assert location.isascii() and location.isprintable(), (target, location)
    assert location.startswith("/") and location[1:2] not in ("/", "\\"), (target, location)
    assert "\\" not in unquote(location).split("?")[0], (target, location)
    resolved = urlsplit(urljoin("http://portal.test/here/", location))
    assert resolved.scheme == "http" and resolved.netloc == "portal.test", (target, location)


def _login_next(client, target):
    return client.post("/login", query_string={"next": target},
                       data={"login": "town_admin", "password": PASSWORD})


def _language_anonymous(client, target):
    return client.post("/language", data={"lang": "zh_CN", "next": target})


def _language_logged_in(client, target):
    if client.get("/").status_code != 200:
        client.login("grid_worker")
    return client.post("/language", data={"lang": "zh_CN", "next": target})


#: Every redirect of the portal whose target comes from the request.
REDIRECTS = {"login next=": _login_next, "language switch (anonymous)": _language_anonymous,
             "language switch (logged in)": _language_logged_in}


@pytest.mark.parametrize("name", REDIRECTS)
def test_every_bypass_lands_on_a_local_page(app, tree, name):
    go = REDIRECTS[name]
    for target in BYPASSES:
        client = app.test_client()
        response = go(client, target)
        assert response.status_code == 302, (name, target)
        assert_local(response.location, target)
        assert response.location == "/", (name, target, response.location)  # the fallback
        if name == "login next=":
            client.post("/logout")


@pytest.mark.parametrize("name", REDIRECTS)
def test_local_targets_are_followed(app, tree, name):
    go = REDIRECTS[name]
    for target, location in LOCAL.items():
        client = app.test_client()
        response = go(client, target)
        assert response.location == location, (name, target)
        if name == "login next=":
            client.post("/logout")


def test_a_raw_query_string_with_an_encoded_tab_is_refused(client, tree):
    """``/%09/evil.example/`` in the query arrives as a tab: a browser would drop it and go to
    //evil.example/."""
    response = client.post("/login?next=/%09/evil.example/",
                           data={"login": "town_admin", "password": PASSWORD})
    assert response.location == "/"


def test_the_helper_refuses_what_folds_or_decodes_to_another_site():
    for target in BYPASSES:
        assert local_target(target) is None, repr(target)
        folded = unicodedata.normalize("NFKC", unquote(unquote(target)))
        assert local_target(folded) is None, repr(folded)
    for target, location in LOCAL.items():
        assert local_target(target) == location


# ------------------------------------------------------------------------------- the source scan

#: Calls that build a target on this site.
SAFE_BUILDERS = {"url_for", "local_target", "redirect_local"}

#: portal.web's helpers redirect to their ``then=`` argument: their own redirect is judged at
#: each call, where ``then`` must be built by url_for (directly, in a lambda, or in a variable).
REDIRECT_HELPERS = {"submit_form", "run_action"}


def _call_name(node) -> str | None:
    if isinstance(node, ast.Call):
        func = node.func
        return func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    return None


def _safe(node, assignments) -> bool:
    """A target built by url_for (or the local-path helper), directly or through a variable
    every assignment of which is such a call."""
    if _call_name(node) in SAFE_BUILDERS:
        return True
    if isinstance(node, ast.Lambda):  # then=lambda item: url_for(..., id=item.id)
        return _safe(node.body, assignments)
    if isinstance(node, ast.IfExp):
        return _safe(node.body, assignments) and _safe(node.orelse, assignments)
    if isinstance(node, ast.BoolOp):  # checked_target or url_for(...)
        return all(_safe(value, assignments) for value in node.values)
    if isinstance(node, ast.Name):
        values = assignments.get(node.id, [])
        return bool(values) and all(_call_name(v) in SAFE_BUILDERS for v in values)
    return False


def redirect_targets(source: str):
    """(line, safe?) for each redirect(...) call and each HX-Redirect/HX-Location header value
    in ``source``, judged within its function."""
    tree = ast.parse(source)
    found = []  # a call is judged in its function and in the module: both must find it safe
    helpers = {node for function in ast.walk(tree)
               if isinstance(function, ast.FunctionDef) and function.name in REDIRECT_HELPERS
               for node in ast.walk(function)}
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)):
            continue
        assignments = {}
        for node in ast.walk(function):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        assignments.setdefault(target.id, []).append(node.value)
        for node in ast.walk(function):
            if _call_name(node) == "redirect" and node.args and node not in helpers:
                found.append((node.lineno, _safe(node.args[0], assignments)))
            if _call_name(node) in REDIRECT_HELPERS:
                for keyword in node.keywords:
                    if keyword.arg == "then":
                        found.append((node.lineno, _safe(keyword.value, assignments)))
            if isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values):
                    if isinstance(key, ast.Constant) and key.value in ("HX-Redirect",
                                                                       "HX-Location", "Location"):
                        found.append((node.lineno, _safe(value, assignments)))
    lines = {}
    for line, safe in found:
        lines[line] = lines.get(line, True) and safe
    return sorted(lines.items())


def test_every_redirect_target_is_built_by_url_for_or_checked():
    unsafe, seen = set(), set()
    for path in [*ROOT.joinpath("portal").rglob("*.py"), *ROOT.joinpath("plugins").rglob("*.py")]:
        if "tests" in path.parts:
            continue
        for line, safe in redirect_targets(path.read_text()):
            seen.add((path, line))
            if not safe:
                unsafe.add(f"{path.relative_to(ROOT)}:{line}")
    assert len(seen) > 20  # the scan sees the portal's redirects
    assert not unsafe, "redirect targets not from url_for or portal.local_redirect: " + \
        ", ".join(sorted(unsafe))


def test_the_scan_catches_a_redirect_to_a_request_value():
    bad = ("from flask import redirect, request\n"
           "def view():\n    return redirect(request.args.get('next') or '/')\n"
           "def other():\n    target = request.referrer\n    return redirect(target)\n"
           "def hx():\n    return '', 204, {'HX-Redirect': request.form['to']}\n")
    assert [safe for _line, safe in redirect_targets(bad)] == [False, False, False]
    good = ("from flask import redirect, url_for\n"
            "def view():\n    target = url_for('home.index')\n    return redirect(target)\n")
    assert [safe for _line, safe in redirect_targets(good)] == [True]


def test_the_scan_judges_the_form_helpers_at_each_call():
    """submit_form/run_action redirect to ``then``: a caller passing a request value is caught,
    one passing url_for (or a lambda building it) is not; the helpers themselves exist."""
    bad = ("from portal.web import run_action, submit_form\n"
           "def view():\n    return run_action(work, done=None, then=request.referrer)\n"
           "def other():\n"
           "    return submit_form(form, save, done='', then=lambda c: request.args['n'],"
           " page=page)\n")
    assert [safe for _line, safe in redirect_targets(bad)] == [False, False]
    good = ("from portal.web import run_action\n"
            "def view():\n"
            "    return run_action(work, done=None, then=lambda c: url_for('c.show', id=c.id))\n")
    assert [safe for _line, safe in redirect_targets(good)] == [True]
    helpers = {node.name for node in ast.walk(ast.parse(ROOT.joinpath("portal/web.py")
                                                        .read_text()))
               if isinstance(node, ast.FunctionDef)}
    assert REDIRECT_HELPERS <= helpers
