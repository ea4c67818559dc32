"""Login, throttling, sessions, CSRF and the security headers every response carries."""
import pytest

from portal.audit.models import AuditEntry
from portal.auth.models import LoginAttempt, LoginLockout, User
from portal.errors import DomainError
from portal.extensions import db
from portal.testing import PASSWORD
from portal.plugin_testing import needs_plugin  # the plugins' fixtures come with them


def _login(client, login, password=PASSWORD, **kw):
    return client.post("/login", data={"login": login, "password": password}, **kw)


def test_passwords_are_hashed(tree):
    user = tree.users["town_admin"]
    assert PASSWORD not in user.password_hash
    assert user.password_hash.startswith(("pbkdf2:", "scrypt:"))
    assert user.check_password(PASSWORD) and not user.check_password("wrong")


def test_login_with_username_phone_or_id_number(client, tree):
    user = tree.users["grid_worker"]
    user.phone = "13912345678"
    user.id_number = "11010519491231002X"
    db.session.commit()
    for login in ("grid_worker", "13912345678", "11010519491231002X", "11010519491231002x"):
        response = _login(client, login)
        assert response.status_code == 302, login
        assert client.get("/").status_code == 200
        client.logout()
    assert db.session.get(User, user.id).last_login_at is not None


def test_login_with_email_ignores_case_and_emails_are_unique(client, tree):
    from portal.auth.services import create_user, update_user

    update_user(tree.users["grid_worker"], email=" Li.Wang@Example.cn ")
    db.session.commit()
    assert tree.users["grid_worker"].email == "li.wang@example.cn"
    assert _login(client, "LI.WANG@example.cn").status_code == 302
    with pytest.raises(DomainError, match="邮箱已绑定"):
        create_user(username="other", password="pass12345", role="grid_worker",
                    scope=tree.grid_a2, email="li.wang@example.CN")


def test_wrong_password_is_refused_with_a_message(client, tree):
    response = _login(client, "town_admin", "nope")
    assert response.status_code == 401
    assert "账号或密码不正确" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still anonymous


def test_inactive_user_cannot_log_in(client, tree):
    tree.users["resident"].is_active_flag = False
    db.session.commit()
    assert _login(client, "resident").status_code == 401


def _failures(client, login, n, address):
    for _ in range(n):
        response = _login(client, login, "bad", environ_base={"REMOTE_ADDR": address})
        assert response.status_code == 401
    return response


