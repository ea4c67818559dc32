from flask import (Blueprint, abort, current_app, flash, redirect, request, session, url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import or_

from portal import audit
from portal.auth import throttle
from portal.auth.forms import LoginForm
from portal.auth.models import User
from portal.extensions import db
from portal.rendering import render
from portal.timeutil import utcnow
from werkzeug.security import check_password_hash, generate_password_hash

bp = Blueprint("auth", __name__)

# Checked when no account matches, so that a wrong username costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-password")


def find_user(login: str) -> User | None:
    login = login.strip()
    return db.session.scalar(db.select(User).where(or_(
        User.username == login, User.phone == login, User.id_number == login.upper(),
        User.email == login.lower())))


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user = find_user(form.login.data)
        keys = [throttle.address_key(request.remote_addr)]
        if user is not None:
            keys.append(throttle.account_key(user))
        wait = throttle.seconds_locked(keys)
        if wait:
            minutes = (wait + 59) // 60
            form.login.errors.append(
                _("登录失败次数过多，请%(n)d分钟后再试。", n=minutes))
            status = 429
        elif user is not None and user.check_password(form.password.data) and user.is_active:
            throttle.clear(throttle.account_key(user))
            lang = session.get("lang")
            session.clear()  # a fresh session on login: no fixation
            if lang:
                session["lang"] = lang  # the language chosen on the login page stays
            login_user(user)
            user.last_login_at = utcnow()
            audit.record("user.login", user, scope_code=user.scope.code, user=user)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
        else:
            if user is None:
                check_password_hash(_DUMMY_HASH, form.password.data)
            throttle.record_failure(keys)
            form.password.errors.append(_("账号或密码不正确，或账号已停用。"))
            status = 401
    elif request.method == "POST":
        status = 400
    return render("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    lang = session.get("lang")
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("已退出登录。"), "info")
    return redirect(url_for("auth.login"))


@bp.route("/language", methods=["POST"])
def set_language():
    lang = request.form.get("lang", "")
    if lang not in current_app.config["LANGUAGES"]:
        abort(400)
    session["lang"] = lang
    if current_user.is_authenticated:
        current_user.locale = lang
        db.session.commit()
    return redirect(_safe_next(request.form.get("next")))
