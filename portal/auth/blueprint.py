from flask import (Blueprint, abort, flash, redirect, request, session, url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_

from portal import audit
from portal.auth import sessions, throttle
from portal.auth.forms import LanguageForm, LoginForm, PasswordChangeForm
from portal.auth.models import User
from portal.extensions import db
from portal.home import landing_page
from portal.local_redirect import local_target, redirect_local
from portal.rendering import render
from portal.timeutil import utcnow
from portal.validators import normalise_id_number, normalise_phone
from portal.web import REFUSED, commit
from werkzeug.security import check_password_hash, generate_password_hash

bp = Blueprint("auth", __name__)

# Checked when no account matches, so that a wrong username costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-password")


def find_user(login: str) -> User | None:
    login = login.strip()
    # a phone or ID number typed with full-width digits is the stored ASCII one (NFKC)
    return db.session.scalar(db.select(User).where(or_(
        User.username == login, User.phone == normalise_phone(login),
        User.id_number == normalise_id_number(login), User.email == login.lower())))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user = find_user(form.login.data)
        keys = throttle.keys_for(user, request.remote_addr, form.login.data)
        wait = throttle.seconds_locked(keys)
        if wait:
            form.login.errors.append(
                _("登录失败次数过多，请%(n)d分钟后再试。", n=throttle.minutes(wait)))
            status = 429
        elif user is not None and user.check_password(form.password.data) and user.is_active:
            throttle.clear(throttle.account_key(user, request.remote_addr))
            sessions.start(user)
            user.last_login_at = utcnow()
            audit.record("user.login", user, scope_code=user.scope.code, user=user)
            commit()
            # the page asked for, else the role's own start (the kiosk), else the home page
            return redirect(local_target(request.args.get("next"))
                            or local_target(landing_page(user)) or url_for("home.index"))
        else:
            if user is None:
                check_password_hash(_DUMMY_HASH, form.password.data)
            locked = throttle.record_failure(keys)
            form.password.errors.append(_("账号或密码不正确，或账号已停用。"))
            if locked:
                wait = throttle.minutes(throttle.seconds_locked(locked))
                form.password.errors.append(_("登录失败次数过多，请%(n)d分钟后再试。", n=wait))
                if user is not None and keys[1] in locked:
                    # the admin sees who is being guessed at, and from where; unlocking is theirs
                    audit.record("user.login_locked", user, scope_code=user.scope.code,
                                 address=request.remote_addr, minutes=wait)
                    commit()
            status = 401
    elif request.method == "POST":
        status = REFUSED
    return render("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Logging out ends every session of the user, on every device, not only this one."""
    sessions.end(current_user._get_current_object())
    commit()
    flash(_("已退出登录。"), "info")
    response = redirect(url_for("auth.login"))
    # the phone's kept pages, household list and queue go with the session (portal/offline):
    # static/js/offline.js wipes them first; this covers a page that had not loaded its script
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """One's own password. Every other session of the user ends; this one is re-issued. A wrong
    current password counts against the login throttle, so an open session cannot be used to
    guess it."""
    user = current_user._get_current_object()
    form = PasswordChangeForm()
    status = 200
    if form.validate_on_submit():
        keys = throttle.keys_for(user, request.remote_addr)
        wait = throttle.seconds_locked(keys)
        if wait:
            form.current.errors.append(
                _("登录失败次数过多，请%(n)d分钟后再试。", n=throttle.minutes(wait)))
            status = 429
        elif not user.check_password(form.current.data):
            throttle.record_failure(keys)
            form.current.errors.append(_("当前密码不正确。"))
            status = REFUSED
        else:
            user.set_password(form.new.data)  # ends every session of the user...
            audit.record("user.password_change", user, scope_code=user.scope.code, user=user)
            commit()
            sessions.reissue(user)  # ...but this one
            flash(_("密码已修改，其他设备上的登录已退出。"), "success")
            return redirect(url_for("home.index"))
    elif request.method == "POST":
        status = REFUSED
    return render("auth/password.html", form=form), status


@bp.route("/language", methods=["POST"])
def set_language():
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400)  # a header switch, no page to show the field on: a language we do not speak
    lang = form.lang.data
    session["lang"] = lang
    if current_user.is_authenticated:
        current_user.locale = lang
        commit()
    return redirect_local(form.next.data)
