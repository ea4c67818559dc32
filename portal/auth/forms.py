from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    login = StringField(_l("用户名 / 手机号 / 身份证号 / 邮箱"),
                        validators=[DataRequired(_l("请输入用户名、手机号或身份证号。")),
                                    Length(max=64)])
    password = PasswordField(_l("密码"), validators=[DataRequired(_l("请输入密码。")),
                                                     Length(max=128)])
