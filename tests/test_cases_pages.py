"""Case pages: reporting (staff and public), the list and its filters, the next-step buttons."""
import io
import re
from datetime import date, timedelta

from PIL import Image

from portal.cases.models import Case, ResponseTemplate, SupervisionNotice
from portal.cases.services import act, report, sweep
from portal.errors import DomainError
from portal.extensions import db
from portal.timeutil import local_today


def _png():
    buffer = io.BytesIO()
    Image.new("RGB", (30, 30), "blue").save(buffer, "PNG")
    return buffer.getvalue()


def _case(tree, grid=None, **kw):
    fields = dict(category="hazard", title="路灯不亮", description="村口路灯坏了三天",
                  source="patrol", reporter=tree.users["grid_worker"])
    fields.update(kw)
    reported = report(grid or tree.grid_a1, **fields)
    db.session.commit()
    return reported


def test_a_grid_worker_reports_with_a_photo(client, tree):
    client.login("grid_worker")
    form = client.get("/cases/new").get_data(as_text=True)
    assert f'<option selected value="{tree.grid_a1.id}">' in form  # their own grid
    response = client.post("/cases/new", data={
        "grid": tree.grid_a1.id, "category": "hazard", "kind": "general", "title": "井盖丢失",
        "description": "城西路口井盖不见了", "address": "城西路口",
        "photos": [(io.BytesIO(_png()), "a.png")]}, content_type="multipart/form-data")
    assert response.status_code == 302
    case = db.session.scalar(db.select(Case).filter_by(title="井盖丢失"))
    assert case.state == "received" and case.source == "patrol" and len(case.photos) == 1
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "井盖丢失" in page and case.number in page
    assert client.get(f"/cases/{case.id}/photos/{case.photos[0].id}").mimetype == "image/jpeg"


def test_report_errors_next_to_the_field(client, tree):
    client.login("grid_worker")
    response = client.post("/cases/new", data={"grid": tree.grid_a1.id, "category": "hazard",
                                               "kind": "general", "title": "", "description": ""})
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and "请填写标题" in text and "请描述事件经过" in text
    fake = client.post("/cases/new", data={
        "grid": tree.grid_a1.id, "category": "hazard", "kind": "general", "title": "x",
        "description": "y", "photos": [(io.BytesIO(b"not an image"), "a.png")]},
        content_type="multipart/form-data")
    assert fake.status_code == 422 and "无法识别的图片文件" in fake.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Case)) == 0


def test_handled_on_the_spot_from_the_form(client, tree):
    client.login("grid_worker")
    client.post("/cases/new", data={
        "grid": tree.grid_a1.id, "category": "dispute", "kind": "general", "title": "吵架",
        "description": "两户为鸡吵架", "on_the_spot": "当场调解，已和好"})
    assert db.session.scalar(db.select(Case).filter_by(title="吵架")).state == "resolved"


def test_the_public_reports_without_an_account(client, tree):
    board = client.get(f"/g/{tree.grid_a1.code}").get_data(as_text=True)
    assert f"/g/{tree.grid_a1.code}/report" in board
    missing = client.post(f"/g/{tree.grid_a1.code}/report", data={
        "category": "need", "title": "想办低保", "description": "家里困难"})
    assert missing.status_code == 422 and "请留下联系电话" in missing.get_data(as_text=True)
    done = client.post(f"/g/{tree.grid_a1.code}/report", data={
        "category": "need", "title": "想办低保", "description": "家里困难",
        "reporter_name": "刘奶奶", "reporter_phone": "13912345678"})
    assert done.status_code == 303  # to the receipt: a refresh files nothing again
    case = db.session.scalar(db.select(Case).filter_by(title="想办低保"))
    assert case.number in client.get(done.location).get_data(as_text=True)
    assert case.source == "public" and case.reporter_phone == "13912345678"
    assert case.reporter_id is None


