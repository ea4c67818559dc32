"""The printed annual roster (plugins/associations/documents.py) through the documents service:
the year taken from the period, HTML and PDF for who may see associations, 404 to another town
and where the module is off, 403 to a role without the permission, and the roster page's link."""


from plugins.associations import services
from portal.extensions import db
from portal.modules.services import set_module
from portal.timeutil import local_today
from portal.documents.testing import pdf_words as pdf_text


def whole_year(year: int) -> str:
    return f"since={year}-01-01&until={year}-12-31"


def test_the_roster_of_this_year_as_html_and_pdf(client, assoc):
    services.record_score(assoc.zhang, assoc.patrol, reason="夜间巡逻", happened_on=local_today())
    db.session.commit()
    year = local_today().year
    client.login("village_admin")
    page = client.get(f"/documents/association_roster/{assoc.safety.id}?{whole_year(year)}")
    assert page.status_code == 200
    assert f"{year}年度会员花名册" in page.text and "城西路1号" in page.text
    pdf = client.get(f"/documents/association_roster/{assoc.safety.id}.pdf?{whole_year(year)}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = pdf_text(pdf)
    for shown in ("平安乡村协会", f"{year}年度会员花名册", "张三丰", "李秀英", "城西路1号", "102",
                  "会长"):
        assert shown in text, shown
    assert text.index("张三丰") < text.index("李秀英")  # 102 ranks above 100


def test_the_year_is_the_one_the_period_starts_in(client, assoc):
    last_year = local_today().year - 1
    services.record_score(assoc.li, assoc.patrol, reason="巡逻", happened_on=local_today())
    db.session.commit()
    client.login("info_officer")
    page = client.get(f"/documents/association_roster/{assoc.safety.id}?month={last_year}-03")
    assert page.status_code == 200
    assert f"{last_year}年度会员花名册" in page.text
    assert ">102<" not in page.text  # this year's score is not last year's


def test_another_town_and_a_role_without_the_permission_are_refused(client, assoc):
    url = f"/documents/association_roster/{assoc.safety.id}.pdf"
    client.login("b_town_admin")
    assert client.get(url).status_code == 404
    client.logout()
    client.login("dept_staff")  # the county's department: in scope, but no associations.view
    assert client.get(url).status_code == 403


def test_no_roster_where_the_module_is_off(client, assoc):
    set_module(assoc.tree.town_a, "associations", False)
    db.session.commit()
    client.login("town_admin")
    assert client.get(f"/documents/association_roster/{assoc.safety.id}").status_code == 404


def test_the_roster_page_links_to_the_pdf_of_its_year(client, assoc):
    year = local_today().year
    client.login("town_admin")
    page = client.get(f"/associations/{assoc.safety.id}/roster/{year}")
    assert (f"/documents/association_roster/{assoc.safety.id}.pdf?"
            f"since={year}-01-01&amp;until={year}-12-31") in page.text
