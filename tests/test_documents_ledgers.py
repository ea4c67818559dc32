"""督办函, 走访台账 and 代办台账 (portal.documents.supervision, portal.documents.ledgers): each as
HTML and as PDF with its rows, scoped to the user's town, refused without the permission; and
each made from the demo county's own records."""
from datetime import date, datetime

import pytest

from portal.audit import AuditEntry
from portal.cases import deadlines
from portal.cases.models import Case, SupervisionNotice
from portal.cases.services import act, report, sweep
from portal.extensions import db
from portal.people.models import Visit
from portal.people.visits import record_visit
from portal.documents.testing import pdf_text

MONTH = "2026-03"


def _pdf_text(response) -> str:
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"] == "application/pdf"
    return pdf_text(response)


def _received_on(case: Case, moment: datetime) -> None:
    """Pretend the case came in at ``moment`` (UTC), with the deadlines of that day."""
    case.created_at = moment
    deadlines.set_deadlines(case, deadlines.local_date(moment), start_at=moment)


@pytest.fixture
def records(tree):
    """In town A's first grid, March 2026: a visit to household A, a 代办 case resolved and
    rated four stars, and a hazard case assigned but never solved, supervised for its solution."""
    worker, admin = tree.users["grid_worker"], tree.users["village_admin"]
    visit = record_visit(tree.household_a, worker, date(2026, 3, 10), "老人身体不适，已联系村医",
                         "下周再去看望")
    errand = report(tree.grid_a1, category="proxy_service", title="代办残疾证年审",
                    description="残疾人家属请求代办年审手续", source="resident",
                    reporter_name="李桂英", reporter_phone="13912345678")
    _received_on(errand, datetime(2026, 3, 11, 2, 0))
    act(errand, admin, "assign", assignee=worker)
    for step, note in (("start", None), ("feedback", "已受理"), ("resolve", "已办好"),
                       ("close", "已告知")):
        act(errand, worker if step != "close" else admin, step, note)
    act(errand, admin, "evaluate", "很及时", satisfaction=4)
    errand.resolved_at = datetime(2026, 3, 13, 3, 0)
    late = report(tree.grid_a1, category="hazard", title="河堤护栏松动", description="护栏松了",
                  source="patrol", reporter=worker)
    _received_on(late, datetime(2026, 3, 2, 2, 0))
    act(late, admin, "assign", assignee=worker)
    db.session.commit()
    sweep()
    db.session.commit()
    notice = db.session.scalar(db.select(SupervisionNotice).filter_by(case_id=late.id,
                                                                      step="resolve"))
    return {"visit": visit, "errand": errand, "late": late, "notice": notice}


# ---------------------------------------------------------------- 督办函


def test_the_supervision_letter_names_the_late_step_and_asks_for_a_report(client, tree, records):
    notice, late = records["notice"], records["late"]
    client.login("town_admin")
    html = client.get(f"/documents/supervision_letter/{notice.id}").get_data(as_text=True)
    assert "督办函" in html and f"〔2026〕督字第 {notice.id} 号" in html
    assert "城西社区第一网格" in html  # the grid level answers, named with its village
    assert late.number in html and "河堤护栏松动" in html
    assert "“办结”环节已超过规定期限" in html and late.resolve_due.isoformat() in html
    assert "grid_worker 用户" in html and "书面报告文星镇" in html  # the town supervises
    text = _pdf_text(client.get(f"/documents/supervision_letter/{notice.id}.pdf"))
    assert "督办函" in text and late.number in text and "河堤护栏松动" in text


def test_the_case_page_offers_each_notices_letter(client, tree, records):
    client.login("town_admin")
    page = client.get(f"/cases/{records['late'].id}").get_data(as_text=True)
    assert f"/documents/supervision_letter/{records['notice'].id}" in page
    assert "打印督办函" in page


def test_a_notice_at_the_towns_level_is_supervised_by_the_county(client, tree, records):
    notice = records["notice"]
    notice.level = "town"
    db.session.commit()
    client.login("town_admin")
    html = client.get(f"/documents/supervision_letter/{notice.id}").get_data(as_text=True)
    assert "书面报告湘阴县" in html and "<strong>文星镇</strong>" in html


