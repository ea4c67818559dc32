"""Managing user accounts inside one's scope, from the admin pages and the command line."""
from portal.audit.models import AuditEntry
from portal.auth.models import User
from portal.extensions import db


def _new_user(client, **overrides):
    data = {"username": "new_worker", "display_name": "新网格员", "phone": "", "id_number": "",
            "role": "grid_worker", "scope": "", "password": "abc12345"}
    data.update(overrides)
    return client.post("/admin/users/new", data=data)


def test_town_admin_creates_a_grid_worker_in_the_town(client, tree):
    client.login("town_admin")
    response = _new_user(client, scope=tree.grid_a2.id, phone="13700001111")
    assert response.status_code == 302
    user = db.session.scalar(db.select(User).filter_by(username="new_worker"))
    assert user.scope_id == tree.grid_a2.id and user.role == "grid_worker"
    assert db.session.scalar(db.select(AuditEntry).filter_by(action="user.create",
                                                              object_id=str(user.id)))
    client.logout()
    client.login("13700001111", "abc12345")


def test_errors_are_next_to_their_fields(client, tree):
    client.login("town_admin")
    response = _new_user(client, username="town_admin", scope=tree.grid_a2.id,
                         id_number="110105194912310021", password="short")
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "身份证号校验位不正确" in text
    assert "密码至少8位" in text
    response = _new_user(client, username="town_admin", scope=tree.grid_a2.id)
    assert "用户名已被使用" in response.get_data(as_text=True)


def test_role_must_fit_the_scope_level(client, tree):
    client.login("town_admin")
    response = _new_user(client, role="grid_worker", scope=tree.village_a1.id)
    assert response.status_code == 422
    assert "网格员的管理范围应是" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(User).filter_by(username="new_worker")) is None


def test_no_one_hands_out_a_role_above_their_own(client, tree):
    client.login("village_admin")
    form = client.get("/admin/users/new").get_data(as_text=True)
    assert 'value="town_admin"' not in form and 'value="grid_worker"' in form
    response = _new_user(client, role="town_admin", scope=tree.town_a.id)
    assert response.status_code == 422
    assert db.session.scalar(db.select(User).filter_by(username="new_worker")) is None


def test_scope_outside_ones_own_is_refused(client, tree):
    client.login("town_admin")
    response = _new_user(client, scope=tree.grid_b1.id)
    assert response.status_code == 422
    assert db.session.scalar(db.select(User).filter_by(username="new_worker")) is None


def test_users_of_another_town_do_not_exist_for_me(client, tree):
    client.login("town_admin")
    listing = client.get("/admin/users").get_data(as_text=True)
    assert "b_town_admin" not in listing and "grid_worker" in listing
    other = tree.users["b_grid_worker"]
    assert client.get(f"/admin/users/{other.id}").status_code == 404
    assert client.post(f"/admin/users/{other.id}", data={"username": "hijack"}).status_code == 404


def test_edit_deactivate_and_reset_password(client, tree):
    client.login("town_admin")
    worker = tree.users["grid_worker"]
    response = client.post(f"/admin/users/{worker.id}", data={
        "username": "grid_worker", "display_name": "改名了", "role": "grid_worker",
        "scope": tree.grid_a2.id, "password": "newpass123", "phone": "", "id_number": ""})
    assert response.status_code == 302
    worker = db.session.get(User, worker.id)
    assert worker.display_name == "改名了" and not worker.is_active
    assert worker.check_password("newpass123")
    entry = db.session.scalar(db.select(AuditEntry).filter_by(action="user.update"))
    assert "password_hash" not in entry.detail and "newpass123" not in entry.detail


def test_admin_cannot_lock_themself_out(client, tree):
    client.login("town_admin")
    me = tree.users["town_admin"]
    response = client.post(f"/admin/users/{me.id}", data={
        "username": "town_admin", "display_name": "x", "role": "town_admin",
        "scope": tree.town_a.id, "password": "", "phone": "", "id_number": ""})
    assert response.status_code == 422
    assert db.session.get(User, me.id).is_active


def test_user_list_search_returns_a_fragment_for_htmx(client, tree):
    client.login("county_admin")
    fragment = client.htmx_get("/admin/users?q=b_town").get_data(as_text=True)
    assert "<html" not in fragment and "b_town_admin" in fragment and "village_admin" not in fragment


def test_cli_users_create(runner, tree):
    result = runner.invoke(args=["users", "create", "--username", "cli_user", "--password",
                                 "pass12345", "--role", "village_admin", "--scope",
                                 tree.village_a2.code])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(db.select(User).filter_by(username="cli_user")).scope_id == tree.village_a2.id
    bad = runner.invoke(args=["users", "create", "--username", "x1", "--password", "pass12345",
                              "--role", "village_admin", "--scope", "000"])
    assert bad.exit_code != 0 and "000" in bad.output
    wrong_level = runner.invoke(args=["users", "create", "--username", "x2", "--password",
                                      "pass12345", "--role", "village_admin", "--scope",
                                      tree.town_a.code])
    assert wrong_level.exit_code != 0
    assert db.session.scalar(db.select(User).filter_by(username="x2")) is None


def test_pagination_swaps_the_table_without_a_full_reload(client, tree):
    from portal.auth.services import create_user

    for number in range(35):
        create_user(username=f"worker{number:02d}", password="pass12345", role="grid_worker",
                    scope=tree.grid_a2)
    db.session.commit()
    client.login("town_admin")
    first = client.get("/admin/users").get_data(as_text=True)
    assert 'hx-get="/admin/users?page=2"' in first and 'hx-target="#users-table"' in first
    second = client.htmx_get("/admin/users?page=2").get_data(as_text=True)
    assert "<html" not in second and "第2页 / 2" in second
    # town A holds the tree's users (one per role of the plugins loaded) and the 35 new ones:
    # 30 on page 1, the rest (+ header) on page 2
    from portal.grids.models import Grid

    in_town = db.session.scalar(db.select(db.func.count(User.id)).join(
        Grid, Grid.id == User.scope_id).where(Grid.code.like(f"{tree.town_a.code}%")))
    assert in_town > 40
    assert f"共{in_town}个用户" in second and second.count("<tr") == 1 + in_town - 30
