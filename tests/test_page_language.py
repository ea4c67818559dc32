"""Every page speaks the visitor's language: no Chinese on an English page, no stray English on a
Chinese one, except in the data the page shows.

Every GET page of the core (tests/test_routes.py ROUTES) and of every plugin (its
``testing_routes`` table and world, all modules switched on in town A) is fetched as a visitor who
may see it, first in English and then in Chinese; so is each refused form (a POST whose rule
answers 4xx: the messages next to the fields), the home page of every role and the error pages.

Data is what the page shows from the database: every string value of every text column of every
row of the test database (and the values inside the JSON ones) is removed from the visible text
before it is checked; the tree's names are Chinese (文星镇, 张三丰 …), so a Chinese word left on an
English page is the interface's. Form values (<input value>, <textarea>) are data too. Visible
text is the text nodes outside <script>/<style> and the attributes a person reads (title,
placeholder, aria-label, alt, data-confirm), found with an HTML parser.

In Chinese a word of three or more Latin letters is untranslated English unless it is data or in
ALLOWED_WORDS. Codes (``case.supervise``, ``hazard``, ``Case``) stay visible although stored in the
database: a page that shows them raw, as the audit log did, is what this test is for.
"""
import json
import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import JSON, String, Text, select

from portal.extensions import db
from portal.plugin_testing import plugin_routes
from portal.testing import PUBLIC, VISITORS, expected_status, routes_of
from tests.test_routes import ROUTES, build_url, case, key_person, staff  # noqa: F401  (fixtures)

# the words on the pages: the same on any database
pytestmark = pytest.mark.database_independent

#: Chinese characters and the full-width punctuation that goes with them (：（），。、《》「」).
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]+")
#: A Latin word, with the digits and joiners of a name like ``Open311`` or ``address_id``.
LATIN_WORD = re.compile(r"(?<![\w'-])[A-Za-z][\w'-]*", re.ASCII)
#: Addresses and e-mail addresses are not words to translate.
ADDRESS = re.compile(r"(?:https?://|/)[\w./?=&%#:-]*|[\w.+-]+@[\w.-]+")
#: A stored value that is a code the interface must translate rather than show (``hazard``,
#: ``case.supervise``, ``Case``): it stays in the text checked in Chinese.
CODE = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[._][A-Za-z0-9]+)*")

#: Latin words a Chinese page may show: names of things that have no Chinese name, and units.
ALLOWED_WORDS = {
    "GridPortal",                              # the product
    "Open311", "GeoReport", "GeoJSON",         # standards the portal speaks
    "PDF", "Excel", "xlsx", "CSV", "JSON", "API", "URL", "JPG", "JPEG", "PNG", "EXIF", "GPS",
    "OpenStreetMap",                           # the map's tiles, credited by name
    "Webhook",                                 # WeCom's own Chinese name of a robot's address
    "FeatureCollection", "WGS84", "EPSG",      # GeoJSON's terms, in the boundary import's help
    "zsf",                                     # pinyin initials: the people search's own example
}
#: Attributes whose text a person reads (a tooltip, a field's hint, a screen reader's label, a
#: confirmation dialog).
READ_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "data-confirm"}
#: Which of several visitors who may open a page opens it: those with the most on their pages.
PREFERENCE = ["town_admin", "village_admin", "grid_worker", "county_admin"]


