"""No user text becomes a formula in any Excel export.

Every record kind the exports read is filled with values that a spreadsheet would run
(``=HYPERLINK(…)``, ``+``, ``-``, ``@``, a tab or CR before them, leading blanks, the full-width
forms); then every .xlsx route of the URL map (all modules on) is downloaded by a role that may
open it, and each file is opened with openpyxl: no cell may be a formula, and each such value
must come back exactly as written (no quote put in front of it). A new .xlsx route that this test
does not download fails it, so a new export is covered the day it appears.
"""
from datetime import date, timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook

from portal.extensions import db
from portal.modules.services import set_module
from portal.plugins import host
from portal.rendering import XLSX
from portal.testing import build_tree
from portal.timeutil import local_today
from portal.plugin_testing import needs_plugin  # the plugins' fixtures come with them

#: The ways a cell's text can start so that Excel, WPS or LibreOffice treat it as a formula.
PREFIXES = ["=", "+", "-", "@", "\t=", "\r=", " =", "＝", "＋", "－", "＠"]

SEEDED: set[str] = set()


def evil(tag: str, prefix: str = "=") -> str:
    """A formula-like value; most start with ``=``, which openpyxl itself would write as a
    formula, so every export carries at least one value that the old code turned into one."""
    value = f'{prefix}HYPERLINK("x","{tag}")'
    SEEDED.add(value)
    return value


def short(tag: str, prefix: str) -> str:
    value = f"{prefix}1+{tag}"
    SEEDED.add(value)
    return value


