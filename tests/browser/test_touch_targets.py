"""Touch targets and phone layout (issue 17): on a 375 px touch phone every primary control is at
least 44 × 44 px, a list's whole row opens its record, and nothing scrolls sideways; a desktop with
a mouse keeps its compact rows. Measured with getBoundingClientRect on the demo county, as each main
role sees it."""
import pytest

from portal.browser_testing import shot
from portal.demo import DEMO_PASSWORD

# sizes and layout on the screen: the same on any database
pytestmark = pytest.mark.database_independent

MIN = 44

#: The primary controls of a page: buttons, inputs and selects, links styled as buttons, the top
#: bar's links and buttons, the menu, pagination, tabs, a checkbox's or radio's label, a list's
#: row (its whole area opens the record) and the other links in such a row.
CONTROLS = ", ".join([
    "button", "input[type=submit]", "input[type=button]", "a.button", "select",
    "input:not([type=hidden]):not([type=checkbox]):not([type=radio])",
    ".topbar a", ".topbar button", ".nav-toggle-label", ".mainnav a", ".pager a", ".tabs a",
    ".row-link", ".row-link a:not(.row-main)",
    "label:has(> input[type=checkbox])", "label:has(> input[type=radio])",
])

#: Every visible control smaller than MIN × MIN, described so that the failure names it.
TOO_SMALL = """([selector, min]) => {
  const found = [];
  for (const el of document.querySelectorAll(selector)) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || getComputedStyle(el).visibility === 'hidden') continue;
    if (r.width < min - 0.5 || r.height < min - 0.5) {
      const text = (el.innerText || el.value || el.getAttribute('aria-label')
                    || el.getAttribute('placeholder') || '').trim().split('\\n')[0].slice(0, 24);
      const cls = el.getAttribute('class') ? '.' + el.getAttribute('class').trim().split(/\\s+/).join('.') : '';
      found.push(`${el.tagName.toLowerCase()}${cls} "${text}" ${Math.round(r.width)}×${Math.round(r.height)}`);
    }
  }
  return [...new Set(found)];
}"""

#: The lists of row links on the page: the first row of each.
FIRST_ROWS = """() => {
  const lists = new Map();
  for (const row of document.querySelectorAll('.row-link')) {
    if (row.getBoundingClientRect().height && !lists.has(row.parentElement)) lists.set(row.parentElement, row);
  }
  return lists.size;
}"""

#: For the first row of the n-th list: scrolled into view, a point in the right half of the row,
#: outside the main link's own text and outside any other control, where a tap lands on the row's
#: (stretched) main link; with the href it should open.
ROW_TARGET = """(n) => {
  const lists = new Map();
  for (const row of document.querySelectorAll('.row-link')) {
    if (row.getBoundingClientRect().height && !lists.has(row.parentElement)) lists.set(row.parentElement, row);
  }
  const row = [...lists.values()][n];
  row.scrollIntoView({block: 'center'});
  const main = row.querySelector('.row-main');
  const r = row.getBoundingClientRect();
  const own = main ? [...main.getClientRects()] : [];
  const right = Math.min(r.right, window.innerWidth) - 4;
  let point = null;
  for (const y of [r.top + r.height / 2, r.top + 6, r.bottom - 6]) {
    for (let x = right; x > r.left + r.width / 2 && !point; x -= 6) {
      const inText = own.some(b => x >= b.left && x <= b.right && y >= b.top && y <= b.bottom);
      const hit = document.elementFromPoint(x, y);
      if (!inText && main && hit && main.contains(hit)) point = {x, y};
    }
    if (point) break;
  }
  return {list: (row.parentElement.closest('[id]') || {}).id || row.parentElement.className,
          text: row.innerText.trim().split('\\n')[0].slice(0, 30), href: main ? main.href : null, point};
}"""

#: What sticks out past the right edge of the screen (outside any scrolling frame).
STICKING_OUT = """() => {
  const found = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.right <= window.innerWidth + 1 || !r.width) continue;
    let frame = el.parentElement;
    while (frame && getComputedStyle(frame).overflowX === 'visible') frame = frame.parentElement;
    if (!frame || frame === document.body || frame === document.documentElement)
      found.push(`${el.tagName.toLowerCase()}.${el.className} to ${Math.round(r.right)} px`);
  }
  return found.slice(0, 5);
}"""


