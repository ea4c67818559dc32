"""Compiling the translation catalogues (.po → .mo), for `make` and for the test session; and the
punctuation that goes between translated words and data.

A label and its value, a name and what it belongs to, a list of names: Chinese writes them with
full-width punctuation (``住址：城西路1号``, ``张三（第一网格）``, ``张三、李四``), English with its
own (``Address: 城西路1号``, ``Zhang San (Grid 1)``, ``Zhang San, Li Si``). Templates and code
put ``colon()``, ``paren(text)`` and ``comma()`` there, never the Chinese characters themselves
(tests/test_page_language.py finds them on English pages).
"""
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from babel import support
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, g, has_request_context, request
from flask_babel import Domain, get_locale
from markupsafe import Markup

TRANSLATIONS = Path(__file__).parent / "translations"


def chinese() -> bool:
    """Whether this request's page is in Chinese (the command line's default language is)."""
    locale = get_locale() if has_request_context() else None
    return locale is None or locale.language == "zh"


def colon() -> str:
    """Between a label and its value: ``住址：…`` / ``Address: …``."""
    return "：" if chinese() else ": "


def comma() -> str:
    """Between the items of a list of names: ``张三、李四`` / ``Zhang San, Li Si``."""
    return "、" if chinese() else ", "


def semicolon() -> str:
    """Between messages, e.g. a field's errors: ``不能为空；须为数字`` / ``Required; a number``."""
    return "；" if chinese() else "; "


def paren(text: object) -> str:
    """What something belongs to, after its name: ``张三（第一网格）`` / ``张三 (第一网格)``."""
    return f"（{text}）" if chinese() else f" ({text})"


def listing(items: Iterable[object]) -> str:
    """The items joined by comma()."""
    return comma().join(str(item) for item in items)


def code_tag(text: object) -> Markup:
    """A literal name inside a translated sentence (a field of a file format): ``<code>``, which
    the page-language test leaves alone."""
    return Markup("<code>{}</code>").format(text)


@lru_cache(maxsize=8)
def _wtforms_catalogue(locale: str) -> support.NullTranslations:
    from wtforms.i18n import messages_path

    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class _WTFormsMessages:
    """WTForms' own messages ("Not a valid integer value.") in the page's language, read from
    their catalogue once per process and language: Flask-WTF reads and parses the catalogue
    again on every request that makes a form (half a millisecond)."""

    def ugettext(self, string: str) -> str:
        return _wtforms_catalogue(str(get_locale())).ugettext(string)

    def ungettext(self, singular: str, plural: str, n: int) -> str:
        return _wtforms_catalogue(str(get_locale())).ungettext(singular, plural, n)


_WTFORMS_MESSAGES = _WTFormsMessages()


def keep_wtforms_messages() -> None:
    """before_request: Flask-WTF looks for the request's catalogue here first
    (flask_wtf.i18n._get_translations) and loads it only when missing."""
    request.wtforms_translations = _WTFORMS_MESSAGES  # type: ignore[attr-defined]


class RequestDomain(Domain):
    """Flask-Babel's domain, keeping the request's catalogue on the request. Flask-Babel finds
    the locale, spells its name and looks the catalogue up again for each of a page's ~200
    strings (a tenth of a light page's Python). It is kept where Flask-Babel's own
    ``force_locale`` and ``refresh`` already clear and restore it (``babel_translations`` of the
    request's Babel context), so a message in another user's language still gets theirs."""

    def get_translations(self) -> support.NullTranslations:
        context = g.get("_flask_babel") if g else None
        kept = getattr(context, "babel_translations", None)
        if kept is not None:
            return kept
        translations = super().get_translations()
        context = g.get("_flask_babel") if g else None  # made by the lookup when missing
        if context is not None:
            context.babel_translations = translations
        return translations


def init_app(app: Flask) -> None:
    from portal.extensions import babel

    # Flask-Babel's default domain is a cached property of the extension: set it first
    if not isinstance(babel.__dict__.get("domain_instance"), RequestDomain):
        babel.domain_instance = RequestDomain(domain=app.config.get(
            "BABEL_DOMAIN", "messages"))
    app.jinja_env.globals.update(colon=colon, comma=comma, paren=paren, semicolon=semicolon,
                                 code_tag=code_tag)
    app.add_template_filter(listing, "listing")
    app.before_request(keep_wtforms_messages)


def compile_catalogues(directories: tuple[Path, ...] = (TRANSLATIONS,),
                      force: bool = False) -> list[Path]:
    """Compile every messages.po under ``directories`` whose .mo is missing or older."""
    written = []
    for directory in directories:
        for po_path in Path(directory).glob("*/LC_MESSAGES/messages.po"):
            mo_path = po_path.with_suffix(".mo")
            if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                continue
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file)
            with mo_path.open("wb") as mo_file:
                write_mo(mo_file, catalog)
            written.append(mo_path)
    return written


if __name__ == "__main__":  # `python -m portal.i18n`, run by `make`
    for path in compile_catalogues(force=True):
        print(f"compiled {path}")