def test_five_failures_lock_that_account_from_that_address_only(client, tree):
    """A village office shares one address: one person's mistakes lock only their own login
    there, and no one can lock an account out from everywhere else."""
    last = _failures(client, "town_admin", 5, "10.1.1.1")
    assert "请15分钟后再试" in last.get_data(as_text=True)  # told on the failure that locks
    locked = _login(client, "town_admin", environ_base={"REMOTE_ADDR": "10.1.1.1"})
    assert locked.status_code == 429
    assert "登录失败次数过多，请15分钟后再试" in locked.get_data(as_text=True)
    assert client.get("/").status_code == 302  # the right password did not log in
    # everyone else at that address logs in
    colleague = _login(client, "village_admin", environ_base={"REMOTE_ADDR": "10.1.1.1"})
    assert colleague.status_code == 302
    client.logout()
    # and the account itself, from anywhere else
    elsewhere = _login(client, "town_admin", environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert elsewhere.status_code == 302


def test_the_wait_is_shown_in_english_too(client, tree):
    client.post("/language", data={"lang": "en"})
    _failures(client, "town_admin", 5, "10.1.1.1")
    locked = _login(client, "town_admin", environ_base={"REMOTE_ADDR": "10.1.1.1"})
    assert "try again in 15 minutes" in locked.get_data(as_text=True)


def test_the_address_alone_is_locked_only_at_a_much_higher_ceiling(client, tree, app):
    from portal.config import Defaults

    assert Defaults.LOGIN_ADDRESS_MAX_FAILURES >= 5 * Defaults.LOGIN_MAX_FAILURES
    app.config["LOGIN_ADDRESS_MAX_FAILURES"] = ceiling = 12
    names = [f"nobody{n}" for n in range(ceiling)]
    for name in names[:-1]:  # many wrong names from one place: not yet
        _login(client, name, "bad", environ_base={"REMOTE_ADDR": "10.1.1.1"})
    allowed = _login(client, "village_admin", environ_base={"REMOTE_ADDR": "10.1.1.1"})
    assert allowed.status_code == 302
    client.logout()
    _login(client, names[-1], "bad", environ_base={"REMOTE_ADDR": "10.1.1.1"})
    refused = _login(client, "village_admin", environ_base={"REMOTE_ADDR": "10.1.1.1"})
    assert refused.status_code == 429
    assert _login(client, "village_admin",
                  environ_base={"REMOTE_ADDR": "10.2.2.2"}).status_code == 302


def _age(app, seconds):
    """Move every failure and lockout ``seconds`` into the past."""
    from datetime import timedelta

    for row in [*db.session.scalars(db.select(LoginAttempt)),
                *db.session.scalars(db.select(LoginLockout))]:
        row.at -= timedelta(seconds=seconds)
        if isinstance(row, LoginLockout):
            row.until -= timedelta(seconds=seconds)
    db.session.commit()


def test_lock_expires_after_the_lockout(client, tree, app):
    _failures(client, "town_admin", 5, "10.1.1.1")
    _age(app, app.config["LOGIN_LOCKOUT_SECONDS"] + 1)
    assert _login(client, "town_admin", environ_base={"REMOTE_ADDR": "10.1.1.1"}).status_code == 302


def test_each_lockout_lasts_longer_up_to_the_ceiling(client, tree, app):
    app.config["LOGIN_LOCKOUT_MAX_SECONDS"] = 8 * 15 * 60
    waits = []
    for _round in range(5):
        _failures(client, "town_admin", 5, "10.1.1.1")
        locked = _login(client, "town_admin", environ_base={"REMOTE_ADDR": "10.1.1.1"})
        assert locked.status_code == 429
        text = locked.get_data(as_text=True)
        waits.append(next(n for n in (15, 30, 60, 120) if f"请{n}分钟后再试" in text))
        _age(app, waits[-1] * 60 + 1)  # the lock has just run out
    assert waits == [15, 30, 60, 120, 120]
    # a day later the backoff starts again from the beginning
    _age(app, app.config["LOGIN_BACKOFF_MEMORY_SECONDS"] + 1)
    _failures(client, "town_admin", 5, "10.1.1.1")
    again = _login(client, "town_admin", environ_base={"REMOTE_ADDR": "10.1.1.1"})
    assert "请15分钟后再试" in again.get_data(as_text=True)


def test_a_lockout_is_audited_for_the_admins(client, tree):
    _failures(client, "town_admin", 5, "10.1.1.1")
    entry = db.session.scalar(db.select(AuditEntry).filter_by(action="user.login_locked"))
    assert entry.object_id == str(tree.users["town_admin"].id)
    assert entry.detail_dict == {"address": "10.1.1.1", "minutes": 15}


def test_an_unknown_name_is_locked_like_an_account(client, tree):
    """Otherwise the sixth answer (429 or 401) would tell which names exist."""
    _failures(client, "nobody-at-all", 5, "10.1.1.1")
    assert _login(client, "nobody-at-all", environ_base={"REMOTE_ADDR": "10.1.1.1"}) \
        .status_code == 429


def test_successful_login_is_audited_and_clears_the_account_counter(client, tree):
    from portal.auth import throttle

    _login(client, "town_admin", "bad")
    user = tree.users["town_admin"]
    key = throttle.account_key(user, "127.0.0.1")
    assert throttle.failure_count(key) == 1
    _login(client, "town_admin")
    assert db.session.scalar(db.select(AuditEntry).filter_by(action="user.login", user_id=user.id))
    assert throttle.failure_count(key) == 0


# ------------------------------------------------------------------------------- admin unlock

def _lock(client, username, *addresses):
    for address in addresses:
        _failures(client, username, 5, address)
        assert _login(client, username, environ_base={"REMOTE_ADDR": address}).status_code == 429


def test_an_admin_lifts_every_lock_of_a_user_audited(app, client, tree):
    worker = tree.users["grid_worker"]
    _lock(client, "grid_worker", "10.1.1.1", "10.4.4.4")
    admin = app.test_client()
    admin.login("village_admin")
    page = admin.get(f"/admin/users/{worker.id}").get_data(as_text=True)
    assert "10.1.1.1" in page and "10.4.4.4" in page and "解除登录锁定" in page
    response = admin.post(f"/admin/users/{worker.id}/unlock")
    assert response.status_code == 303
    assert "当前没有锁定" in admin.get(response.location).get_data(as_text=True)
    entry = db.session.scalar(db.select(AuditEntry).filter_by(action="user.unlock"))
    assert entry.object_id == str(worker.id) and entry.detail_dict == {"lockouts": 2}
    assert entry.user_id == tree.users["village_admin"].id
    assert not db.session.scalar(db.select(LoginLockout).where(
        LoginLockout.key.startswith(f"account:{worker.id}@")))
    for address in ("10.1.1.1", "10.4.4.4"):
        assert _login(client, "grid_worker", environ_base={"REMOTE_ADDR": address}) \
            .status_code == 302
        client.logout()


def test_unlock_is_scoped_like_every_admin_action(app, tree):
    from portal.auth import throttle

    worker = tree.users["grid_worker"]
    _lock(app.test_client(), "grid_worker", "10.1.1.1")
    for username, status in (("b_town_admin", 404), ("grid_worker", 403),
                             ("info_officer", 403), ("resident", 403)):
        other = app.test_client()
        other.login(username)  # (grid_worker is locked from 10.1.1.1 only)
        assert other.post(f"/admin/users/{worker.id}/unlock").status_code == status, username
    assert throttle.locks_of(worker)
    village = app.test_client()
    village.login("village_admin")  # may not manage a town admin
    assert village.post(f"/admin/users/{tree.users['town_admin'].id}/unlock").status_code in (
        403, 404)
    assert village.post(f"/admin/users/{worker.id}/unlock", csrf=False).status_code == 400
    assert throttle.locks_of(worker)


def test_post_without_csrf_token_is_refused(client, tree):
    response = client.post("/login", data={"login": "town_admin", "password": PASSWORD},
                           csrf=False)
    assert response.status_code == 400
    assert "页面已过期" in response.get_data(as_text=True)
    client.login("village_admin")
    refused = client.post(f"/grids/{tree.grid_a2.id}/retire", csrf=False)
    assert refused.status_code == 400
    assert db.session.get(type(tree.grid_a2), tree.grid_a2.id).active


def test_htmx_requests_need_the_csrf_header(client, tree):
    client.login("village_admin")
    refused = client.htmx_post(f"/grids/{tree.grid_a1.id}/name", data={"name": "x"}, csrf=False)
    assert refused.status_code == 400
    accepted = client.htmx_post(f"/grids/{tree.grid_a1.id}/name", data={"name": "新名字"})
    assert accepted.status_code == 200


def test_pages_carry_the_csrf_token_for_htmx(client, tree):
    page = client.get("/login").get_data(as_text=True)
    assert 'hx-headers=\'{"X-CSRFToken": "' in page
    assert 'name="csrf-token"' in page


def test_logout_needs_a_post(client, tree):
    client.login("town_admin")
    assert client.get("/logout").status_code == 405
    client.logout()
    assert client.get("/").status_code == 302


def test_next_parameter_cannot_redirect_off_site(client, tree):
    """(every bypass, every such redirect: tests/test_redirects.py)"""
    response = client.post("/login?next=//evil.example/x",
                           data={"login": "town_admin", "password": PASSWORD})
    assert response.location == "/"
    client.logout()
    response = client.post("/login?next=/grids/", data={"login": "town_admin", "password": PASSWORD})
    assert response.location == "/grids/"


def test_security_headers(client, tree):
    response = client.get("/login")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "HX-Request" in response.headers["Vary"]


def test_session_cookie_flags(client, tree):
    response = _login(client, "town_admin")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_cookies_are_secure(make_app, app_config):
    app = make_app({**app_config, "PORTAL_ENV": "production"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    response = app.test_client().get("/login")
    assert "Secure" in response.headers["Set-Cookie"]
    assert "Strict-Transport-Security" in response.headers


def test_language_switch_to_english_and_back(client, tree):
    client.post("/language", data={"lang": "en", "next": "/login"})
    page = client.get("/login").get_data(as_text=True)
    assert "Log in" in page or "Sign in" in page
    client.post("/language", data={"lang": "zh_CN", "next": "/login"})
    assert "登录" in client.get("/login").get_data(as_text=True)
    assert client.post("/language", data={"lang": "xx"}).status_code == 400


def test_login_page_is_usable_in_english(client, tree):
    client.post("/language", data={"lang": "en"})
    response = _login(client, "town_admin", "bad")
    text = response.get_data(as_text=True)
    assert "账号或密码不正确" not in text


# ------------------------------------------------------------------------------- password policy

#: Refused everywhere: too short, digits only, letters only, spaces around, too long, the name.
WEAK = ["1", "abc123", "12345678", "abcdefgh", "        ", " abcd1234", "abcd1234 ",
        "a1" * 65, "newuser2026"]


def _admin_new(client, tree, password):
    return client.post("/admin/users/new", data={
        "username": "newuser", "display_name": "新人", "role": "grid_worker",
        "scope": tree.grid_a2.id, "password": password})


def _admin_reset(client, tree, password):
    worker = tree.users["grid_worker"]
    return client.post(f"/admin/users/{worker.id}", data={
        "username": "newuser", "display_name": worker.display_name, "role": "grid_worker",
        "scope": worker.scope_id, "password": password, "active": "y"})


def _own_password(client, tree, password):
    return client.post("/account/password", data={"current": PASSWORD, "new": password,
                                                   "confirm": password})


def test_every_web_form_applies_the_policy(app, tree):
    from portal.auth.passwords import password_problem

    client = app.test_client()
    client.login("town_admin")
    worker, me = tree.users["grid_worker"], tree.users["town_admin"]
    hashes = {worker.id: worker.password_hash, me.id: me.password_hash}
    # (the forms' username is "newuser"; one's own page goes by one's own, town_admin)
    paths = {"new user": (_admin_new, "newuser"), "admin reset": (_admin_reset, "newuser"),
             "own password": (_own_password, "town_admin")}
    for name, (submit, username) in paths.items():
        for password in [p.replace("newuser", username) for p in WEAK]:
            with app.test_request_context():
                message = password_problem(password, username)
            assert message, password
            response = submit(client, tree, password)
            # every refused form answers 422 (portal.web.REFUSED), one's own page as well
            assert response.status_code == 422, (name, password)
            if password.strip():  # (blank: "enter a new password")
                assert message in response.get_data(as_text=True), (name, password)
    db.session.expire_all()
    assert db.session.scalar(db.select(User).filter_by(username="newuser")) is None
    assert {u: db.session.get(User, u).password_hash for u in hashes} == hashes
    assert _admin_new(client, tree, "Good-pass-2026").status_code == 302


def test_the_command_line_applies_the_policy(app, runner, tree):
    for password in WEAK:
        result = runner.invoke(args=["users", "create", "--username", "newuser", "--password",
                                     password, "--role", "grid_worker", "--scope",
                                     tree.grid_a2.code])
        assert result.exit_code != 0, password
        assert "密码" in result.output, result.output
    assert db.session.scalar(db.select(User).filter_by(username="newuser")) is None
    # the password may be typed at a prompt instead (kept out of the shell history)
    asked = runner.invoke(args=["users", "create", "--username", "newuser", "--role",
                                "grid_worker", "--scope", tree.grid_a2.code],
                          input="Good-pass-2026\nGood-pass-2026\n")
    assert asked.exit_code == 0, asked.output
    assert db.session.scalar(db.select(User).filter_by(username="newuser")) \
        .check_password("Good-pass-2026")


def test_every_service_that_sets_a_password_applies_the_policy(app, tree):
    """The admin pages, the command line and the volunteers module all go through these."""
    from portal.auth.services import create_user, update_user

    worker = tree.users["grid_worker"]
    for password in WEAK:
        with pytest.raises(DomainError) as refused:
            create_user(username="newuser", password=password, role="grid_worker",
                        scope=tree.grid_a2)
        assert refused.value.field == "password"
        with pytest.raises(DomainError):
            update_user(worker, password=password, username="newuser")
    with pytest.raises(DomainError, match="用户名"):
        update_user(worker, password="Grid_Worker-9")
    db.session.rollback()
    assert db.session.get(User, worker.id).check_password(PASSWORD)


@needs_plugin("volunteers")
def test_the_volunteers_registration_applies_the_policy(app, tree):
    from plugins.volunteers import services as volunteers

    for password in WEAK[:5]:
        with pytest.raises(DomainError) as refused:
            volunteers.register(grid=tree.grid_a1, name="刘志愿", password=password)
        assert refused.value.field == "password"
    db.session.rollback()


def test_the_command_line_sets_a_password_under_the_policy_and_ends_sessions(app, runner, tree):
    client = app.test_client()
    client.login("county_admin")
    weak = runner.invoke(args=["users", "password", "county_admin", "--password", "12345678"])
    assert weak.exit_code != 0 and "密码至少8位" in weak.output
    assert client.get("/").status_code == 200
    typed = runner.invoke(args=["users", "password", "county_admin"],
                          input="Forgot-It-2026\nForgot-It-2026\n")
    assert typed.exit_code == 0, typed.output
    assert client.get("/").status_code == 302  # its sessions have ended
    client.login("county_admin", "Forgot-It-2026")
    assert runner.invoke(args=["users", "password", "nobody"]).exit_code != 0


def test_the_command_line_unlocks_a_user(app, runner, client, tree):
    _lock(client, "county_admin", "10.1.1.1")
    result = runner.invoke(args=["users", "unlock", "county_admin"])
    assert result.exit_code == 0 and "1 lock(s)" in result.output
    assert db.session.scalar(db.select(AuditEntry).filter_by(action="user.unlock"))
    assert _login(client, "county_admin", environ_base={"REMOTE_ADDR": "10.1.1.1"}) \
        .status_code == 302
