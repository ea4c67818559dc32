from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from portal.forms import Phone, id_number, strip

USERNAME = Regexp(r"^[A-Za-z0-9_.\-]{3,64}$",
                  message=_l("用户名为3到64位字母、数字、下划线、点或减号。"))


def password_rules(form, field):
    """The portal's one password policy (portal.auth.passwords), shown next to the field."""
    from wtforms.validators import ValidationError

    from portal.auth.passwords import password_problem

    username = getattr(getattr(form, "username", None), "data", None)
    problem = password_problem(field.data, username) if field.data else None
    if problem:
        raise ValidationError(problem)


class UserForm(FlaskForm):
    username = StringField(_l("用户名"), filters=[strip],
                           validators=[DataRequired(_l("请填写用户名。")), USERNAME])
    display_name = StringField(_l("姓名"), filters=[strip],
                               validators=[DataRequired(_l("请填写姓名。")), Length(max=64)])
    phone = StringField(_l("手机号"), filters=[strip], validators=[Optional(), Phone()])
    id_number = StringField(_l("身份证号"), filters=[strip], validators=[Optional(), id_number])
    email = StringField(_l("电子邮箱"), filters=[strip],
                        validators=[Optional(), Length(max=120),
                                    Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                                           message=_l("请输入有效的电子邮箱。"))])
    role = SelectField(_l("角色"), validators=[DataRequired(_l("请选择角色。"))])
    scope = SelectField(_l("管理范围"), coerce=int,
                        validators=[DataRequired(_l("请选择管理范围。"))])
    password = PasswordField(_l("密码"), validators=[Optional(), password_rules])
    active = BooleanField(_l("启用"), default=True)


class UserSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("搜索"), validators=[Optional(), Length(max=64)])
