from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError


class LoginForm(FlaskForm):
    login = StringField(_l("用户名 / 手机号 / 身份证号 / 邮箱"),
                        validators=[DataRequired(_l("请输入用户名、手机号或身份证号。")),
                                    Length(max=64)])
    password = PasswordField(_l("密码"), validators=[DataRequired(_l("请输入密码。")),
                                                     Length(max=128)])


def new_password_rules(form, field):
    """The portal's one password policy (portal.auth.passwords), for the user's own name."""
    from flask_login import current_user

    from portal.auth.passwords import password_problem

    problem = password_problem(field.data, getattr(current_user, "username", None))
    if problem:
        raise ValidationError(problem)


class PasswordChangeForm(FlaskForm):
    """A user's own password: the current one first, so that a session left open on a shared
    computer cannot be turned into the account."""

    current = PasswordField(_l("当前密码"), validators=[DataRequired(_l("请输入当前密码。")),
                                                       Length(max=128)])
    new = PasswordField(_l("新密码"), validators=[DataRequired(_l("请输入新密码。")),
                                                  new_password_rules])
    confirm = PasswordField(_l("再次输入新密码"),
                            validators=[DataRequired(_l("请再次输入新密码。")),
                                        EqualTo("new", _l("两次输入的新密码不一致。"))])


class LanguageForm(FlaskForm):
    """The language switch in the page header: the language, and the page to go back to (checked
    by portal.local_redirect, so only a path on this site)."""
    lang = SelectField(_l("语言"))
    next = HiddenField()

    def __init__(self, *args, **kwargs):
        from flask import current_app

        super().__init__(*args, **kwargs)
        self.lang.choices = list(current_app.config["LANGUAGES"].items())