def demo_login(page, base, username):
    page.goto(f"{base}/login")
    page.get_by_label("用户名 / 手机号 / 身份证号").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")


def too_small(page):
    return page.evaluate(TOO_SMALL, [CONTROLS, MIN])


class PhoneWalk:
    """Visit pages on the phone, collecting every undersized control, sideways scroll and list
    whose row does not open its record; fail once at the end with all of them."""

    def __init__(self, phone, base, tmp_path, role):
        self.phone, self.base, self.tmp_path, self.role = phone, base, tmp_path, role
        self.problems: list[str] = []
        self.rows_tapped = 0

    def check_page(self, label):
        url = self.phone.url.replace(self.base, "")
        offenders = too_small(self.phone)
        if offenders:
            self.problems.append(f"{url} ({label}): controls under {MIN}×{MIN} px: "
                                 + "; ".join(offenders))
        width = self.phone.evaluate("document.documentElement.scrollWidth")
        if width > 375:
            self.problems.append(f"{url} ({label}): scrolls sideways ({width} px wide): "
                                 + "; ".join(self.phone.evaluate(STICKING_OUT)))

    def visit(self, path, label, *, lists=()):
        """Open ``path``, measure it, and tap the first row of each of its lists; ``lists`` are
        selectors of rows the page must show as row links."""
        response = self.phone.goto(f"{self.base}{path}")
        assert response.status == 200, f"{self.role} {path}: {response.status}"
        self.check_page(label)
        for selector in lists:
            if self.phone.locator(selector).count() == 0:
                self.problems.append(f"{path} ({label}): no row link {selector}: only the title "
                                     "text opens the record")
        shot(self.phone, self.tmp_path, f"touch-{self.role}-{label}")
        self.tap_rows(path, label)

    def tap_rows(self, path, label):
        for n in range(self.phone.evaluate(FIRST_ROWS)):
            target = self.phone.evaluate(ROW_TARGET, n)
            where = f"{path} ({label}) list {target['list']!r}, row {target['text']!r}"
            if target["point"] is None or not target["href"]:
                self.problems.append(f"{where}: no point in the right half of the row opens it")
                continue
            self.phone.touchscreen.tap(target["point"]["x"], target["point"]["y"])
            try:
                self.phone.wait_for_url(target["href"], timeout=5000)
                self.phone.wait_for_load_state()
            except Exception:
                self.problems.append(f"{where}: tapping the right of the row stayed on "
                                     f"{self.phone.url}, not {target['href']}")
            else:
                self.rows_tapped += 1
                self.check_page(f"opened from {label}")
            self.phone.goto(f"{self.base}{path}")

    def menu(self):
        """The phone's menu: its toggle and, opened, each entry."""
        self.phone.goto(f"{self.base}/")
        self.phone.locator(".nav-toggle-label").tap()
        self.phone.locator(".mainnav a").first.wait_for()
        self.check_page("menu open")

    def finish(self):
        assert not self.problems, f"{self.role} on a 375 px phone:\n" + "\n".join(self.problems)