def test_a_case_passed_to_a_department_is_supervised_there_too(client, tree, records):
    records["late"].department = tree.departments["police_a"]
    db.session.commit()
    client.login("town_admin")
    html = client.get(f"/documents/supervision_letter/{records['notice'].id}")\
        .get_data(as_text=True)
    assert "<strong>城西社区第一网格、派出所</strong>" in html


# ---------------------------------------------------------------- 走访台账


def test_the_visits_ledger_lists_the_months_visits_with_totals(client, tree, records):
    client.login("town_admin")
    url = f"/documents/visits_ledger/{tree.town_a.id}"
    html = client.get(f"{url}?month={MONTH}").get_data(as_text=True)
    assert "走访台账" in html and "2026-03-10" in html and "城西路1号" in html
    assert "老人身体不适，已联系村医" in html and "下周再去看望" in html
    assert "grid_worker 用户" in html and "走访 1 次，涉及 1 户" in html
    assert "城西社区 第一网格" in html  # a town's ledger names the grid with its village
    text = _pdf_text(client.get(f"{url}.pdf?month={MONTH}"))
    assert "走访台账" in text and "城西路1号" in text and "老人身体不适" in text
    # every copy of a sensitive document is audited
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "documents.print")) == 2


def test_a_month_without_visits_gives_a_ledger_without_rows(client, tree, records):
    client.login("town_admin")
    html = client.get(f"/documents/visits_ledger/{tree.town_a.id}?month=2026-02")\
        .get_data(as_text=True)
    assert "本期没有走访记录" in html and "城西路1号" not in html
    text = _pdf_text(client.get(f"/documents/visits_ledger/{tree.town_a.id}.pdf?month=2026-02"))
    assert "走访台账" in text and "城西路1号" not in text


def test_a_grids_ledger_holds_only_its_own_visits(client, tree, records):
    record_visit(tree.household_a2, tree.users["grid_worker"], date(2026, 3, 12), "一切正常")
    db.session.commit()
    client.login("town_admin")
    html = client.get(f"/documents/visits_ledger/{tree.grid_a3.id}?month={MONTH}")\
        .get_data(as_text=True)
    assert "本期没有走访记录" in html and "城西路" not in html
    html = client.get(f"/documents/visits_ledger/{tree.village_a1.id}?month={MONTH}")\
        .get_data(as_text=True)
    assert "走访 2 次，涉及 2 户" in html and "城西路2号" in html


# ---------------------------------------------------------------- 代办台账


def test_the_errands_ledger_lists_the_months_errands_with_masked_phones(client, tree, records):
    errand = records["errand"]
    client.login("town_admin")
    url = f"/documents/errands_ledger/{tree.town_a.id}"
    html = client.get(f"{url}?month={MONTH}").get_data(as_text=True)
    assert "代办台账" in html and "代办残疾证年审" in html and errand.number in html
    assert "李桂英" in html and "139****5678" in html and "13912345678" not in html
    assert "2026-03-11" in html and "2026-03-13" in html and "已评价" in html
    assert "★★★★☆" in html and "grid_worker 用户" in html
    assert "河堤护栏松动" not in html  # not a 代办 case
    text = _pdf_text(client.get(f"{url}.pdf?month={MONTH}"))
    assert "代办台账" in text and "代办残疾证年审" in text and "李桂英" in text
    assert "13912345678" not in text


def test_errands_are_counted_on_the_local_day_they_came_in(client, tree, records):
    """Received on 31 March at 17:00 UTC is 1 April in China: April's errand, not March's."""
    _received_on(records["errand"], datetime(2026, 3, 31, 17, 0))
    db.session.commit()
    client.login("town_admin")
    url = f"/documents/errands_ledger/{tree.town_a.id}"
    assert "代办残疾证年审" not in client.get(f"{url}?month={MONTH}").get_data(as_text=True)
    assert "代办残疾证年审" in client.get(f"{url}?month=2026-04").get_data(as_text=True)


def test_a_month_without_errands_gives_a_ledger_without_rows(client, tree, records):
    client.login("town_admin")
    html = client.get(f"/documents/errands_ledger/{tree.town_a.id}?month=2026-02")\
        .get_data(as_text=True)
    assert "本期没有代办事项" in html and "代办残疾证年审" not in html
    text = _pdf_text(client.get(f"/documents/errands_ledger/{tree.town_a.id}.pdf?month=2026-02"))
    assert "代办台账" in text and "李桂英" not in text


# ---------------------------------------------------------------- who may print them


