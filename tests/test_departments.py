"""Departments as records (部门联单): staff with a department, a case assigned to a department in
its inbox, the department's steps (answer, return with a reason, ask another department to help),
who sees which case, the admin page, statistics by department, and the migration from free text.
"""
import re

import pytest

from portal.auth.models import User
from portal.auth.services import create_user
from portal.cases.models import Case
from portal.cases.services import act, report
from portal.departments.models import CaseAssist, Department, DepartmentReturn
from portal.departments.services import create_department
from portal.errors import DomainError
from portal.extensions import db
from portal.testing import PASSWORD


def _case(tree, title="路面塌陷", grid=None):
    return report(grid or tree.grid_a1, category="hazard", title=title, description="村口路面",
                  source="patrol", reporter=tree.users["grid_worker"])


def _staff(tree, username, department, scope=None):
    user = create_user(username=username, password=PASSWORD, role="dept_staff",
                       scope=scope or department.owner, display_name=f"{username} 用户",
                       department=department)
    db.session.commit()
    return user


def _text(response):
    return response.get_data(as_text=True)


@pytest.fixture
def people(tree):
    """Town A's 派出所 and 司法所 each with a staff member, town B's 派出所 with one."""
    return {"police": _staff(tree, "police_a", tree.departments["police_a"]),
            "justice": _staff(tree, "justice_a", tree.departments["justice_a"]),
            "police_b": _staff(tree, "police_b", tree.departments["police_b"])}


def _login(client, username):
    client.logout()  # a logged-in client's /login only goes home
    client.login(username)


def _inbox_titles(client):
    html = _text(client.get("/cases/inbox"))
    return re.findall(r'class="row-main"[^>]*><strong>([^<]+)</strong>', html)


# ---------------------------------------------------------------- the round trip


