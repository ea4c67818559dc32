from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from portal.forms import strip


class DepartmentForm(FlaskForm):
    """A new department: of which county or town (the choices are built per request), its
    name and an optional short code."""
    owner = SelectField(_l("所属"), coerce=int, validators=[DataRequired(_l("请选择部门所属的县或镇(街道)。"))])
    name = StringField(_l("部门名称"), filters=[strip],
                       validators=[DataRequired(_l("请填写部门名称(不超过32个字)。")),
                                   Length(max=32, message=_l("请填写部门名称(不超过32个字)。"))])
    kind = StringField(_l("简称(可选)"), filters=[strip],
                       validators=[Optional(), Length(max=16, message=_l("简称不超过16个字符。"))])


class DepartmentEditForm(FlaskForm):
    name = StringField(_l("部门名称"), filters=[strip],
                       validators=[DataRequired(_l("请填写部门名称(不超过32个字)。")),
                                   Length(max=32, message=_l("请填写部门名称(不超过32个字)。"))])
    kind = StringField(_l("简称(可选)"), filters=[strip],
                       validators=[Optional(), Length(max=16, message=_l("简称不超过16个字符。"))])
    active = BooleanField(_l("启用(停用后不再可选，历史记录保留)"))