def test_public_reports_are_rate_limited_per_address(client, tree):
    data = {"category": "need", "title": "t", "description": "d", "reporter_phone": "13912345678"}
    for _ in range(5):
        assert client.post(f"/g/{tree.grid_a1.code}/report", data=dict(data)).status_code == 303
    refused = client.post(f"/g/{tree.grid_a1.code}/report", data=dict(data))
    assert refused.status_code == 429 and "提交太频繁" in refused.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Case)) == 5


def test_next_steps_are_buttons_and_forms_come_by_htmx(client, tree):
    case = _case(tree)
    client.login("village_admin")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f"/cases/{case.id}/act/assign" in page and f"/cases/{case.id}/act/resolve" not in page
    form = client.htmx_get(f"/cases/{case.id}/act/assign")
    assert "<html" not in form.get_data(as_text=True) and "grid_worker 用户" in form.get_data(as_text=True)
    refused = client.htmx_post(f"/cases/{case.id}/act/assign", data={})
    assert refused.status_code == 422 and "请选择承办人" in refused.get_data(as_text=True)
    done = client.htmx_post(f"/cases/{case.id}/act/assign",
                            data={"assignee": tree.users["grid_worker"].id})
    assert done.status_code == 204 and done.headers["HX-Redirect"] == f"/cases/{case.id}"
    assert db.session.get(Case, case.id).assignee_id == tree.users["grid_worker"].id
    client.logout()
    client.login("grid_worker")
    assert client.post(f"/cases/{case.id}/act/close", data={"note": "x"}).status_code == 403
    assert client.post(f"/cases/{case.id}/act/resolve", data={}).status_code == 422
    assert client.post(f"/cases/{case.id}/act/resolve",
                       data={"note": "已修好"}).status_code == 302
    timeline = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "已修好" in timeline and "已办结" in timeline


def test_another_towns_case_is_404(client, tree):
    case = _case(tree)
    client.login("b_town_admin")
    assert client.get(f"/cases/{case.id}").status_code == 404
    assert client.post(f"/cases/{case.id}/act/assign", data={}).status_code == 404


def test_list_filters(client, tree):
    late = _case(tree, title="老问题")
    late.created_at -= timedelta(days=30)
    late.assign_due = late.resolve_due = local_today() - timedelta(days=10)
    fresh = _case(tree, title="新问题", category="dispute")
    _case(tree, title="外镇的", grid=tree.grid_b1, reporter=tree.users["b_grid_worker"])
    db.session.commit()
    client.login("town_admin")

    def titles(query):
        return set(re.findall(r"<strong>(.*?)</strong>",
                              client.htmx_get(f"/cases/?{query}").get_data(as_text=True)))

    assert titles("") == {"老问题", "新问题"}
    assert titles("light=red") == {"老问题"}
    assert titles("light=green") == {"新问题"}
    assert titles("category=dispute") == {"新问题"}
    assert titles(f"since={local_today().isoformat()}") == {"新问题"}
    assert titles("q=老") == {"老问题"}
    act(fresh, tree.users["town_admin"], "assign", assignee=tree.users["grid_worker"])
    db.session.commit()
    assert titles("state=assigned") == {"新问题"}
    client.logout()
    client.login("grid_worker")
    assert titles("mine=1") == {"新问题"}


def test_supervision_notices_show_on_the_home_page_until_resolved(client, tree):
    case = _case(tree)
    case.assign_due = case.resolve_due = local_today() - timedelta(days=2)
    db.session.commit()
    sweep()
    db.session.commit()
    client.login("village_admin")
    assert "督办" in client.get("/").get_data(as_text=True)
    client.logout()
    client.login("b_town_admin")
    assert "路灯不亮" not in client.get("/").get_data(as_text=True)
    act(case, tree.users["village_admin"], "assign", assignee=tree.users["grid_worker"])
    act(case, tree.users["grid_worker"], "resolve", "好了")
    sweep()
    db.session.commit()
    assert db.session.scalar(db.select(SupervisionNotice)).resolved_at is not None


def test_cli_sweep_and_calendar_seed(runner, tree):
    assert "raised 0" in runner.invoke(args=["cases", "sweep"]).output
    assert "0 years added" in runner.invoke(args=["calendar", "seed"]).output