def test_department_inbox_round_trip(app, client, tree, people):
    """Town A assigns two cases to its 派出所; the 派出所 sees them in its inbox, asks the 司法所
    to help with one, the 司法所 answers; the 派出所 returns the other with a reason and
    answers the first; the statistics by department show it."""
    first, second = _case(tree, "邻里纠纷"), _case(tree, "占道经营")
    db.session.commit()
    police, justice = tree.departments["police_a"], tree.departments["justice_a"]

    _login(client, "town_admin")
    form = _text(client.htmx_get(f"/cases/{first.id}/act/assign"))
    # the departments offered: town A's and the county's, not town B's
    offered = re.findall(r'<option value="(\d+)" >([^<]+ · [^<·]+)</option>',
                         form.split('id="department"')[1])
    assert sorted(offered) == sorted([(str(d.id), f"{d.name} · {d.owner.name}") for d in (
        police, justice, tree.departments["county"])])
    refused = client.post(f"/cases/{first.id}/act/assign",
                          data={"department": str(tree.departments["police_b"].id)})
    assert refused.status_code == 422 and "请选择本镇或本县的承办部门" in _text(refused)
    nothing = client.post(f"/cases/{first.id}/act/assign", data={})
    assert nothing.status_code == 422 and "请选择承办人或承办部门" in _text(nothing)
    for case in (first, second):
        done = client.post(f"/cases/{case.id}/act/assign", data={"department": str(police.id)})
        assert done.status_code == 302, _text(done)
    db.session.expire_all()
    assert first.state == "assigned" and first.department_id == police.id
    deadlines_before = (first.assign_due, first.feedback_due, first.resolve_due)
    assert "承办部门：派出所" in _text(client.get(f"/cases/{first.id}"))

    # the 派出所's inbox: both, with their lights; the 司法所's: nothing yet
    _login(client, "police_a")
    assert sorted(_inbox_titles(client)) == ["占道经营", "邻里纠纷"]
    assert "light light-" in _text(client.get("/cases/inbox"))
    _login(client, "justice_a")
    assert _inbox_titles(client) == []
    assert client.get(f"/cases/{first.id}").status_code == 404  # not its case (yet)

    # 协办: the 派出所 asks the 司法所
    _login(client, "police_a")
    page = _text(client.get(f"/cases/{first.id}"))
    for label in ("办结", "退回", "请求协办"):
        assert label in page
    no_note = client.post(f"/cases/{first.id}/act/assist", data={"department": str(justice.id)})
    assert no_note.status_code == 422 and "请填写说明" in _text(no_note)
    itself = client.post(f"/cases/{first.id}/act/assist",
                         data={"department": str(police.id), "note": "x"})
    assert itself.status_code == 422 and "不能请本部门协办" in _text(itself)
    asked = client.post(f"/cases/{first.id}/act/assist",
                        data={"department": str(justice.id), "note": "请出具调解意见"})
    assert asked.status_code == 302
    again = client.post(f"/cases/{first.id}/act/assist",
                        data={"department": str(justice.id), "note": "再催"})
    assert again.status_code == 422 and "尚未答复" in _text(again)

    # the 司法所 sees it in its inbox as a help request, may answer it and nothing else
    _login(client, "justice_a")
    assert _inbox_titles(client) == ["邻里纠纷"]
    assert "请求协办" in _text(client.get("/cases/inbox"))
    case_page = _text(client.get(f"/cases/{first.id}"))
    assert "请司法所协办：请出具调解意见" in case_page
    assert client.get(f"/cases/{first.id}/act/resolve").status_code == 403
    assert client.get(f"/cases/{first.id}/act/return").status_code == 403
    answered = client.post(f"/cases/{first.id}/act/assist_answer",
                           data={"note": "已出具调解意见书，双方同意"})
    assert answered.status_code == 302
    assert _inbox_titles(client) == []  # answered: off its inbox
    assert client.get(f"/cases/{first.id}").status_code == 200  # it still sees what it helped
    assist = db.session.scalar(db.select(CaseAssist))
    assert assist.answer == "已出具调解意见书，双方同意" and assist.answered_at is not None

    # the 派出所 returns the second with a reason, and answers the first
    _login(client, "police_a")
    no_reason = client.post(f"/cases/{second.id}/act/return", data={})
    assert no_reason.status_code == 422 and "请填写说明" in _text(no_reason)
    returned = client.post(f"/cases/{second.id}/act/return", data={"note": "不属于派出所职责"})
    assert returned.status_code == 302
    assert client.get(f"/cases/{second.id}").status_code == 404  # no longer its case
    resolved = client.post(f"/cases/{first.id}/act/resolve", data={"note": "已调解完毕"})
    assert resolved.status_code == 302
    assert _inbox_titles(client) == []
    db.session.expire_all()
    assert second.state == "received" and second.department_id is None
    assert second.assignee_id is None and second.level == "grid"
    assert first.state == "resolved"
    # the 13710 clock stands: no step reset a deadline
    assert (first.assign_due, first.feedback_due, first.resolve_due) == deadlines_before
    timeline = [(e.action, e.note) for e in first.events]
    assert ("assist", "请司法所协办：请出具调解意见") in timeline
    assert ("assist_answer", "司法所协办答复：已出具调解意见书，双方同意") in timeline
    assert [(e.action, e.to_state, e.note) for e in second.events][-1] == \
        ("return", "received", "派出所退回：不属于派出所职责")

    # the town assigns the returned case again
    _login(client, "town_admin")
    assert "assign" in _text(client.get(f"/cases/{second.id}"))
    again = client.post(f"/cases/{second.id}/act/assign", data={"department": str(justice.id)})
    assert again.status_code == 302

    # statistics by department: the 派出所 had two, resolved one on time, returned one
    stats = _text(client.get("/cases/stats"))
    assert "按部门" in stats
    rows = dict(re.findall(r"<tr><td>(\S+) <small class=\"meta\">[^<]*</small></td>(.*?)</tr>",
                           stats, re.S))
    cells = {name: re.findall(r'<td class="num">([^<]*)</td>', row) for name, row in rows.items()}
    assert cells["派出所"] == ["2", "1", "100.0%", "0.0", "—", "1"]
    assert cells["司法所"] == ["1", "0", "—", "—", "—", "0"]
    # town B sees none of town A's departments' figures
    _login(client, "b_town_admin")
    assert "按部门" not in _text(client.get("/cases/stats"))


