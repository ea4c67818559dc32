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
