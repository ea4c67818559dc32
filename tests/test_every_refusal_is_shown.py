"""Every form the route tables say is refused when sent empty (ok=422: the core's
tests/test_routes.py and each plugin's own, through ``testing_routes``) says why on the page it
answers: as a whole page and as the htmx fragment. A 422 whose page holds no error message (no
``.errors`` list with text, no ``.flash-error``, no ``role="alert"``) would be a form that is
refused in silence. tests/browser/test_every_htmx_form.py sends the htmx forms in a browser."""
from html.parser import HTMLParser

from portal.plugin_testing import plugin_routes
from portal.testing import PUBLIC, expected_status, tree_users
from tests.test_routes import ROUTES, build_url, case, key_person, staff  # noqa: F401 (fixtures)

ANONYMOUS = "(anonymous)"


class Messages(HTMLParser):
    """The text of every error message in a page: elements with the class ``errors`` or
    ``flash-error``, or the role ``alert``."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
            "track", "wbr"}

    def __init__(self):
        super().__init__()
        self.depth = 0  # open elements inside a message
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        values = dict(attrs)
        classes = (values.get("class") or "").split()
        if self.depth or {"errors", "flash-error"} & set(classes) or values.get("role") == "alert":
            if not self.depth:
                self.found.append("")
            self.depth += 1

    def handle_endtag(self, tag):
        if self.depth and tag not in self.VOID:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.found[-1] += data.strip()


def messages(html: str) -> list[str]:
    parser = Messages()
    parser.feed(html)
    return [text for text in parser.found if text]


def _forms_and_pages(app, tree, staff, key_person, case):
    """(endpoint, URL, rule) of every route of the core's and the plugins' tables, POST routes
    refused when sent empty (ok=422) and GET pages apart."""
    def arguments(endpoint, method):
        return next(rule.arguments for rule in app.url_map.iter_rules(endpoint)
                    if method in rule.methods)

    tables = [(ROUTES, lambda endpoint, args: build_url(app, tree, staff, key_person, case,
                                                       endpoint, args))]
    tables += [(routes.table, routes.build(app, routes.world(tree)))
               for routes in plugin_routes(app).values()]
    forms, pages = [], []
    for table, build in tables:
        for (endpoint, method), rule in table.items():  # in the order of the table
            if method == "POST" and rule.ok == 422:
                forms.append((endpoint, build(endpoint, arguments(endpoint, "POST")), rule))
            elif method == "GET" and not endpoint.endswith(".static"):
                pages.append((endpoint, build(endpoint, arguments(endpoint, "GET")), rule))
    return forms, pages


def first_allowed(rule, endpoint):
    """Who sends the form: anyone for a public one, else the first of the tree's users whom
    the rule lets in."""
    if rule.access == PUBLIC:
        return ANONYMOUS
    return next((role for role in tree_users() if expected_status(rule, role, endpoint) == 422),
                None)


def test_every_form_refused_empty_says_why_as_a_page_and_as_a_fragment(
        app, client, example_on, staff, key_person, case):
    forms, pages = _forms_and_pages(app, example_on, staff, key_person, case)
    assert len(forms) > 40, "the route tables name the refused forms"
    failures, plugins_seen = [], set()
    current, opened = ANONYMOUS, set()
    senders = [(first_allowed(rule, endpoint), endpoint, url, rule)
               for endpoint, url, rule in forms]
    for role, endpoint, url, rule in sorted(senders, key=lambda f: (str(f[0]), f[1])):
        assert role, f"{endpoint}: no user of the tree may send it"
        blueprint = endpoint.rsplit(".", 1)[0]
        if role != current:
            if current != ANONYMOUS:
                client.logout()
            if role != ANONYMOUS:
                client.login(role)
            current, opened = role, set()
        if blueprint not in opened:  # a person opens the module's pages before sending a form
            opened.add(blueprint)  # (the kiosk serves a resident from the basket page on)
            for page_endpoint, page_url, page_rule in pages:
                if page_endpoint.rsplit(".", 1)[0] == blueprint and expected_status(
                        page_rule, None if role == ANONYMOUS else role, page_endpoint) < 400:
                    client.get(page_url)
        plugins_seen.add(endpoint.split(".")[0])
        # htmx sends the form's fields, its CSRF token among them
        sent = {**dict(rule.data), "csrf_token": client.csrf_token()}
        for how, response in (("page", client.post(url, data=dict(rule.data))),
                              ("htmx", client.htmx_post(url, data=sent))):
            where = f"{how} POST {url} ({endpoint}) as {role}"
            if response.status_code != 422:
                failures.append(f"{where}: {response.status_code}, expected 422")
            elif not messages(response.get_data(as_text=True)):
                failures.append(f"{where}: 422 without any message saying why")
    assert {"volunteers", "points", "associations"} <= plugins_seen
    assert not failures, "\n".join(failures)