class VisibleText(HTMLParser):
    """The text a person reads on a page in ``lang``: text nodes and READ_ATTRIBUTES, not scripts,
    styles or what a form field holds (its value is data), nor what the page marks as not to be
    translated: an element with ``translate="no"`` (a name's first character standing for a
    photo), in another language (``lang="zh-CN"``: the language switch names each language in
    itself) or literal (<code>, <kbd>, <samp>: a field name, a command)."""

    SKIP = {"script", "style", "textarea", "code", "kbd", "samp", "template"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
            "source", "track", "wbr"}

    def __init__(self, lang: str):
        super().__init__(convert_charrefs=True)
        self.lang = lang
        self.parts: list[str] = []
        self.open: list[tuple[str, bool]] = []  # (tag, skipped) of the elements open here

    @property
    def skipping(self) -> bool:
        return bool(self.open) and self.open[-1][1]

    def _skipped(self, tag, attributes) -> bool:
        lang = (attributes.get("lang") or self.lang).replace("-", "_").lower()
        return (tag in self.SKIP or attributes.get("translate") == "no"
                or not lang.startswith(self.lang[:2]))

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        skipped = self.skipping or self._skipped(tag, attributes)
        if not skipped:
            for name in sorted(READ_ATTRIBUTES & set(attributes)):
                self.parts.append(attributes[name] or "")
            if tag == "input" and attributes.get("type") in ("submit", "button", "reset"):
                self.parts.append(attributes.get("value") or "")
        if tag not in self.VOID:
            self.open.append((tag, skipped))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if any(name == tag for name, _ in self.open):
            while self.open and self.open.pop()[0] != tag:
                pass

    def handle_data(self, data):
        if not self.skipping and data.strip():
            self.parts.append(data)


def visible_text(html: str, lang: str = "en") -> list[str]:
    parser = VisibleText(lang)
    parser.feed(html)
    parser.close()
    return [part.strip() for part in parser.parts if part.strip()]


def _leaves(value):
    """The strings inside a stored value (a JSON column's, or a text column holding JSON)."""
    if isinstance(value, str):
        try:
            parsed = json.loads(value) if value[:1] in "{[" else None
        except ValueError:
            parsed = None
        if parsed is None:
            yield value
        else:
            yield from _leaves(parsed)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _leaves(item)
    elif value is not None and not isinstance(value, bool):
        yield str(value)


def stored_strings() -> tuple[set[str], set[str]]:
    """(every string in the database, those of them that are data rather than codes)."""
    every, data = set(), set()
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
        if not columns:
            continue
        for row in db.session.execute(select(*columns)):
            for column, value in zip(columns, row, strict=True):
                for leaf in _leaves(value):
                    leaf = leaf.strip()
                    if not leaf:
                        continue
                    every.add(leaf)
                    # a code stays (the page must translate it), but a user's name is a name
                    nested = not isinstance(value, str) or leaf != value.strip()
                    if nested or column.name == "username" or not CODE.fullmatch(leaf):
                        data.add(leaf)
    return every, data


def stripper(strings: set[str]):
    """A function that removes every occurrence of ``strings`` from a text, longest first."""
    ordered = sorted((s for s in strings if s), key=len, reverse=True)
    # whole values only: a stored "311" is not taken out of "Open311"
    pattern = re.compile("(?<![A-Za-z0-9])(?:" + "|".join(map(re.escape, ordered))
                         + ")(?![A-Za-z0-9])") if ordered else None
    return (lambda text: pattern.sub(" ", text)) if pattern else (lambda text: text)


def english_faults(parts: list[str], strip) -> list[str]:
    return [part for part in parts if CJK.search(strip(part))]


def chinese_faults(parts: list[str], strip) -> list[str]:
    faults = []
    for part in parts:
        left = ADDRESS.sub(" ", strip(part))
        words = [w for w in LATIN_WORD.findall(left)
                 if len(re.findall("[A-Za-z]", w)) >= 3 and w not in ALLOWED_WORDS]
        if words:
            faults.append(f"{part!r} ({', '.join(words)})")
    return faults


# ---------------------------------------------------------------- the pages


def visitor_for(rule, endpoint) -> str | None | bool:
    """Who opens the page: an anonymous visitor for a public page, else the first visitor of
    PREFERENCE (then of the others) it lets in; False when nobody may."""
    if rule.access == PUBLIC:
        return None
    others = [v for v in VISITORS if v and v not in PREFERENCE and v != "b_town_admin"]
    for visitor in PREFERENCE + others:
        if expected_status(rule, visitor, endpoint) == rule.ok:
            return visitor
    return False