@pytest.fixture
def seeded(app):
    from plugins.associations import services as assoc
    from plugins.associations.models import AssociationsItem
    from plugins.points import ledger, shop as shops
    from plugins.points.models import PointsGoods, PointsRule, PointsShop
    from portal.cases.services import report
    from portal.people.services import add_household, add_resident

    tree = build_tree()
    for town in (tree.town_a, tree.town_b):
        for name in host(app).optional:
            set_module(town, name, True)
    # names of every level that an export prints
    for node, tag in ((tree.county, "county"), (tree.town_a, "town"),
                      (tree.village_a1, "village"), (tree.village_a2, "village2"),
                      (tree.grid_a1, "grid"), (tree.grid_a2, "grid2"), (tree.grid_a3, "grid3"),
                      (tree.special_a, "special")):
        node.name = evil(tag)
    for n, user in enumerate(tree.users.values()):
        user.display_name = short(f"user{n}", PREFIXES[n % len(PREFIXES)])
    household = add_household(tree.grid_a1, evil("address"), number="009", colour="red")
    resident = add_resident(household, evil("resident"), phone="13900001111",
                            care=["elderly_alone"], party_member=True)
    other = add_resident(household, short("resident2", "@"), relation="spouse",
                         party_member=True)
    for n, prefix in enumerate(PREFIXES):
        add_household(tree.grid_a2, short(f"addr{n}", prefix), number=f"1{n:02d}")
    tree.household_a.address = short("address0", "+")
    from portal.people.models import Household
    from portal.timeutil import utcnow

    for row in db.session.scalars(db.select(Household)):
        row.created_at = utcnow() - timedelta(days=400)  # never visited: on the due list
    tree.resident_a.name = short("zhang", "-")

    report(tree.grid_a1, category="problem", title=evil("case-title"),
           description=evil("case-description"), source="public",
           reporter_name=evil("reporter"), reporter_phone="13812340000",
           address=evil("case-address"))
    report(tree.grid_a2, category="problem", title=short("case2", "\t="),
           description="-", source="public", reporter_phone="13812340001")

    # points: a rule, a shop, goods, an account with every kind of entry
    rule = PointsRule(town_id=tree.town_a.id, name=evil("rule"), points=50)
    shop = PointsShop(grid_id=tree.village_a1.id, name=evil("shop"), low_stock=50)
    db.session.add_all([rule, shop])
    db.session.flush()
    goods = PointsGoods(shop_id=shop.id, name=evil("goods"), price=5, unit=short("unit", "@"))
    db.session.add(goods)
    db.session.flush()
    shops.restock(goods, 10, note=evil("restock-note"))
    account = ledger.account_for(resident)
    ledger.post(account, "earn", 50, rule=rule, note=evil("earn-note"),
                actor=tree.users["town_admin"])
    ledger.award_from_module(resident, 7, evil("module-reason"), "test:1")
    ledger.adjust(account, 3, reason=evil("adjust-reason"), actor=tree.users["town_admin"])
    shops.redeem(shop, account, {goods.id: 2}, "formula-basket", actor=tree.users["town_admin"])

    # associations: members, items, scores, reports
    association = assoc.create(tree.village_a1, name=evil("association"), kind="safety",
                               dues_fen=1000)
    officer = "assoc_officer"  # the tree's user of the plugin's role
    assoc.add_officer(association, tree.users[officer], short("ot", "="))
    item = AssociationsItem(association_id=association.id, name=evil("item"), points=2)
    db.session.add(item)
    db.session.flush()
    start = local_today() - timedelta(days=30)
    member = assoc.add_member(association, resident, on=start)
    assoc.add_member(association, other, on=start)
    assoc.record_score(member, item, reason=evil("score-reason"), happened_on=local_today())
    assoc.submit_report(association, evil("period"), evil("report-content"),
                        actor=tree.users[officer])

    # disputes: a dispute with a party from outside and one from the register
    from plugins.disputes import services as disputes
    from plugins.disputes.services import PartyInput

    disputes.register(tree.grid_a1, kind="neighbour", title=evil("dispute-title"),
                      description=evil("dispute-description"), found_on=local_today(),
                      parties=[PartyInput(name=evil("party"), side="a"),
                               PartyInput(name="", side="b", resident_id=resident.id)],
                      responsible_unit=evil("unit"), leading_cadre=short("cadre", "@"),
                      helpers=evil("helpers"), actor=tree.users["grid_worker"])

    # grid workers' assessment: last quarter published (the subsidy sheet), and the reward of a
    # five-small case a worker reported (the month's payment list)
    from plugins.grid_work.assessment import services as assessment
    from plugins.grid_work.assessment.testing import reported_and_closed

    quarter_ago = local_today() - timedelta(days=92)
    scheme = assessment.create_scheme(tree.town_a, year=quarter_ago.year,
                                      quarter=(quarter_ago.month - 1) // 3 + 1,
                                      title=evil("scheme"))
    assessment.publish(scheme)
    reported_and_closed(tree, tree.users["grid_worker"], title=evil("five-small"))
    db.session.commit()
    return {"tree": tree, "account": account, "shop": shop, "association": association,
            "officer": officer, "scheme": scheme}


def downloads(seeded) -> dict[str, list[tuple[tuple[str, ...], str]]]:
    """endpoint -> [(roles that may download it, first that can is used), URL]."""
    tree = seeded["tree"]
    account, shop, association = seeded["account"], seeded["shop"], seeded["association"]
    admins = ("county_admin", "town_admin", "village_admin")
    year = local_today().year
    return {
        "cases.export": [(admins, "/cases/export.xlsx"),
                         (admins, f"/cases/export.xlsx?grid={tree.grid_a1.id}")],
        "dashboard.export": [(admins, "/dashboard/export.xlsx"),
                             (admins, f"/dashboard/export.xlsx?grid={tree.village_a1.id}")],
        "transfer.template": [(admins, "/people/xlsx/template.xlsx")],
        "transfer.export": [
            (admins, f"/people/xlsx/export/{kind}.xlsx?grid={tree.village_a1.id}{extra}")
            for kind in ("residents", "households", "visits-due")
            for extra in ("", "&unmasked=1")],
        "points.statement_xlsx": [(admins, f"/points/accounts/{account.id}/statement.xlsx")],
        "points.report_xlsx": [(admins, "/points/reports.xlsx"),
                               (admins, f"/points/reports.xlsx?shop={shop.id}")],
        "associations.export_xlsx": [
            ((seeded["officer"], *admins),
             f"/associations/{association.id}/export/{kind}.xlsx?year={year}")
            for kind in ("members", "scores", "roster", "party", "reports")],
        "disputes.ledger": [(admins, "/disputes/ledger.xlsx"),
                            (admins, f"/disputes/ledger.xlsx?node={tree.village_a1.id}")],
        "grid_work_assessment.subsidy": [
            (admins, f"/work/assessment/{seeded['scheme'].id}/subsidy.xlsx")],
        "grid_work_assessment.rewards_export": [
            (admins, f"/work/assessment/rewards.xlsx?month={local_today():%Y-%m}")],
    }


