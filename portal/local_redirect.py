"""Redirects whose target comes from the request (``next=``, the language switch's page) go
through here: only a path on this site is followed, anything else goes to the fallback.

Browsers are generous with what they take for another site: they drop tabs and newlines
anywhere in a URL (``/\t/evil.example`` is ``//evil.example``), read a backslash as a slash,
and some proxies decode ``%2f`` or fold full-width and other Unicode slashes. So a target is
refused unless, after percent-decoding (repeatedly) and Unicode compatibility folding, it still
is "/" followed by something that is not a second slash or a backslash, with no control,
format or space-like character anywhere. What is followed is then made ASCII (IRI to URI), so
the Location header says exactly what was checked.
"""
import unicodedata
from urllib.parse import unquote, urlsplit

from flask import redirect, url_for
from werkzeug.urls import iri_to_uri

#: Characters some clients or proxies treat as a slash (with NFKC folding the full-width ones):
#: solidus, reverse solidus, division and fraction slashes, set minus, big solidi.
_SLASHES = set("/\\\u2215\u2044\u2216\u29f8\u29f9\u29f5\ufe68")


def _decoded_forms(target: str):
    """The target as written, and each percent-decoding of it (until nothing changes), each
    also folded with Unicode NFKC (full-width solidus to "/", ideographic space to " ")."""
    seen = []
    value = target
    for _round in range(5):
        for form in (value, unicodedata.normalize("NFKC", value)):
            if form not in seen:
                seen.append(form)
        decoded = unquote(value)
        if decoded == value:
            break
        value = decoded
    return seen


def _looks_local(form: str) -> bool:
    if not form.startswith("/") or (len(form) > 1 and form[1] in _SLASHES):
        return False
    if any(unicodedata.category(char)[0] == "C" for char in form):
        return False  # tab, newline, other controls, zero-width and direction marks
    path = form.split("?", 1)[0].split("#", 1)[0]
    if any(char == "\\" or char.isspace() or unicodedata.category(char)[0] == "Z"
           for char in path):
        return False  # (a search in the query may hold spaces; the path may not)
    split = urlsplit(form)
    return not split.scheme and not split.netloc


def local_target(target: str | None) -> str | None:
    """``target`` as a local path (with its query) when it is one, else None."""
    if not target or len(target) > 2048:
        return None
    if not all(_looks_local(form) for form in _decoded_forms(target)):
        return None
    uri = iri_to_uri(target)
    return uri if all(_looks_local(form) for form in _decoded_forms(uri)) else None


def redirect_local(target: str | None, fallback: str = "home.index"):
    """A redirect to ``target`` when it is a path on this site, else to ``fallback``'s page."""
    return redirect(local_target(target) or url_for(fallback))
