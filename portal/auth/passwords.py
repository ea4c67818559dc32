"""The one password policy, applied wherever a password is set: the admin's user form, the
volunteers' registration form, `portal users create`, and the services behind them all."""
from flask import current_app
from flask_babel import gettext as _

MAX_LENGTH = 128  # the login form takes no more


def password_problem(password: str | None, username: str | None = None) -> str | None:
    """Why ``password`` is refused, or None when it is acceptable."""
    password = password or ""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) > MAX_LENGTH:
        return _("密码不能超过%(max)d位。", max=MAX_LENGTH)
    if (len(password) < minimum or not any(c.isalpha() for c in password)
            or not any(c.isdigit() for c in password)):
        return _("密码至少%(min)d位，且须同时包含字母和数字。", min=minimum)
    if password != password.strip():
        return _("密码首尾不能有空格。")
    if username and len(username) >= 3 and username.lower() in password.lower():
        return _("密码不能包含用户名。")
    return None