def xlsx_endpoints(app) -> set[str]:
    """Every route whose answer is an Excel file: the portal names them ``….xlsx``."""
    return {rule.endpoint for rule in app.url_map.iter_rules() if rule.rule.endswith(".xlsx")}


def formula_cells(data: bytes) -> tuple[list[str], list[str]]:
    """(cells that are formulas, formula-like values that came back changed)."""
    book = load_workbook(BytesIO(data))
    formulas, changed = [], []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    formulas.append(f"{sheet.title}!{cell.coordinate}={cell.value!r}")
                elif isinstance(cell.value, str) and "HYPERLINK(" in cell.value:
                    if not any(value in cell.value for value in SEEDED):
                        changed.append(f"{sheet.title}!{cell.coordinate}={cell.value!r}")
    return formulas, changed


def cell_texts(data: bytes) -> set[str]:
    book = load_workbook(BytesIO(data))
    return {str(c.value) for s in book.worksheets for r in s.iter_rows() for c in r
            if c.value is not None}


@needs_plugin("points", "associations", "disputes", "grid_work")
def test_no_export_writes_user_text_as_a_formula(app, seeded):
    table = downloads(seeded)
    assert set(table) == xlsx_endpoints(app), (
        "an .xlsx route is missing from this test (or gone): add it to downloads() with "
        "records it reads")
    client = app.test_client()
    failures = []
    for endpoint, entries in table.items():
        for roles, url in entries:
            for role in roles:
                client.login(role)
                response = client.get(url)
                client.logout()
                if response.status_code == 200:
                    break
            else:
                failures.append(f"{url}: none of {roles} may download it")
                continue
            assert response.headers["Content-Type"] == XLSX, url
            formulas, changed = formula_cells(response.data)
            failures += [f"{url} as {role}: formula {f}" for f in formulas]
            failures += [f"{url} as {role}: value changed {c}" for c in changed]
            if endpoint != "transfer.template":  # the template holds no user text
                texts = cell_texts(response.data)
                if not texts & SEEDED:
                    failures.append(f"{url}: carries none of the seeded values, so it proves "
                                    "nothing; seed what it reads")
    assert not failures, "\n".join(failures)


def test_the_safe_writer_keeps_every_prefix_as_text_and_numbers_as_numbers():
    from portal.rendering import ExportWorkbook

    book = ExportWorkbook()
    sheet = book.create_sheet("t")
    values = [f"{p}SUM(1,2)" for p in PREFIXES] + ["a\x07b"]
    sheet.append([*values, 42, 1.5, date(2024, 5, 1), None])
    row = next(load_workbook(BytesIO(book.to_bytes())).worksheets[0].iter_rows())
    assert [c.data_type for c in row[:len(values)]] == ["s"] * len(values)
    # XML reads a bare CR back as a line feed; everything else comes back as written
    assert [c.value for c in row[:len(PREFIXES)]] == [v.replace("\r", "\n")
                                                      for v in values[:len(PREFIXES)]]
    assert row[len(PREFIXES)].value == "ab"  # a control character would break the whole file
    assert [c.value for c in row[len(values):len(values) + 2]] == [42, 1.5]
    assert row[len(values) + 2].is_date


def test_a_bare_openpyxl_workbook_is_refused():
    from openpyxl import Workbook

    from portal.rendering import xlsx_download

    with pytest.raises(TypeError):
        xlsx_download(Workbook(write_only=True), "x.xlsx")
