from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, IntegerField, PasswordField, SelectField, StringField,
                     TextAreaField)
from wtforms.validators import (DataRequired, InputRequired, Length, NumberRange, Optional,
                                Regexp)

from portal.forms import Phone, choices, id_number, strip

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
    #: A department staff member's department (portal.departments): an id of the departments
    #: offered, 0 for none; the service says when a department is needed or does not fit.
    department = SelectField(_l("所属部门"), coerce=int, default=0, validate_choice=False)
    password = PasswordField(_l("密码"), validators=[Optional(), password_rules])
    active = BooleanField(_l("启用"), default=True)


class UserSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("搜索"), validators=[Optional(), Length(max=64)])


class ModuleSwitchForm(FlaskForm):
    """The 开启/关闭 button of one module row: the state it sets."""
    enabled = SelectField(_l("状态"), choices=choices([("1", _l("开启")), ("0", _l("关闭"))]),
                          validators=[DataRequired(_l("请选择开启或关闭。"))])


class CalendarForm(FlaskForm):
    """A year's holiday schedule: each line "2027-01-01 元旦"; the lines are read in the view,
    which knows the year they must fall in."""
    year = IntegerField(_l("年份"), validators=[
        InputRequired(_l("请填写年份，如 2027。")),
        NumberRange(2000, 2100, message=_l("请填写年份，如 2027。"))],
        render_kw={"inputmode": "numeric"})
    holidays = TextAreaField(_l("节假日(放假的日子，每行一天)"),
                             render_kw={"rows": 8, "placeholder": "2027-01-01 元旦"})
    workdays = TextAreaField(_l("调休上班日(周末上班的日子)"),
                             render_kw={"rows": 4, "placeholder": "2027-02-07 春节"})


class ApiKeyForm(FlaskForm):
    label = StringField(_l("用途"), filters=[strip], validators=[Optional(), Length(max=64)])
