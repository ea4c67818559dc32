"""Sessions end when they should: logging out, a new password, disabling, a new role or scope
end every session of that user at once (the session holds "<id>:<token>", and the user's token
changes); a cookie kept from before is refused when replayed."""
import pytest

from portal.audit.models import AuditEntry
from portal.auth.models import User
from portal.extensions import db
from portal.testing import PASSWORD

COOKIE = "portal_session"


def _session_of(app, username):
    """A client logged in as ``username``, and its session cookie as it is now."""
    client = app.test_client()
    client.login(username)
    assert client.get("/").status_code == 200
    return client, client.get_cookie(COOKIE).value


def _replay(app, cookie):
    """A new browser presenting a copied cookie: the home page, or 302 to the login page."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, cookie)
    return thief.get("/")


def _admin_edit(client, user, tree, **changes):
    data = {"username": user.username, "display_name": user.display_name, "phone": "",
            "id_number": "", "email": "", "role": user.role, "scope": user.scope_id,
            "password": "", "active": "y"}
    data.update(changes)
    if data["active"] is None:
        del data["active"]
    response = client.post(f"/admin/users/{user.id}", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)


def test_a_cookie_replayed_after_logout_is_refused(app, tree):
    client, cookie = _session_of(app, "grid_worker")
    assert _replay(app, cookie).status_code == 200  # the copy works while the session lives
    client.logout()
    refused = _replay(app, cookie)
    assert refused.status_code == 302 and "/login" in refused.location
    assert client.get("/").status_code == 302


def test_logging_out_ends_every_session_of_the_user_and_no_one_elses(app, tree):
    phone, phone_cookie = _session_of(app, "grid_worker")
    desk, desk_cookie = _session_of(app, "grid_worker")
    other, other_cookie = _session_of(app, "village_admin")
    desk.logout()
    assert phone.get("/").status_code == 302
    assert _replay(app, phone_cookie).status_code == 302
    assert other.get("/").status_code == 200
    phone.login("grid_worker")  # a new login works and gets a session of its own
    assert phone.get("/").status_code == 200


def _password(client, user, tree):
    _admin_edit(client, user, tree, password="Changed-2026")


def _disable(client, user, tree):
    _admin_edit(client, user, tree, active=None)


def _role(client, user, tree):
    _admin_edit(client, user, tree, role="info_officer", scope=tree.village_a1.id)


def _scope(client, user, tree):
    _admin_edit(client, user, tree, scope=tree.grid_a2.id)


#: Every change an admin makes that must end the user's sessions.
ENDING = {"password reset": _password, "disabled": _disable, "role changed": _role,
          "scope changed": _scope}


@pytest.mark.parametrize("change", ENDING)
def test_an_admins_change_ends_every_session_of_that_user(app, tree, change):
    worker = tree.users["grid_worker"]
    phone, phone_cookie = _session_of(app, "grid_worker")
    desk, _cookie = _session_of(app, "grid_worker")
    bystander, _cookie = _session_of(app, "village_admin")
    admin = app.test_client()
    admin.login("town_admin")
    ENDING[change](admin, db.session.get(User, worker.id), tree)
    for client in (phone, desk):
        assert client.get("/").status_code == 302, change
    assert _replay(app, phone_cookie).status_code == 302, change
    assert bystander.get("/").status_code == 200
    assert admin.get("/admin/users").status_code == 200  # the admin's own session goes on
    entry = db.session.scalars(db.select(AuditEntry).filter_by(
        action="user.update", object_id=str(worker.id))).all()[-1]
    assert entry.detail_dict["changes"]["sessions"] == "ended"


def test_other_changes_keep_the_sessions(app, tree):
    worker = tree.users["grid_worker"]
    phone, _cookie = _session_of(app, "grid_worker")
    admin = app.test_client()
    admin.login("town_admin")
    _admin_edit(admin, worker, tree, display_name="新名字", phone="13700002222")
    assert phone.get("/").status_code == 200


def test_changing_ones_own_password_keeps_this_session_and_ends_the_others(app, tree):
    me = tree.users["town_admin"]
    here, _cookie = _session_of(app, "town_admin")
    elsewhere, elsewhere_cookie = _session_of(app, "town_admin")
    _admin_edit(here, me, tree, password="Mine-Now-2026")
    assert here.get("/admin/users").status_code == 200  # re-issued with the new token
    assert elsewhere.get("/").status_code == 302
    assert _replay(app, elsewhere_cookie).status_code == 302
    fresh = app.test_client()
    fresh.login("town_admin", "Mine-Now-2026")


def _own_password(client, current, new, confirm=None):
    return client.post("/account/password", data={"current": current, "new": new,
                                                   "confirm": new if confirm is None else confirm})


def test_ones_own_password_page_keeps_this_session_and_ends_the_others(app, tree):
    here, _cookie = _session_of(app, "grid_worker")
    elsewhere, elsewhere_cookie = _session_of(app, "grid_worker")
    assert "修改密码" in here.get("/").get_data(as_text=True)  # linked from every page
    response = _own_password(here, PASSWORD, "Mine-Now-2026")
    assert response.status_code == 302
    assert "其他设备上的登录已退出" in here.get("/").get_data(as_text=True)
    assert elsewhere.get("/").status_code == 302
    assert _replay(app, elsewhere_cookie).status_code == 302
    worker = db.session.get(User, tree.users["grid_worker"].id)
    assert worker.check_password("Mine-Now-2026") and not worker.check_password(PASSWORD)
    assert db.session.scalar(db.select(AuditEntry).filter_by(action="user.password_change",
                                                              object_id=str(worker.id)))


def test_ones_own_password_needs_the_current_one_and_guessing_it_is_throttled(app, tree):
    here, _cookie = _session_of(app, "grid_worker")
    other, _cookie = _session_of(app, "grid_worker")
    mismatch = _own_password(here, PASSWORD, "Mine-Now-2026", "Mine-Now-2027")
    assert mismatch.status_code == 422 and "两次输入的新密码不一致" in mismatch.get_data(as_text=True)
    for _ in range(5):
        wrong = _own_password(here, "guess-1234", "Mine-Now-2026")
        assert wrong.status_code == 422 and "当前密码不正确" in wrong.get_data(as_text=True)
    locked = _own_password(here, PASSWORD, "Mine-Now-2026")
    assert locked.status_code == 429 and "请15分钟后再试" in locked.get_data(as_text=True)
    assert db.session.get(User, tree.users["grid_worker"].id).check_password(PASSWORD)
    assert other.get("/").status_code == 200  # nothing changed: the other session goes on


def test_every_password_change_ends_the_sessions(app, tree):
    """Whatever path sets a password (services, admin pages, command line, a plugin), it goes
    through User.set_password, which changes the token."""
    from portal.auth.services import update_user

    worker = tree.users["grid_worker"]
    phone, _cookie = _session_of(app, "grid_worker")
    token = worker.session_token
    update_user(worker, password="Service-2026")
    db.session.commit()
    assert worker.session_token != token
    assert phone.get("/").status_code == 302
    phone.login("grid_worker", "Service-2026")
    token = db.session.get(User, worker.id).session_token
    worker.set_password("Direct-2026")
    db.session.commit()
    assert phone.get("/").status_code == 302


def test_a_disabled_users_session_is_refused_even_with_the_right_token(app, tree):
    """Defence in depth: an account disabled without going through the services (a script,
    the database) is refused on its next request too."""
    phone, _cookie = _session_of(app, "grid_worker")
    db.session.execute(db.update(User).where(User.username == "grid_worker")
                       .values(is_active_flag=False))
    db.session.commit()
    assert phone.get("/").status_code == 302


@pytest.mark.parametrize("session_id", ["{id}", "{id}:", "{id}:not-the-token", ":{token}",
                                        "x:{token}", "{id}:{token}x", "²:{token}", ""])
def test_a_session_without_the_users_current_token_is_refused(app, tree, session_id):
    """Sessions from before tokens (a bare id), forged or mangled ids."""
    worker = tree.users["grid_worker"]
    client = app.test_client()
    client.get("/login")
    with client.session_transaction() as session:
        session["_user_id"] = session_id.format(id=worker.id, token=worker.session_token)
        session["_fresh"] = True
    assert client.get("/").status_code == 302
    with client.session_transaction() as session:
        session["_user_id"] = f"{worker.id}:{worker.session_token}"
    assert client.get("/").status_code == 200  # the same client with the real id is let in


def test_each_user_has_a_token_of_their_own(app, tree):
    tokens = [u.session_token for u in db.session.scalars(db.select(User))]
    assert len(set(tokens)) == len(tokens) and all(len(t) >= 40 for t in tokens)
    client = app.test_client()
    client.login("grid_worker")
    with client.session_transaction() as session:
        assert session["_user_id"] == f"{tree.users['grid_worker'].id}:" \
                                      f"{tree.users['grid_worker'].session_token}"


def test_the_migration_gives_existing_users_their_own_token(make_app, app_config):
    """A database upgraded from core_0009 with users in it: each gets its own token, and old
    failure rows (counted per account alone) are dropped."""
    import flask_migrate
    from sqlalchemy import text

    app = make_app(app_config)
    with app.app_context():
        flask_migrate.upgrade(revision="core_0009")
        with db.engine.begin() as connection:
            connection.execute(text("INSERT INTO grids (id, code, name, level, created_at) "
                                    "VALUES (1, '430624', '湘阴县', 'county', CURRENT_TIMESTAMP)"))
            for n in (1, 2):
                connection.execute(text(
                    "INSERT INTO users (id, username, display_name, password_hash, role, "
                    "scope_id, is_active, created_at) VALUES "
                    f"({n}, 'u{n}', 'u{n}', 'x', 'county_admin', 1, true, CURRENT_TIMESTAMP)"))
            connection.execute(text("INSERT INTO login_attempts (key, at) VALUES "
                                    "('account:1', CURRENT_TIMESTAMP)"))
        flask_migrate.upgrade(revision="core_0010")
        with db.engine.connect() as connection:
            tokens = connection.execute(text("SELECT session_token FROM users")).scalars().all()
            attempts = connection.execute(text("SELECT count(*) FROM login_attempts")).scalar()
        assert len(set(tokens)) == 2 and all(tokens) and attempts == 0
        flask_migrate.downgrade(revision="core_0009")
        flask_migrate.upgrade(revision="core_0010")


def test_logout_keeps_the_chosen_language(app, tree):
    client = app.test_client()
    client.post("/language", data={"lang": "en", "next": "/login"})
    client.login("grid_worker", PASSWORD)
    client.logout()
    assert "Log in" in client.get("/login").get_data(as_text=True)