# Each role's main pages, and the lists each must show as row links (the demo has rows in them).
CASES = "#case-rows li.row-link"
RESIDENTS = ("/people/residents", "residents", ("#residents-table tr.row-link",))
HOUSEHOLDS = ("/people/households", "households", ("#households-table tr.row-link",))
SEARCH = ("/people/?q=%E5%BC%A0", "search", ("#resident-results li.row-link",))  # 张
DUE = ("/visits/due", "visits-due", ("#due-rows li.row-link",))
ROLE_PAGES = {
    "gridworker": [
        ("/", "home", ()), ("/cases/", "cases", (CASES,)), RESIDENTS, HOUSEHOLDS, SEARCH, DUE,
        ("/points/", "points", ()),
        ("/points/accounts", "points-accounts", ("#account-rows tr.row-link",)),
        ("/volunteers/", "volunteers", ()),
        ("/volunteers/activities", "activities", ()),
        ("/volunteers/people", "volunteers-people", ("#people-rows tr.row-link",)),
        ("/volunteers/pairings", "pairings", ("tr.row-link",)),
        ("/volunteers/proxies", "proxies", ("tr.row-link",)),
        ("/mutual-aid/", "mutual-aid", ("tr.row-link",)),
        ("/associations/", "associations", ()),
        ("/best-grid/", "best-grid", ("li.row-link",)),
    ],
    "chengxi": [  # the village admin
        ("/", "home", ()), ("/cases/", "cases", (CASES,)), RESIDENTS, HOUSEHOLDS, SEARCH, DUE,
        ("/grids/", "grids", ("tr.row-link",)),  # the village's grids
        ("/points/", "points", ("li.row-link",)),
        ("/points/accounts", "points-accounts", ("#account-rows tr.row-link",)),
        ("/points/shops", "shops", ("tr.row-link",)),
        ("/volunteers/", "volunteers", ("li.row-link",)),
        ("/volunteers/activities?past=1", "activities", (".activity-list li.row-link",)),
        ("/volunteers/teams", "teams", ("tr.row-link",)),
        ("/mutual-aid/", "mutual-aid", ("tr.row-link",)),
        ("/associations/", "associations", ("tr.row-link",)),
    ],
    "wenxing": [  # the town admin
        ("/", "home", ()), ("/cases/", "cases", (CASES,)), RESIDENTS,
        ("/visits/due", "visits-due", ("table.due-summary tr.row-link", "#due-rows li.row-link")),
        ("/key-persons/", "key-persons", ("tr.row-link",)),
        ("/admin/users", "users", ("#users-table tr.row-link",)),
        ("/mutual-aid/", "mutual-aid", ("#by-child tr.row-link",)),
        ("/best-grid/", "best-grid", ("li.row-link",)),
    ],
    "resident": [("/", "home", ()), ("/points/me", "my-points", ()),
                 ("/volunteers/me", "my-volunteering", ()), ("/mutual-aid/", "mutual-aid", ())],
    "xiehui": [("/", "home", ()),  # the association officer (a plugin's role)
               ("/associations/", "associations", ("tr.row-link",))],
}


def add_a_key_person(town_name):
    """The demo has no key persons: list one so the town admin's list has a row."""
    from sqlalchemy import select

    from portal.extensions import db
    from portal.grids.models import Grid
    from portal.people.models import KeyPerson, Resident

    town = db.session.scalar(select(Grid).filter_by(name=town_name, level="town"))
    resident = db.session.scalar(select(Resident).join(Grid, Grid.id == Resident.grid_id)
                                 .where(Grid.code.startswith(town.code)).limit(1))
    db.session.add(KeyPerson(resident_id=resident.id, category="petitioner", light="red"))
    db.session.commit()


@pytest.mark.parametrize("role", list(ROLE_PAGES))
def test_every_primary_control_is_44_px_and_rows_open_on_a_phone(phone, live_server, demo,
                                                                  tmp_path, role):
    if role == "wenxing":
        add_a_key_person("文星镇")
    demo_login(phone, live_server, role)
    walk = PhoneWalk(phone, live_server, tmp_path, role)
    walk.menu()
    for path, label, lists in ROLE_PAGES[role]:
        walk.visit(path, label, lists=lists)
    if role == "resident":  # the resident's own association record, from the menu
        phone.goto(f"{live_server}/")
        href = phone.locator(".mainnav a", has_text="我的协会").get_attribute("href")
        walk.visit(href, "my-association")
    if role == "xiehui":  # the association's page: its members' rows
        phone.goto(f"{live_server}/associations/")
        href = phone.locator("tr.row-link a.row-main").first.get_attribute("href")
        walk.visit(href, "association", lists=("tr.row-link",))
    walk.finish()
    assert walk.rows_tapped >= {"resident": 1, "xiehui": 2}.get(role, 8), \
        f"the walk tapped only {walk.rows_tapped} rows"


