"""Today's work (portal.today): what each role must do today, its order and links, and that
nothing of another town appears."""
from datetime import timedelta

import pytest

from portal.cases.services import act, report, report_unplaced, sweep
from portal.extensions import db
from portal.people.models import Household, KeyPerson
from portal.tenancy import forget_modules
from portal.timeutil import local_today, utcnow
from portal.today import as_text, items_for


def _case(tree, grid=None, title="路灯不亮", **kw):
    fields = dict(category="hazard", title=title, description="村口路灯坏了三天",
                  source="patrol", reporter=tree.users["grid_worker"])
    fields.update(kw)
    case = report(grid or tree.grid_a1, **fields)
    db.session.commit()
    return case


def _late(case, days=2, steps=("assign", "feedback", "resolve")):
    for step in steps:
        setattr(case, f"{step}_due", local_today() - timedelta(days=days))
    db.session.commit()
    return case


def _items(app, user):
    with app.test_request_context():
        forget_modules()  # the test's app context outlives each request
        return {item.key: item for item in items_for(user)}


def _age_households(*households, days=400):
    for household in households:
        household.created_at = utcnow() - timedelta(days=days)
    db.session.commit()


# ---------------------------------------------------------------- a grid worker


def test_a_grid_worker_sees_visits_due_most_urgent_first_and_only_their_grid(app, tree):
    _age_households(tree.household_a2, days=400)      # ordinary: 182 days, long overdue
    _age_households(tree.household_a, days=20)       # yellow with a carer: 15 days, 5 late
    _age_households(tree.household_b, days=400)      # town B's: never on town A's list
    items = _items(app, tree.users["grid_worker"])
    visits = items["visits"]
    assert visits.count == 2 and visits.urgency == "red"
    assert [row.label for row in visits.rows] == ["城西路2号", "城西路1号"]  # the later first
    assert visits.url == "/visits/due" and visits.rows[0].url.startswith("/visits/households/")
    assert "荷叶塘8号" not in str(items)
    b_items = _items(app, tree.users["b_grid_worker"])
    assert b_items["visits"].count == 1 and b_items["visits"].rows[0].label == "荷叶塘8号"


def test_a_grid_worker_sees_their_cases_by_deadline_with_the_lights_of_each_step(app, tree):
    on_time = _case(tree, title="井盖松动")
    late = _late(_case(tree, title="路灯不亮"), steps=("assign",))
    _case(tree, tree.grid_b1, title="荷叶塘的事", reporter=tree.users["b_grid_worker"])
    cases = _items(app, tree.users["grid_worker"])["cases"]
    assert cases.count == 2 and cases.urgency == "red"
    assert [row.label for row in cases.rows] == [late.title, on_time.title]
    assert cases.rows[0].light == "red" and cases.rows[0].url == f"/cases/{late.id}"
    lights = dict(cases.rows[0].steps)
    assert lights["交办"] == "red" and lights["办结"] in ("green", "yellow")
    assert "荷叶塘的事" not in str(cases)


def test_a_case_given_to_someone_else_at_the_village_is_not_the_grid_workers(app, tree):
    case = _case(tree)
    act(case, tree.users["village_admin"], "assign", assignee=tree.users["village_admin"])
    case.level = "village"
    db.session.commit()
    assert "cases" not in _items(app, tree.users["grid_worker"])


def test_supervision_notices_head_the_list_of_the_grid_and_the_village(app, tree, client):
    _late(_case(tree))
    sweep()
    db.session.commit()
    worker = list(_items(app, tree.users["grid_worker"]).values())
    assert worker[0].key == "notices" and worker[0].urgency == "red"
    village = _items(app, tree.users["village_admin"])
    assert village["notices"].count == 3  # one per late step
    assert "notices" not in _items(app, tree.users["b_town_admin"])
    client.login("village_admin")
    page = client.get("/today/?item=notices").get_data(as_text=True)
    assert "路灯不亮" in page and "办结超期" in page


# ---------------------------------------------------------------- officials


