"""The disputes' printed documents (plugins/disputes/documents.py) through the documents service:
the 人民调解协议书 and a node's monthly 台账 as HTML and PDF for who may see disputes, 404 to another
town and where the module is off, 403 to a role without the permission, every copy audited (they
name the parties), and the links on the dispute's page and the statistics page."""

from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.modules.services import set_module
from portal.timeutil import local_today
from portal.documents.testing import pdf_words as pdf_text


def printed() -> int:
    return db.session.scalar(select(func.count(AuditEntry.id)).filter_by(
        action="documents.print"))


# ---------------------------------------------------------------- 人民调解协议书


def test_the_agreement_as_html_and_pdf(client, disputes):
    agreement = disputes.agreement
    client.login("grid_worker")
    before = printed()
    page = client.get(f"/documents/dispute_agreement/{agreement.id}")
    assert page.status_code == 200
    assert "人民调解协议书" in page.text and disputes.agreed.number in page.text
    pdf = client.get(f"/documents/dispute_agreement/{agreement.id}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = pdf_text(pdf)
    for shown in ("人民调解协议书", disputes.agreed.number, disputes.tree.resident_a.name, "张二",
                  "兄弟二人对赡养费有争议", "各付一半", "申请方", "被申请方", "网格员"):
        assert shown in text, shown
    assert printed() == before + 2  # sensitive: the page and the PDF both audited


def test_the_agreement_refused_to_another_town_a_role_without_the_permission_and_when_off(
        client, disputes):
    url = f"/documents/dispute_agreement/{disputes.agreement.id}.pdf"
    client.login("b_town_admin")
    assert client.get(url).status_code == 404
    client.logout()
    client.login("info_officer")  # village A1's, in scope, but disputes are not theirs to see
    assert client.get(url).status_code == 403
    client.logout()
    set_module(disputes.tree.town_a, "disputes", False)
    db.session.commit()
    client.login("town_admin")
    assert client.get(url).status_code == 404


def test_the_dispute_page_links_to_the_agreements_pdf(client, disputes):
    client.login("grid_worker")
    page = client.get(f"/disputes/{disputes.agreed.id}")
    assert f"/disputes/agreements/{disputes.agreement.id}/print" in page.text  # the old page kept
    assert f"/documents/dispute_agreement/{disputes.agreement.id}.pdf" in page.text


# ---------------------------------------------------------------- 矛盾纠纷排查调处台账


def test_the_months_ledger_of_a_town_as_html_and_pdf(client, disputes):
    town = disputes.tree.town_a
    month = f"{local_today():%Y-%m}"
    client.login("town_admin")
    page = client.get(f"/documents/disputes_ledger/{town.id}?month={month}")
    assert page.status_code == 200 and "矛盾纠纷排查调处台账" in page.text
    pdf = client.get(f"/documents/disputes_ledger/{town.id}.pdf?month={month}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = pdf_text(pdf)
    # this month's dispute (found today) with its parties, and the villages' figures
    for shown in ("矛盾纠纷排查调处台账", disputes.dispute.number, "两户因排水沟争执",
                  disputes.tree.resident_a.name, "外村李四", "邻里纠纷", "城西社区", "凤南村"):
        assert shown in text, shown
    assert disputes.agreed.number not in text  # found 45 days ago: another month's


def test_an_earlier_month_holds_its_own_disputes(client, disputes):
    found = disputes.agreed.found_on
    client.login("grid_worker")
    page = client.get(f"/documents/disputes_ledger/{disputes.tree.grid_a1.id}"
                      f"?month={found:%Y-%m}")
    assert page.status_code == 200
    assert disputes.agreed.number in page.text and disputes.dispute.number not in page.text


def test_the_ledger_refused_to_another_town_a_role_without_the_permission_and_when_off(
        client, disputes):
    url = f"/documents/disputes_ledger/{disputes.tree.village_a1.id}.pdf"
    client.login("b_town_admin")
    assert client.get(url).status_code == 404
    client.logout()
    client.login("info_officer")
    assert client.get(url).status_code == 403
    client.logout()
    set_module(disputes.tree.town_a, "disputes", False)
    db.session.commit()
    client.login("town_admin")
    assert client.get(url).status_code == 404


def test_the_statistics_page_links_to_the_ledgers_pdf(client, disputes):
    town = disputes.tree.town_a
    client.login("town_admin")
    page = client.get("/disputes/statistics")
    assert (f"/documents/disputes_ledger/{town.id}.pdf?month={local_today():%Y-%m}"
            in page.text)
