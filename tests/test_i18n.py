"""Every string the interface shows has an English translation with the same placeholders."""
import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from portal import ROOT

METHOD_MAP = [("portal/**.py", "python"), ("plugins/**.py", "python"),
              ("templates/**.html", "jinja2"), ("plugins/**/templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "_l": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _source_messages() -> set[str]:
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), METHOD_MAP, keywords=KEYWORDS):
        found.add(message if isinstance(message, str) else message[0])
    return found


def _catalog(locale="en"):
    path = Path(ROOT, "portal", "translations", locale, "LC_MESSAGES", "messages.po")
    with path.open("rb") as handle:
        return read_po(handle)


def test_every_message_has_an_english_translation():
    catalog = _catalog()
    missing = sorted(m for m in _source_messages()
                     if not catalog.get(m) or not catalog.get(m).string or catalog.get(m).fuzzy)
    assert not missing, "untranslated (run `make messages` and translate):\n" + "\n".join(missing)


def test_translations_keep_their_placeholders():
    for message in _catalog():
        if message.id and message.string:
            assert sorted(PLACEHOLDER.findall(str(message.id))) == \
                sorted(PLACEHOLDER.findall(str(message.string))), message.id


def test_english_pages(client, tree):
    client.post("/language", data={"lang": "en"})
    client.login("town_admin")
    page = client.get(f"/grids/{tree.village_a1.id}").get_data(as_text=True)
    assert "Households" in page or "households" in page
    assert "下级" not in page and "网格人员" not in page


def test_the_catalogue_kept_on_the_request_follows_force_locale(app):
    """The request keeps its catalogue (portal.i18n.RequestDomain); a message written in another
    user's language inside it (force_locale) is in theirs, and the page's own after it."""
    from flask import render_template_string
    from flask_babel import force_locale, gettext as _, lazy_gettext as _l

    from portal.i18n import RequestDomain
    from portal.extensions import babel

    assert isinstance(babel.domain_instance, RequestDomain)
    label = _l("首页")
    with app.test_request_context("/"):
        assert _("首页") == "首页" and str(label) == "首页"
        with force_locale("en"):
            assert _("首页") == "Home" and str(label) == "Home"
            assert render_template_string("{{ _('首页') }}") == "Home"
        assert _("首页") == "首页" and render_template_string("{{ _('首页') }}") == "首页"