def pages(app, tree, staff, key_person, case):  # noqa: F811  (the fixtures' values)
    """(visitor, method, url, form data) of every page to read."""
    from flask import url_for

    def core(endpoint, arguments):
        return build_url(app, tree, staff, key_person, case, endpoint, arguments)

    tables = [(None, ROUTES, core)]
    for name, routes in plugin_routes(app).items():
        world = routes.world(tree)
        tables.append((name, routes.table, routes.build(app, world)))
    found = []
    for plugin, table, build in tables:
        for (endpoint, method), arguments in sorted(routes_of(app, plugin).items()):
            rule = table.get((endpoint, method))
            if rule is None or endpoint.endswith(".static"):
                continue
            if method == "GET" and rule.ok == 200 or method == "POST" and 400 <= rule.ok < 500:
                visitor = visitor_for(rule, endpoint)
                if visitor is not False:
                    found.append((visitor, method, build(endpoint, arguments), dict(rule.data)))
    with app.test_request_context():
        home, modules = url_for("home.index"), url_for("admin.modules_page")
    found += [(visitor, "GET", home, {}) for visitor in VISITORS if visitor]
    found += [(None, "GET", "/no-such-page", {}), ("grid_worker", "GET", modules, {})]
    db.session.commit()
    return found


def read_every_page(app, client, found, lang: str):
    """url -> the visible text of its page, read in ``lang``."""
    texts = {}
    order = sorted(found, key=lambda page: (page[0] or "", page[1] == "POST"))
    current = "not yet"
    for visitor, method, url, data in order:
        if visitor != current:
            if current not in ("not yet", None):
                client.logout()
            if visitor:
                client.login(visitor)
            client.post("/language", data={"lang": lang})
            current = visitor
        response = client.get(url) if method == "GET" else client.post(url, data=data)
        if "text/html" not in response.content_type:
            continue
        key = f"{method} {url} ({visitor or 'anonymous'}, {response.status_code})"
        texts[key] = visible_text(response.get_data(as_text=True), lang)
    return texts


@pytest.fixture
def plugins_extra():
    """Not the example plugin of the core's tests: a fixture, not a module anyone uses."""
    return []


@pytest.fixture
def every_page(app, client, tree, staff, key_person, case):  # noqa: F811
    return pages(app, tree, staff, key_person, case)


def report(faults: dict[str, list[str]]) -> str:
    return "\n".join(f"{page}:\n    " + "\n    ".join(sorted(set(found))[:12])
                     for page, found in sorted(faults.items()))


def test_english_pages_show_no_chinese_but_data(app, client, every_page):
    texts = read_every_page(app, client, every_page, "en")
    every, _data = stored_strings()
    strip = stripper(every)
    assert len(texts) > 100  # the walk reached the pages
    faults = {page: found for page, parts in texts.items() if (found := english_faults(parts, strip))}
    assert not faults, "Chinese on English pages:\n" + report(faults)


def test_chinese_pages_show_no_english_but_data(app, client, every_page):
    texts = read_every_page(app, client, every_page, "zh_CN")
    _every, data = stored_strings()
    strip = stripper(data)
    assert len(texts) > 100
    faults = {page: found for page, parts in texts.items() if (found := chinese_faults(parts, strip))}
    assert not faults, "English on Chinese pages:\n" + report(faults)


# ---------------------------------------------------------------- the checker itself


def test_the_checker_sees_what_a_person_reads():
    html = ('<html><head><title>登录</title><script>var x = "脚本";</script></head><body>'
            '<p title="提示">Name：<b>张三</b></p><input value="数据" placeholder="Search">'
            '<textarea>备注</textarea><input type="submit" value="保存"><br/>'
            '<span translate="no">张</span><button lang="zh-CN">中文</button> <code>x_id</code>'
            '<p>Done<br>.</p></body></html>')
    assert visible_text(html) == ["登录", "提示", "Name：", "张三", "Search", "保存", "Done", "."]
    strip = stripper({"张三"})
    assert english_faults(["Name：", "张三", "Owner: 张三"], strip) == ["Name："]
    assert chinese_faults(["张三户", "案件 case.supervise", "导出 Excel", "见 https://x.cn/a"],
                          stripper({"张三"})) == ["'案件 case.supervise' (case, supervise)"]