def test_by_department_counts_satisfaction_and_lateness(tree):
    from datetime import date, datetime

    from portal.departments.stats import by_department

    police = tree.departments["police_a"]
    late, rated = _case(tree, "晚了"), _case(tree, "好评")
    for case in (late, rated):
        act(case, tree.users["town_admin"], "assign", department=police)
        act(case, tree.users["town_admin"], "resolve", "办好了")
    late.created_at = late.assigned_at = datetime(2026, 3, 2, 2)  # Monday
    late.resolve_due = date(2026, 3, 11)
    late.resolved_at = datetime(2026, 3, 13, 2)  # two days late: 9 working days after report
    rated.created_at = rated.assigned_at = datetime(2026, 3, 2, 2)
    rated.resolve_due = date(2026, 3, 11)
    rated.resolved_at = datetime(2026, 3, 4, 2)  # 2 working days
    rated.satisfaction = 4
    db.session.commit()
    [row] = by_department(tree.town_a, date(2026, 3, 1), date(2026, 3, 31))
    assert row.department.id == police.id
    assert (row.received, row.resolved, row.on_time, row.returned) == (2, 2, 1, 0)
    assert row.on_time_rate == 0.5 and row.average_days == (9 + 2) / 2
    assert row.satisfaction == 4
    assert by_department(tree.town_b, date(2026, 3, 1), date(2026, 3, 31)) == []


# ---------------------------------------------------------------- who sees which case


def test_department_staff_see_exactly_their_departments_cases(client, tree, people):
    theirs, other, mine = _case(tree, "交给派出所"), _case(tree, "交给司法所"), None
    act(theirs, tree.users["town_admin"], "assign", department=tree.departments["police_a"])
    act(other, tree.users["town_admin"], "assign", department=tree.departments["justice_a"])
    in_b = _case(tree, "樟树镇的事", grid=tree.grid_b1)
    act(in_b, tree.users["b_town_admin"], "assign", department=tree.departments["police_b"])
    db.session.commit()

    _login(client, "police_a")
    listing = _text(client.get("/cases/"))
    assert "交给派出所" in listing and "交给司法所" not in listing and "樟树镇的事" not in listing
    assert client.get(f"/cases/{theirs.id}").status_code == 200
    assert client.get(f"/cases/{other.id}").status_code == 404
    assert client.get(f"/cases/{other.id}/act/resolve").status_code == 404
    assert client.get(f"/cases/{in_b.id}").status_code == 404  # another town's case
    # a case they report themselves they see too
    done = client.post("/cases/new", data={"grid": tree.grid_a1.id, "category": "hazard",
                                           "kind": "general", "title": "派出所发现的隐患",
                                           "description": "井盖缺失"})
    assert done.status_code == 302
    mine = db.session.scalar(db.select(Case).filter_by(title="派出所发现的隐患"))
    assert client.get(f"/cases/{mine.id}").status_code == 200

    # town B's 派出所: its own case only; town A's is a 404
    _login(client, "police_b")
    assert client.get(f"/cases/{theirs.id}").status_code == 404
    assert client.get(f"/cases/{in_b.id}").status_code == 200
    assert _inbox_titles(client) == ["樟树镇的事"]

    # the county's 民政局 (the tree's dept_staff) sees neither
    _login(client, "dept_staff")
    assert client.get(f"/cases/{theirs.id}").status_code == 404
    assert "交给派出所" not in _text(client.get("/cases/"))


def test_a_county_department_takes_cases_of_every_town(client, tree):
    county = tree.departments["county"]
    a, b = _case(tree, "文星镇低保"), _case(tree, "樟树镇低保", grid=tree.grid_b1)
    act(a, tree.users["town_admin"], "assign", department=county)
    act(b, tree.users["b_town_admin"], "assign", department=county)
    db.session.commit()
    _login(client, "dept_staff")
    assert sorted(_inbox_titles(client)) == ["文星镇低保", "樟树镇低保"]
    assert client.post(f"/cases/{b.id}/act/resolve", data={"note": "已核定"}).status_code == 302


def test_only_the_lead_returns_and_the_steps_are_the_departments(tree, people):
    from portal.cases.workflow import available

    case = _case(tree)
    act(case, tree.users["town_admin"], "assign", department=tree.departments["police_a"])
    assert {"start", "feedback", "resolve", "return", "assist"} <= \
        set(available(people["police"], case))
    assert available(people["justice"], case) == []
    assert "return" not in available(tree.users["town_admin"], case)
    with pytest.raises(DomainError):
        act(case, people["justice"], "return", "不归我们")
    # a case given to a person: the grid worker leads it, may ask a department's help,
    # but returning is a department's step
    other = _case(tree, "交给网格员")
    act(other, tree.users["village_admin"], "assign", assignee=tree.users["grid_worker"])
    assert "assist" in available(tree.users["grid_worker"], other)
    assert "return" not in available(tree.users["grid_worker"], other)


