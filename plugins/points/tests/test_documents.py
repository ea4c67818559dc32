"""The printed 积分对账单 (plugins/points/documents.py) through the documents service: HTML and
PDF for who may see points, 404 to another town and where the module is off, 403 to a role
without the permission, every copy audited, and the link on the statement page."""

from sqlalchemy import func, select

from plugins.points import ledger
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.modules.services import set_module
from portal.documents.testing import pdf_words as pdf_text


def test_the_statement_as_html_and_pdf_with_every_entry(client, points):
    account = points.account_a
    ledger.post(account, "redeem", -8)
    db.session.commit()
    client.login("town_admin")
    page = client.get(f"/documents/points_statement/{account.id}")
    assert page.status_code == 200
    assert "积分对账单" in page.text and "城西路1号" in page.text and "文明卫生户" in page.text
    pdf = client.get(f"/documents/points_statement/{account.id}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = pdf_text(pdf)
    # each entry's kind, points and balance after it, on its row
    for shown in ("积分对账单", points.tree.resident_a.name, "城西路1号", "获得+6060文明卫生户",
                  "兑换-852"):
        assert shown in text, shown
    # oldest first: the award, then what was spent of it
    assert text.index("获得+60") < text.index("兑换-8")


def test_every_copy_is_audited(client, points):
    def printed():
        return db.session.scalar(select(func.count(AuditEntry.id)).filter_by(
            action="documents.print"))

    client.login("grid_worker")
    before = printed()
    assert client.get(f"/documents/points_statement/{points.account_a.id}").status_code == 200
    assert printed() == before + 1


def test_another_town_and_a_role_without_the_permission_are_refused(client, points):
    url = f"/documents/points_statement/{points.account_a.id}.pdf"
    client.login("b_town_admin")
    assert client.get(url).status_code == 404
    client.logout()
    client.login("dept_staff")  # the county's department: in scope, but no points.view
    assert client.get(url).status_code == 403


def test_no_statement_where_the_module_is_off(client, points):
    set_module(points.tree.town_a, "points", False)
    db.session.commit()
    client.login("town_admin")
    assert client.get(f"/documents/points_statement/{points.account_a.id}").status_code == 404


def test_the_statement_page_links_to_the_pdf(client, points):
    client.login("town_admin")
    page = client.get(f"/points/accounts/{points.account_a.id}")
    assert f"/documents/points_statement/{points.account_a.id}.pdf" in page.text