def test_calendar_page(client, tree):
    client.login("county_admin")
    page = client.get("/admin/calendar").get_data(as_text=True)
    assert "2026" in page and "还没有录入" in page
    bad = client.post("/admin/calendar", data={"year": "2027", "holidays": "2027-13-01 元旦"})
    assert bad.status_code == 422 and "第1行格式不对" in bad.get_data(as_text=True)
    for year in ("", "1999", "二〇二七"):
        bad = client.post("/admin/calendar", data={"year": year, "holidays": "2027-01-01 元旦"})
        assert bad.status_code == 422 and 'id="year-errors"' in bad.get_data(as_text=True)
    empty = client.post("/admin/calendar", data={"year": "2027", "holidays": ""})
    assert empty.status_code == 422 and "请至少录入一个节假日" in empty.get_data(as_text=True)
    from portal.cases.models import CalendarYear

    assert db.session.get(CalendarYear, 2027) is None
    good = client.post("/admin/calendar", data={
        "year": "2027", "holidays": "2027-01-01 元旦\n2027-02-06 春节",
        "workdays": "2027-02-14 春节"})
    assert good.status_code == 302
    from portal.cases.calendar import WorkCalendar

    assert not WorkCalendar(2027, 2027).is_working_day(date(2027, 1, 1))
    client.logout()
    client.login("town_admin")
    assert client.get("/admin/calendar").status_code == 403


def test_statistics_against_a_hand_count(client, tree):
    from datetime import datetime

    from portal.cases.stats import figures

    def made(grid, category, created, resolved=None, stars=None, reporter="grid_worker"):
        case = _case(tree, grid=grid, category=category, reporter=tree.users[reporter])
        case.created_at = created
        from portal.cases.deadlines import local_date, set_deadlines

        set_deadlines(case, local_date(created))
        if resolved:
            case.state, case.resolved_at, case.satisfaction = "evaluated", resolved, stars
        return case

    # March 2026 (UTC noon is 20:00 in China, the same day)
    made(tree.grid_a1, "dispute", datetime(2026, 3, 2, 4), datetime(2026, 3, 4, 4), 5)   # 2 wd
    made(tree.grid_a1, "dispute", datetime(2026, 3, 2, 4), datetime(2026, 3, 20, 4), 3)  # late
    made(tree.grid_a3, "hazard", datetime(2026, 3, 3, 4))                                # open
    made(tree.grid_b1, "hazard", datetime(2026, 3, 3, 4), datetime(2026, 3, 4, 4), 4,
         reporter="b_grid_worker")                                                        # town B
    db.session.commit()
    report = figures(tree.town_a, date(2026, 3, 1), date(2026, 3, 31))
    assert (report.total.received, report.total.resolved, report.total.on_time) == (3, 2, 1)
    assert report.total.average_days == (2 + 14) / 2
    assert report.total.satisfaction == 4 and report.total.satisfied_rate == 0.5
    assert report.by_category["hazard"].received == 1
    assert report.by_child[tree.village_a1.code].resolved == 2
    assert report.by_child[tree.village_a2.code].received == 1
    client.login("town_admin")
    page = client.get("/cases/stats?since=2026-03-01&until=2026-03-31").get_data(as_text=True)
    assert "50.0%" in page and "城西社区" in page


def test_export_follows_the_filters(client, tree):
    from io import BytesIO

    from openpyxl import load_workbook

    _case(tree, title="导出甲", category="dispute")
    _case(tree, title="导出乙", category="hazard")
    client.login("town_admin")
    response = client.get("/cases/export.xlsx?category=dispute")
    sheet = load_workbook(BytesIO(response.data)).worksheets[0]
    titles = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert titles == ["导出甲"]