def test_a_town_admin_sees_red_cases_by_step_each_linked_to_the_same_rows(app, tree, client):
    _late(_case(tree, title="分派晚了"), steps=("assign",))
    _late(_case(tree, tree.grid_a3, title="办结晚了"), steps=("resolve",))
    _case(tree, title="还来得及")
    _late(_case(tree, tree.grid_b1, title="樟树镇的", reporter=tree.users["b_grid_worker"]))
    items = _items(app, tree.users["town_admin"])
    late = items["late"]
    assert late.count == 2 and late.url == "/cases/?light=red"
    by_step = {row.label: (int(row.meta), row.url) for row in late.rows}
    assert by_step == {"交办超期": (1, "/cases/?light=red&step=assign"),
                       "办结超期": (1, "/cases/?light=red&step=resolve")}
    client.login("town_admin")
    listed = client.get("/cases/?light=red&step=assign").get_data(as_text=True)
    assert "分派晚了" in listed and "办结晚了" not in listed and "樟树镇的" not in listed
    assert "to_assign" not in items  # received at the grid: the village assigns them
    assert _items(app, tree.users["village_admin"])["to_assign"].count == 2
    assert "樟树镇的" not in str(items)


def test_the_intake_queue_and_cases_to_close_wait_on_the_town(app, tree):
    report_unplaced(tree.town_a, category="need", title="只有地址的事", description="某处",
                    source="open311", address="文星镇某处", reporter_phone="13812345678")
    done = _case(tree, title="修好了")
    act(done, tree.users["village_admin"], "assign", assignee=tree.users["grid_worker"])
    act(done, tree.users["grid_worker"], "resolve", "已修好")
    db.session.commit()
    town = _items(app, tree.users["town_admin"])
    assert town["intake"].count == 1 and town["intake"].url == "/cases/intake/"
    assert "to_close" not in town  # resolved at the grid: the village closes it
    village = _items(app, tree.users["village_admin"])
    assert village["to_close"].rows[0].label == "修好了"
    assert "intake" not in village
    assert "intake" not in _items(app, tree.users["b_town_admin"])


def test_department_staff_see_their_inbox_and_no_other_department(app, tree):
    mine = _case(tree, title="民政的事")
    mine.department_id = tree.departments["county"].id
    other = _case(tree, title="派出所的事")
    other.department_id = tree.departments["police_a"].id
    db.session.commit()
    items = _items(app, tree.users["dept_staff"])
    assert items["inbox"].count == 1 and items["inbox"].url == "/cases/inbox"
    assert "派出所的事" not in str(items)


def test_approval_steps_wait_on_who_may_take_them(app, tree):
    _case(tree, title="建房申请", kind="approval")
    village = _items(app, tree.users["village_admin"])
    assert village["approvals"].rows[0].meta.endswith("待受理")
    assert "approvals" not in _items(app, tree.users["b_town_admin"])


def test_key_persons_due_for_a_check_in_are_counted_for_those_who_may_know(app, tree, client):
    db.session.add(KeyPerson(resident_id=tree.resident_a.id, category="petitioner"))
    db.session.commit()
    town = _items(app, tree.users["town_admin"])
    assert town["key_persons"].count == 1 and town["key_persons"].url == "/key-persons/?due=1"
    assert town["key_persons"].rows == []  # names only on the audited register
    assert "key_persons" not in _items(app, tree.users["grid_worker"])
    assert "key_persons" not in _items(app, tree.users["b_town_admin"])
    client.login("town_admin")
    assert "张三丰" in client.get("/key-persons/?due=1").get_data(as_text=True)
    from portal.people.visits import record_visit

    record_visit(tree.household_a, tree.users["grid_worker"], local_today(), "走访了")
    db.session.commit()
    assert "key_persons" not in _items(app, tree.users["town_admin"])
    assert "张三丰" not in client.get("/key-persons/?due=1").get_data(as_text=True)


