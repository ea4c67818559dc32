"""Views read a submitted form through a WTForms form (validated, CSRF-checked, its refusal
shown beside the field with 422), or take the choice from the URL (an endpoint per button):
never ``request.form`` field by field. This source test keeps it so for the core and every
plugin; a module that must read the raw form names its reason here."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Modules that read request.form themselves, and why.
RAW_FORM_ALLOWED = {
    "portal/cases/open311.py": "the Open311 GeoReport v2 API: a published protocol whose clients "
                               "post its own field names and get its own error format, not a page",
    "portal/request_guard.py": "the guard that refuses malformed input in every request before "
                               "any view (it reads every field by design)",
    "portal/offline/replay.py": "the idempotency key a phone's upload queue adds to a form, read "
                                "before the view builds its form to answer a repeat with the "
                                "first record (the kiosk basket's rule)",
}


def _sources():
    for top in ("portal", "plugins"):
        for path in sorted((ROOT / top).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/tests/" in relative or "/migrations/" in relative:
                continue
            yield relative, path


def raw_form_reads(source: str) -> list[int]:
    """Lines of ``request.form`` (also ``flask.request.form``) in ``source``."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr == "form":
            owner = node.value
            name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", None)
            if name == "request":
                lines.append(node.lineno)
    return lines


def test_the_check_finds_a_raw_read():
    assert raw_form_reads("from flask import request\nx = request.form.get('a')\n") == [2]
    assert raw_form_reads("import flask\nx = flask.request.form['a']\n") == [2]
    assert raw_form_reads("x = form.name.data\ny = request.args.get('q')\n") == []


def test_no_view_reads_request_form_directly():
    found = {relative: lines for relative, path in _sources()
             if (lines := raw_form_reads(path.read_text(encoding="utf-8")))}
    unexpected = {path: lines for path, lines in found.items() if path not in RAW_FORM_ALLOWED}
    assert not unexpected, (
        f"request.form read in {unexpected}: use a WTForms form (portal.web.submit_form) or an "
        "endpoint per button (portal.web.run_action); only if the raw form is the point, "
        "add the module to RAW_FORM_ALLOWED with its reason")
    stale = set(RAW_FORM_ALLOWED) - set(found)
    assert not stale, f"RAW_FORM_ALLOWED names modules that no longer read request.form: {stale}"