# ---------------------------------------------------------------- staff need a department


def test_a_dept_staff_without_department_is_refused(client, tree):
    _login(client, "town_admin")
    page = _text(client.get("/admin/users/new"))
    assert "所属部门" in page
    # town A's admin offers town A's departments and the county's, not town B's
    assert "派出所 · 文星镇" in page and "民政局 · 湘阴县" in page and "樟树镇" not in page
    data = {"username": "newdept", "display_name": "新部门人员", "role": "dept_staff",
            "scope": tree.town_a.id, "password": "Abcdefgh12"}
    refused = client.post("/admin/users/new", data=data)
    assert refused.status_code == 422
    assert re.search(r'id="department-errors"><li>部门人员须选择所属部门', _text(refused))
    assert db.session.scalar(db.select(User).filter_by(username="newdept")) is None
    town_b = client.post("/admin/users/new",
                         data={**data, "department": tree.departments["police_b"].id})
    assert town_b.status_code == 422 and "所选部门不属于该用户的管理范围" in _text(town_b)
    done = client.post("/admin/users/new",
                       data={**data, "department": tree.departments["justice_a"].id})
    assert done.status_code == 302
    user = db.session.scalar(db.select(User).filter_by(username="newdept"))
    assert user.department.name == "司法所"
    # another role keeps no department
    client.post(f"/admin/users/{user.id}", data={**data, "role": "town_admin",
                                                  "department": tree.departments["justice_a"].id})
    db.session.expire_all()
    assert user.role == "town_admin" and user.department_id is None
    # a county department for a town-scoped user is fine; a town's for a county user is not
    with pytest.raises(DomainError) as refused_service:
        create_user(username="x_county", password=PASSWORD, role="dept_staff",
                    scope=tree.county, department=tree.departments["police_a"])
    assert refused_service.value.field == "department"
    create_user(username="x_town", password=PASSWORD, role="dept_staff", scope=tree.town_a,
                department=tree.departments["county"])


def test_the_command_line_names_the_department(runner, tree):
    args = ["users", "create", "--username", "cli_dept", "--password", "Abcdefgh12",
            "--role", "dept_staff", "--scope", tree.town_a.code]
    refused = runner.invoke(args=args)
    assert refused.exit_code != 0 and "部门人员须选择所属部门" in refused.output
    done = runner.invoke(args=[*args, "--department", "派出所"])
    assert done.exit_code == 0, done.output
    assert db.session.scalar(db.select(User).filter_by(username="cli_dept")).department.name \
        == "派出所"


# ---------------------------------------------------------------- the admin page


def test_admins_keep_their_departments(client, tree):
    from portal.audit.models import AuditEntry

    _login(client, "town_admin")
    page = _text(client.get("/admin/departments"))
    assert "派出所" in page and "司法所" in page and "民政局" not in page  # the county's: not theirs
    empty = client.post("/admin/departments", data={"owner": tree.town_a.id, "name": ""})
    assert empty.status_code == 422 and "请填写部门名称" in _text(empty)
    twice = client.post("/admin/departments", data={"owner": tree.town_a.id, "name": "派出所"})
    assert twice.status_code == 422 and "文星镇已有名为“派出所”的部门" in _text(twice)
    county = client.post("/admin/departments", data={"owner": tree.county.id, "name": "住建局"})
    assert county.status_code == 422  # a town admin keeps only the town's
    done = client.post("/admin/departments",
                       data={"owner": tree.town_a.id, "name": "民政办", "kind": "mz"})
    assert done.status_code == 302
    made = db.session.scalar(db.select(Department).filter_by(name="民政办"))
    assert made.owner_id == tree.town_a.id and made.kind == "mz" and made.active
    edit = client.post(f"/admin/departments/{made.id}", data={"name": "民政服务站", "kind": ""})
    assert edit.status_code == 302
    db.session.expire_all()
    assert made.name == "民政服务站" and not made.active and made.kind is None
    actions = db.session.scalars(db.select(AuditEntry.action).where(
        AuditEntry.object_id == str(made.id), AuditEntry.action.startswith("department."))).all()
    assert sorted(actions) == ["department.create", "department.update"]
    # an inactive department is offered for nothing new
    case = _case(tree)
    db.session.commit()
    assert "民政服务站" not in _text(client.htmx_get(f"/cases/{case.id}/act/assign"))
    # town B's admin: town A's departments do not exist
    _login(client, "b_town_admin")
    assert client.get(f"/admin/departments/{made.id}").status_code == 404
    assert "民政服务站" not in _text(client.get("/admin/departments"))
    # the county admin keeps the county's and every town's
    _login(client, "county_admin")
    page = _text(client.get("/admin/departments"))
    assert "民政局" in page and "民政服务站" in page and "樟树镇" in page
    assert client.post("/admin/departments",
                       data={"owner": tree.county.id, "name": "住建局"}).status_code == 302