def test_a_town_sets_its_deadlines_categories_and_replies(client, tree):
    client.login("town_admin")
    saved = client.post("/cases/rules/", data={
        "assign": 2, "feedback": 3, "resolve": 5, "major_months": 1,
        "yellow_days": 2, "categories": ["dispute", "need"]})
    assert saved.status_code == 302
    refused = client.post("/cases/rules/", data={
        "assign": 0, "feedback": 3, "resolve": 5, "major_months": 1,
        "yellow_days": 2, "categories": []})
    assert refused.status_code == 422 and "请至少选择一个类别" in refused.get_data(as_text=True)
    reply = {"t-title": "已修复", "t-text": "您反映的问题已处理，感谢支持。"}
    assert client.post("/cases/rules/templates", data=reply).status_code == 302
    refused = client.post("/cases/rules/templates", data={"t-title": "空的"})
    assert refused.status_code == 422 and "请填写回复内容" in refused.get_data(as_text=True)
    template = db.session.scalar(db.select(ResponseTemplate))
    assert client.post(f"/cases/rules/templates/{template.id}/delete").status_code == 303
    assert db.session.scalar(db.select(ResponseTemplate)) is None
    client.post("/cases/rules/templates", data=reply)
    # the public form offers only the town's categories, and the deadlines follow its rules
    form = client.get(f"/g/{tree.grid_a1.code}/report").get_data(as_text=True)
    assert 'value="need"' in form and 'value="hazard"' not in form
    case = _case(tree, category="dispute")
    from portal.cases.calendar import WorkCalendar
    from portal.cases.deadlines import local_date

    received = local_date(case.created_at)
    assert case.assign_due == WorkCalendar.around(received).add_working_days(received, 2)

    import pytest

    with pytest.raises(DomainError):
        _case(tree, category="hazard")
    act(case, tree.users["village_admin"], "assign", assignee=tree.users["grid_worker"])
    db.session.commit()
    client.logout()
    client.login("grid_worker")
    fragment = client.htmx_get(f"/cases/{case.id}/act/resolve").get_data(as_text=True)
    assert "您反映的问题已处理，感谢支持。" in fragment


def test_department_reports_and_household_location(client, tree):
    client.login("dept_staff")
    missing = client.post("/cases/new", data={
        "grid": tree.grid_a1.id, "category": "safety_hazard", "kind": "coordination",
        "title": "危房", "description": "老房开裂", "household": "999"})
    assert missing.status_code == 422 and "没有户编号为 999 的住户" in missing.get_data(as_text=True)
    done = client.post("/cases/new", data={
        "grid": tree.grid_a1.id, "category": "safety_hazard", "kind": "coordination",
        "title": "危房", "description": "老房开裂", "household": "001"})
    assert done.status_code == 302
    case = db.session.scalar(db.select(Case).filter_by(title="危房"))
    assert case.source == "department" and case.household_id == tree.household_a.id


def test_a_duplicate_follows_its_original_in_open311(client, tree):
    from portal.cases.open311_keys import issue

    original, copy = _case(tree), _case(tree)
    act(copy, tree.users["town_admin"], "duplicate", "同一件事", duplicate_of=original)
    act(original, tree.users["village_admin"], "assign", assignee=tree.users["grid_worker"])
    act(original, tree.users["grid_worker"], "resolve", "好了")
    db.session.commit()
    _row, key = issue(tree.town_a, "x")
    db.session.commit()
    row = client.get(f"/open311/v2/requests/{copy.number}.json"
                     f"?jurisdiction_id={tree.town_a.code}&api_key={key}").get_json()[0]
    assert row["status"] == "closed" and row["status_notes"] == "好了"
    # without the key: the status and a note made from it, never the handler's words
    public = client.get(f"/open311/v2/requests/{copy.number}.json"
                        f"?jurisdiction_id={tree.town_a.code}").get_json()[0]
    assert public["status"] == "closed" and public["status_notes"] == "已办结"


def test_the_list_pages_without_a_full_reload(client, tree):
    for number in range(31):
        _case(tree, title=f"分页{number}")
    client.login("town_admin")
    first = client.get("/cases/").get_data(as_text=True)
    assert 'hx-get="/cases/?page=2"' in first
    second = client.htmx_get("/cases/?page=2").get_data(as_text=True)
    assert "<html" not in second and second.count('<li class="row-link">') == 1 and "下一页" not in second