def test_a_case_row_opens_the_case_from_its_right_side_and_the_case_page_fits(phone, live_server,
                                                                           demo, tmp_path):
    demo_login(phone, live_server, "gridworker")
    phone.goto(f"{live_server}/cases/?state=received")  # a case the grid worker acts on
    row = phone.locator(CASES).first
    href = row.locator("a.row-main").evaluate("a => a.href")
    box = row.bounding_box()
    # the far right of the row, well away from the title text
    phone.touchscreen.tap(box["x"] + box["width"] - 8, box["y"] + box["height"] / 2)
    phone.wait_for_url(href)
    offenders = too_small(phone)
    assert not offenders, "case page: " + "; ".join(offenders)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    shot(phone, tmp_path, "touch-case-page")


def test_the_desktop_keeps_compact_rows(page, live_server, demo, tmp_path):
    """At 1280 px with a mouse the touch sizes do not apply: table rows stay one line of text
    high, buttons 40 px; the row still opens its record on a click at its right."""
    demo_login(page, live_server, "chengxi")
    page.goto(f"{live_server}/people/residents")
    heights = page.locator("#residents-table tr.row-link").evaluate_all(
        "rows => rows.map(r => r.getBoundingClientRect().height)")
    assert len(heights) >= 20 and max(heights) <= 42, heights
    buttons = page.locator("main a.button").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().height)")
    assert buttons and max(buttons) <= 41, buttons
    row = page.locator("#residents-table tr.row-link").first
    href = row.locator("a.row-main").evaluate("a => a.href")
    box = row.bounding_box()
    page.mouse.click(box["x"] + box["width"] - 10, box["y"] + box["height"] / 2)
    page.wait_for_url(href)
    page.goto(f"{live_server}/cases/")
    case_rows = page.locator(f"{CASES}").evaluate_all(
        "rows => rows.map(r => r.getBoundingClientRect().height)")
    assert case_rows and max(case_rows) <= 64, case_rows  # title and one line of details
    shot(page, tmp_path, "touch-desktop-cases")


def test_an_association_record_on_a_phone_keeps_item_and_reason_readable(phone, live_server, demo,
                                                                         tmp_path):
    """The resident's record: 项目 and 事由 keep more than four characters' width; the appeal form
    is a row of its own below its score, and a refused appeal says why right there."""
    demo_login(phone, live_server, "resident")
    href = phone.locator(".mainnav a", has_text="我的协会").get_attribute("href")
    phone.goto(f"{live_server}{href}")
    appeal = phone.locator("table.score-history tr.appeal-row:has(form)").first  # not yet appealed
    score_id = appeal.get_attribute("id").removeprefix("appeal-")
    score_row = phone.locator(f"#item-{score_id}")
    em = phone.evaluate("parseFloat(getComputedStyle(document.querySelector('main')).fontSize)")
    headings = phone.locator("table.score-history thead th").all_inner_texts()
    item_cell = score_row.locator("td").nth(headings.index("项目"))
    reason_cell = score_row.locator("td").nth(headings.index("事由"))
    for name, cell in (("项目", item_cell), ("事由", reason_cell)):
        width = cell.bounding_box()["width"]
        assert width > 4 * em, f"{name} is {width:.0f} px wide: {width / em:.1f} characters"
    form_box = appeal.locator("form").bounding_box()
    row_box = score_row.bounding_box()
    assert form_box["y"] >= row_box["y"] + row_box["height"] - 1, "the appeal form is not below"
    assert form_box["width"] > 0.8 * row_box["width"], "the appeal form does not use the width"
    assert not too_small(phone), too_small(phone)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    shot(phone, tmp_path, "touch-association-record")
    appeal.get_by_role("button", name="申诉").tap()  # no reason given
    error = phone.locator(f"#appeal-{score_id} .errors")
    error.wait_for()
    assert "请写明申诉理由" in error.inner_text()
    assert phone.locator(f"#appeal-{score_id} input[name=reason]").get_attribute(
        "aria-invalid") == "true"


@pytest.fixture
def plugins_extra():
    """The demo as `portal demo` loads it, without the tests' example plugin: every demo test
    then shares one demo snapshot (a second one, with the example's table, cost a build a run)."""
    return []
