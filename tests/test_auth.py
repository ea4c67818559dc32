"""Login, throttling, sessions, CSRF and the security headers every response carries."""
import pytest

from portal.audit import AuditEntry
from portal.auth.models import LoginAttempt, User
from portal.extensions import db
from portal.testing import PASSWORD


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
    from portal.auth.services import UserError, create_user, update_user

    update_user(tree.users["grid_worker"], email=" Li.Wang@Example.cn ")
    db.session.commit()
    assert tree.users["grid_worker"].email == "li.wang@example.cn"
    assert _login(client, "LI.WANG@example.cn").status_code == 302
    with pytest.raises(UserError, match="邮箱已绑定"):
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


def test_five_failures_lock_the_account_even_with_the_right_password(client, tree):
    for _ in range(5):
        assert _login(client, "town_admin", "bad").status_code == 401
    locked = _login(client, "town_admin")
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.get_data(as_text=True)
    # another account from another address still logs in
    other = _login(client, "village_admin", environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert other.status_code == 302


def test_five_failures_from_one_address_lock_that_address(client, tree):
    for name in ("nobody1", "nobody2", "nobody3", "nobody4", "nobody5"):
        _login(client, name, "bad", environ_base={"REMOTE_ADDR": "10.1.1.1"})
    refused = _login(client, "village_admin", environ_base={"REMOTE_ADDR": "10.1.1.1"})
    assert refused.status_code == 429
    allowed = _login(client, "village_admin", environ_base={"REMOTE_ADDR": "10.2.2.2"})
    assert allowed.status_code == 302


def test_lock_expires_after_the_lockout(client, tree, app):
    from datetime import timedelta

    for _ in range(5):
        _login(client, "town_admin", "bad")
    for attempt in db.session.scalars(db.select(LoginAttempt)):
        attempt.at -= timedelta(seconds=app.config["LOGIN_LOCKOUT_SECONDS"] + 1)
    db.session.commit()
    assert _login(client, "town_admin").status_code == 302


def test_successful_login_is_audited_and_clears_the_account_counter(client, tree):
    _login(client, "town_admin", "bad")
    _login(client, "town_admin")
    user = tree.users["town_admin"]
    assert db.session.scalar(db.select(AuditEntry).filter_by(action="user.login", user_id=user.id))
    assert not db.session.scalar(db.select(LoginAttempt).filter_by(key=f"account:{user.id}"))


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