def test_grids_without_a_worker_are_on_the_admins_list(app, tree):
    items = _items(app, tree.users["town_admin"])
    assert items["unstaffed"].count == 4 and items["unstaffed"].url == "/dashboard/unstaffed"
    assert "unstaffed" not in _items(app, tree.users["grid_worker"])


# ---------------------------------------------------------------- a resident


def test_a_resident_sees_the_cases_they_reported_linked_to_their_own_pages(app, tree):
    resident = tree.users["resident"]
    case = _case(tree, title="楼道灯坏了", reporter=resident, source="resident")
    _case(tree, title="别人的事")
    items = _items(app, resident)
    assert list(items) == ["my_reports"]
    mine = items["my_reports"]
    assert mine.count == 1 and mine.url == "/my/cases/"
    assert mine.rows[0].url == f"/my/cases/{case.id}"


# ---------------------------------------------------------------- pages and text


def test_the_home_page_answers_first_and_keeps_the_summary_below_for_admins(client, tree):
    _late(_case(tree))
    client.login("grid_worker")
    home = client.get("/").get_data(as_text=True)
    assert home.index('id="today"') < home.index("class=\"summary\"")
    assert "路灯不亮" in home and 'href="/today/sheet"' in home
    client.logout()
    client.login("resident")
    home = client.get("/").get_data(as_text=True)
    assert 'id="today"' in home and 'class="summary"' not in home


def test_the_day_sheet_lists_visits_in_walking_order_on_a5(client, tree):
    hamlet = tree.grid_a3
    from portal.people.services import add_household

    for address in ("凤南二组3号", "凤南一组12号", "凤南一组5号"):
        add_household(hamlet, address)
    _age_households(*db.session.scalars(db.select(Household).filter_by(grid_id=hamlet.id)))
    worker = tree.users["grid_worker"]
    worker.scope_id = hamlet.id
    db.session.commit()
    client.login("grid_worker")
    sheet = client.get("/today/sheet").get_data(as_text=True)
    assert "css/day_sheet.css" in sheet and 'class="box"' in sheet
    order = [sheet.index(a) for a in ("凤南一组5号", "凤南一组12号", "凤南二组3号")]
    assert order == sorted(order)
    assert sheet.index("凤南一组") < sheet.index("凤南二组")


def test_as_text_is_a_short_plain_digest(app, tree):
    _late(_case(tree))
    sweep()
    db.session.commit()
    with app.test_request_context():
        text = as_text(tree.users["village_admin"], base_url="https://grid.example")
        assert text.startswith("今日工作 ")
        assert "· 督办 3 https://grid.example/today/?item=notices" in text
        assert "  - 路灯不亮" in text
        assert as_text(tree.users["b_town_admin"]).count("路灯不亮") == 0


@pytest.mark.parametrize("username", ["grid_worker", "town_admin", "resident", "dept_staff",
                                      "b_town_admin"])
def test_every_role_opens_its_list_and_its_sheet(client, tree, username):
    _late(_case(tree))
    client.login(username)
    for url in ("/", "/today/", "/today/sheet"):
        response = client.get(url)
        assert response.status_code == 200, url
        if username == "b_town_admin":
            assert "路灯不亮" not in response.get_data(as_text=True)


# ---------------------------------------------------------------- queries


def _add_work(tree, n):
    from portal.people.services import add_household

    for i in range(n):
        household = add_household(tree.grid_a1, f"城西路{100 + i}号-{n}")
        household.created_at = utcnow() - timedelta(days=400)
        _late(_case(tree, title=f"事件{i}-{n}"), steps=("assign",))
    sweep()
    db.session.commit()


@pytest.mark.parametrize("username,url", [("grid_worker", "/"), ("grid_worker", "/today/sheet"),
                                          ("village_admin", "/today/"), ("town_admin", "/")])
def test_the_list_does_not_grow_in_statements_with_its_rows(client, tree, username, url):
    from tests.test_query_counts import _statements

    client.login(username)
    _add_work(tree, 3)
    few = _statements(client, url)
    _add_work(tree, 9)
    many = _statements(client, url)
    assert many == few, f"{url}: {few} statements for few rows, {many} for more"