def test_create_department_refuses_a_village(tree):
    with pytest.raises(DomainError):
        create_department(tree.village_a1, "村委会")


# ---------------------------------------------------------------- the migration


def test_the_migration_turns_free_text_into_departments(make_app, app_config):
    """A database at core_0014 whose cases name departments as text: each distinct name of a
    town becomes one department of that town, its cases point at it, and downgrading writes the
    names back."""
    import flask_migrate
    from sqlalchemy import inspect, text

    app = make_app(app_config)
    with app.app_context():
        flask_migrate.upgrade(revision="core_0014")
        with db.engine.begin() as connection:
            for gid, code, level, parent in ((1, "430624", "county", None),
                                             (2, "430624001", "town", 1),
                                             (3, "430624001001", "village", 2),
                                             (4, "430624001001001", "grid", 3),
                                             (5, "430624002", "town", 1),
                                             (6, "430624002001", "village", 5),
                                             (7, "430624002001001", "grid", 6)):
                connection.execute(text(
                    "INSERT INTO grids (id, code, name, level, parent_id, created_at) VALUES "
                    "(:id, :code, :code, :level, :parent, '2026-01-01')"),
                    {"id": gid, "code": code, "level": level, "parent": parent})
            for cid, grid, department in ((1, 4, "司法所"), (2, 4, "派出所"), (3, 4, " 司法所"),
                                          (4, 7, "司法所"), (5, 4, None)):
                connection.execute(text(
                    "INSERT INTO cases (id, number, grid_id, category, kind, major, title, "
                    "description, source, state, level, department, created_at, assign_due, "
                    "feedback_due, resolve_due) VALUES (:id, :number, :grid, 'hazard', "
                    "'general', false, 't', 'd', 'patrol', 'assigned', 'grid', :department, "
                    "'2026-01-01', '2026-01-02', '2026-01-05', '2026-01-09')"),
                    {"id": cid, "number": f"n{cid}", "grid": grid, "department": department})
        flask_migrate.upgrade(revision="core_0015")
        with db.engine.connect() as connection:
            made = connection.execute(text(
                "SELECT d.id, g.code, d.name, d.active FROM departments d "
                "JOIN grids g ON g.id = d.owner_id ORDER BY d.id")).all()
            linked = dict(connection.execute(text("SELECT id, department_id FROM cases")).all())
        assert [(code, name) for _id, code, name, _active in made] == [
            ("430624001", "司法所"), ("430624001", "派出所"), ("430624002", "司法所")]
        assert all(active for *_rest, active in made)
        ids = {(code, name): i for i, code, name, _a in made}
        assert linked == {1: ids[("430624001", "司法所")], 2: ids[("430624001", "派出所")],
                          3: ids[("430624001", "司法所")], 4: ids[("430624002", "司法所")],
                          5: None}
        columns = {c["name"] for c in inspect(db.engine).get_columns("cases")}
        assert "department" not in columns and "department_id" in columns
        assert "department_id" in {c["name"] for c in inspect(db.engine).get_columns("users")}
        flask_migrate.downgrade(revision="core_0014")
        with db.engine.connect() as connection:
            names = dict(connection.execute(text("SELECT id, department FROM cases")).all())
        assert names == {1: "司法所", 2: "派出所", 3: "司法所", 4: "司法所", 5: None}
        assert "departments" not in inspect(db.engine).get_table_names()