def _urls(tree, records) -> list[str]:
    return [f"/documents/supervision_letter/{records['notice'].id}",
            f"/documents/visits_ledger/{tree.town_a.id}?month={MONTH}",
            f"/documents/errands_ledger/{tree.town_a.id}?month={MONTH}"]


def test_another_towns_admin_finds_none_of_them(client, tree, records):
    client.login("b_town_admin")
    for url in _urls(tree, records):
        assert client.get(url).status_code == 404, url
        assert client.get(url.replace("?", ".pdf?") if "?" in url else f"{url}.pdf")\
            .status_code == 404, url


def test_a_role_without_the_permission_is_refused(client, tree, records):
    client.login("resident")  # grid A1: the notice's case and the grid are in their scope
    assert client.get(f"/documents/supervision_letter/{records['notice'].id}").status_code == 403
    assert client.get(f"/documents/errands_ledger/{tree.grid_a1.id}?month={MONTH}")\
        .status_code == 403
    client.logout()
    client.login("dept_staff")  # cases, not the register
    assert client.get(f"/documents/visits_ledger/{tree.town_a.id}?month={MONTH}")\
        .status_code == 403


def test_department_staff_print_only_their_departments_cases(client, tree, records):
    """Department staff see their department's cases only: the ledger leaves the others out,
    and a letter about another's case does not exist for them."""
    client.login("dept_staff")  # the county's 民政局; the cases are the grid worker's
    html = client.get(f"/documents/errands_ledger/{tree.town_a.id}?month={MONTH}")\
        .get_data(as_text=True)
    assert "本期没有代办事项" in html and "代办残疾证年审" not in html
    assert client.get(f"/documents/supervision_letter/{records['notice'].id}").status_code == 404
    records["errand"].department = tree.departments["county"]
    db.session.commit()
    html = client.get(f"/documents/errands_ledger/{tree.town_a.id}?month={MONTH}")\
        .get_data(as_text=True)
    assert "代办残疾证年审" in html


def test_the_county_itself_has_no_ledger(client, tree, records):
    client.login("county_admin")
    assert client.get(f"/documents/visits_ledger/{tree.county.id}?month={MONTH}")\
        .status_code == 404


def test_the_documents_page_offers_both_ledgers_for_a_village(client, tree):
    client.login("town_admin")
    html = client.get(f"/documents/?node={tree.village_a1.id}").get_data(as_text=True)
    assert f"/documents/visits_ledger/{tree.village_a1.id}" in html
    assert f"/documents/errands_ledger/{tree.village_a1.id}" in html
    assert "supervision_letter" not in html  # opened from the case's page


# ---------------------------------------------------------------- the demo county


class TestOnTheDemo:
    @pytest.fixture
    def plugins_extra(self):
        return []

    def test_each_kind_prints_a_demo_record(self, client, demo):
        from portal.demo import DEMO_PASSWORD
        from portal.grids.models import Grid
        from portal.timeutil import local_date

        sweep()  # the cron's supervision of the demo's late cases
        db.session.commit()
        town = db.session.scalar(db.select(Grid).filter_by(name="文星镇"))
        under = Grid.code.startswith(town.code)
        notice = db.session.scalar(db.select(SupervisionNotice).join(Case).join(Grid)
                                   .where(under).order_by(SupervisionNotice.id).limit(1))
        visit = db.session.scalar(db.select(Visit).join(Grid).where(under)
                                  .order_by(Visit.visited_on.desc()).limit(1))
        errand = db.session.scalar(db.select(Case).join(Grid).where(
            under, Case.category == "proxy_service", Case.state != "duplicate")
            .order_by(Case.created_at.desc()).limit(1))
        assert notice is not None and visit is not None and errand is not None
        client.login("wenxing", DEMO_PASSWORD)

        text = _pdf_text(client.get(f"/documents/supervision_letter/{notice.id}.pdf"))
        assert "督办函" in text and notice.case.number in text
        month = f"{visit.visited_on:%Y-%m}"
        text = _pdf_text(client.get(f"/documents/visits_ledger/{town.id}.pdf?month={month}"))
        assert "走访台账" in text and visit.household.address in text
        month = f"{local_date(errand.created_at):%Y-%m}"
        text = _pdf_text(client.get(f"/documents/errands_ledger/{town.id}.pdf?month={month}"))
        assert "代办台账" in text and errand.number in text