def test_returns_and_assists_lie_in_their_cases_town(tree, people):
    """The new records declare their scope: town B's admin cannot reach them."""
    from portal.tenancy import in_scope

    case = _case(tree)
    act(case, tree.users["town_admin"], "assign", department=tree.departments["police_a"])
    act(case, people["police"], "assist", "请协助", department=tree.departments["justice_a"])
    act(case, people["police"], "return", "不归我们")
    db.session.commit()
    for record in (db.session.scalar(db.select(CaseAssist)),
                   db.session.scalar(db.select(DepartmentReturn)),
                   tree.departments["police_a"]):
        assert in_scope(tree.users["town_admin"], record)
        assert not in_scope(tree.users["b_town_admin"], record)


def test_another_departments_case_is_a_404_on_every_case_page_and_off_the_home_page(
        client, tree, people):
    """The narrowing lives in the one scoping layer (portal.tenancy.narrow): every page that
    loads a case with load_scoped — the case, its photos, its kind panel's forms, the printable
    decision, the intake placing — and the home page's supervision notices apply it."""
    from datetime import timedelta

    from portal.cases.services import sweep
    from portal.timeutil import local_today

    case = report(tree.grid_a1, category="need", kind="approval", title="申请危房改造补助",
                  description="房屋墙体开裂", source="patrol", reporter=tree.users["grid_worker"])
    case.assign_due = local_today() - timedelta(days=1)
    db.session.commit()
    sweep()
    db.session.commit()
    _login(client, "justice_a")  # town A's 司法所: same town, not its case
    for path in (f"/cases/{case.id}", f"/cases/{case.id}/act/feedback",
                 f"/cases/{case.id}/decision", f"/cases/{case.id}/consultations/new",
                 f"/cases/{case.id}/lead"):
        assert client.get(path).status_code == 404, path
    assert "申请危房改造补助" not in _text(client.get("/"))
    assert "申请危房改造补助" not in _text(client.get("/cases/"))
    case.department_id = tree.departments["justice_a"].id
    db.session.commit()
    assert client.get(f"/cases/{case.id}").status_code == 200
    assert client.get(f"/cases/{case.id}/decision").status_code == 200
    assert "申请危房改造补助" in _text(client.get("/"))  # its supervision notice now


def test_a_department_invited_to_a_consultation_sees_the_case_until_the_minutes(
        client, tree, people):
    from datetime import timedelta

    from portal.cases.kind_models import Consultation
    from portal.timeutil import utcnow

    case = report(tree.grid_a1, category="dispute", kind="coordination", title="排水沟纠纷",
                  description="两户为排水沟争执", source="patrol",
                  reporter=tree.users["grid_worker"])
    case.created_at = utcnow() - timedelta(days=3)
    db.session.commit()
    _login(client, "justice_a")
    assert client.get(f"/cases/{case.id}").status_code == 404
    _login(client, "town_admin")
    form = _text(client.get(f"/cases/{case.id}/consultations/new"))
    justice, police_b = tree.departments["justice_a"], tree.departments["police_b"]
    assert f'value="{justice.id}"' in form and f'value="{police_b.id}"' not in form
    fields = {"scheduled_at": (utcnow() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
              "place": "村委会", "participants": "两户当事人", "plan": "现场调解"}
    refused = client.post(f"/cases/{case.id}/consultations/new",
                          data={**fields, "invited": [police_b.id]})  # another town's
    assert refused.status_code == 422 and "请选择本镇或本县的部门" in _text(refused)
    assert client.post(f"/cases/{case.id}/consultations/new",
                       data={**fields, "invited": [justice.id], "departments": "镇水利站"}
                       ).status_code == 302
    page = _text(client.get(f"/cases/{case.id}"))
    assert "司法所" in page and "镇水利站" in page
    _login(client, "justice_a")  # invited: the case and its inbox
    assert client.get(f"/cases/{case.id}").status_code == 200
    assert "排水沟纠纷" in _inbox_titles(client)
    _login(client, "police_a")  # not invited
    assert client.get(f"/cases/{case.id}").status_code == 404
    consultation = db.session.scalar(db.select(Consultation).filter_by(case_id=case.id))
    consultation.recorded_at, consultation.minutes = utcnow(), "已调解"
    db.session.commit()
    _login(client, "justice_a")  # minutes recorded: off the inbox, still readable
    assert "排水沟纠纷" not in _inbox_titles(client)
    assert client.get(f"/cases/{case.id}").status_code == 200
